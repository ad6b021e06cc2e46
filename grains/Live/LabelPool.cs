using System.Collections.Concurrent;

namespace Bulwark.Grains.Live;

/// <summary>
/// One shared instance of each technique and source label a node keeps in its history. Labels
/// arrive as new strings with every batch; a node that kept those would tie each long-lived
/// history to young objects, which the garbage collector must then trace on every collection.
/// The pool is bounded: past <see cref="Capacity"/> labels, new ones are kept as they came.
/// </summary>
public static class LabelPool
{
    /// <summary>The most labels the pool holds.</summary>
    public const int Capacity = 16_384;

    private static readonly ConcurrentDictionary<string, string> Labels = new(StringComparer.Ordinal);

    // Counted apart: ConcurrentDictionary.Count takes every lock of the dictionary.
    private static int _count;

    /// <summary>The pooled instance of <paramref name="label"/>, or null for null.</summary>
    public static string? Intern(string? label)
    {
        if (label is null)
        {
            return null;
        }
        if (Labels.TryGetValue(label, out var pooled))
        {
            return pooled;
        }
        if (Volatile.Read(ref _count) >= Capacity)
        {
            return label;
        }
        if (Labels.TryAdd(label, label))
        {
            Interlocked.Increment(ref _count);
            return label;
        }
        return Labels.TryGetValue(label, out pooled) ? pooled : label;
    }
}
