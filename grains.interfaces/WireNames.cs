using System.Collections.Frozen;

namespace Bulwark;

/// <summary>
/// The kebab-case names of the model's enums as they appear in files, the CLI and JSON
/// (<c>nato-enterprise</c>, <c>power-substation</c>, <c>amber-strict</c>).
/// </summary>
public static class WireNames
{
    /// <summary>The wire name of an enum value.</summary>
    public static string Of<T>(T value) where T : struct, Enum => Cache<T>.ToName[value];

    /// <summary>Parses a wire name; false when it is not one of <see cref="All{T}"/>.</summary>
    public static bool TryParse<T>(string? text, out T value) where T : struct, Enum
    {
        if (text is not null && Cache<T>.FromName.TryGetValue(text, out value))
        {
            return true;
        }
        value = default;
        return false;
    }

    /// <summary>Parses a wire name that must be valid; throws <see cref="FormatException"/> otherwise.</summary>
    public static T Parse<T>(string text) where T : struct, Enum =>
        TryParse<T>(text, out var value) ? value : throw new FormatException($"'{text}' is not a {typeof(T).Name}");

    /// <summary>All wire names of <typeparamref name="T"/>, in declaration order.</summary>
    public static IReadOnlyList<string> All<T>() where T : struct, Enum => Cache<T>.Names;

    private static string Kebab(string pascal)
    {
        var chars = new List<char>(pascal.Length + 4);
        for (var i = 0; i < pascal.Length; i++)
        {
            var c = pascal[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    chars.Add('-');
                }
                chars.Add(char.ToLowerInvariant(c));
            }
            else
            {
                chars.Add(c);
            }
        }
        return new string([.. chars]);
    }

    private static class Cache<T> where T : struct, Enum
    {
        public static readonly T[] Values = Enum.GetValues<T>();
        public static readonly string[] Names = [.. Values.Select(v => Kebab(v.ToString()))];
        public static readonly FrozenDictionary<T, string> ToName =
            Values.Zip(Names).ToFrozenDictionary(p => p.First, p => p.Second);
        public static readonly FrozenDictionary<string, T> FromName =
            Values.Zip(Names).ToFrozenDictionary(p => p.Second, p => p.First, StringComparer.Ordinal);
    }
}
