using System.Text;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// The model's only source of randomness: a draw is a pure function of (seed, entity, tick,
/// purpose, discriminator), hashed with FNV-1a over UTF-8 and finished with the SplitMix64 mixer.
/// The same question gets the same answer in any process, on any silo, in any order.
/// </summary>
public static class StableRandom
{
    private const ulong FnvOffset = 14695981039346656037UL;
    private const ulong FnvPrime = 1099511628211UL;

    /// <summary>A uniform draw in [0, 1).</summary>
    public static double Draw(ulong seed, string entity, long tick, string purpose, string discriminator)
    {
        var h = FnvOffset;
        h = Mix(h, seed);
        h = Add(h, entity);
        h = Mix(h, (ulong)tick);
        h = Add(h, purpose);
        h = Add(h, discriminator);
        return (Finish(h) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>
    /// A uniform draw in [0, 1) whose discriminator is the concatenation of <paramref name="parts"/>:
    /// the same draw as <see cref="Draw(ulong, string, long, string, string)"/> with <c>string.Concat(parts)</c>,
    /// without building that string.
    /// </summary>
    public static double Draw(ulong seed, string entity, long tick, string purpose, params ReadOnlySpan<string> parts)
    {
        var h = FnvOffset;
        h = Mix(h, seed);
        h = Add(h, entity);
        h = Mix(h, (ulong)tick);
        h = Add(h, purpose);
        foreach (var part in parts)
        {
            h = Bytes(h, part);
        }
        h = (h ^ 0xFF) * FnvPrime;
        return (Finish(h) >> 11) * (1.0 / (1UL << 53));
    }

    /// <summary>A uniform whole number in [min, max].</summary>
    public static long Between(ulong seed, string entity, long tick, string purpose, string discriminator, long min, long max) =>
        min + (long)Math.Floor(Draw(seed, entity, tick, purpose, discriminator) * (max - min + 1));

    /// <summary>A uniform whole number in [min, max], the discriminator given in parts as for <see cref="Draw(ulong, string, long, string, ReadOnlySpan{string})"/>.</summary>
    public static long Between(ulong seed, string entity, long tick, string purpose, long min, long max, params ReadOnlySpan<string> parts) =>
        min + (long)Math.Floor(Draw(seed, entity, tick, purpose, parts) * (max - min + 1));

    /// <summary>A string's UTF-8 bytes, then a terminator: "ab" then "c" is not "a" then "bc".</summary>
    private static ulong Add(ulong h, string text) => (Bytes(h, text) ^ 0xFF) * FnvPrime;

    private static ulong Bytes(ulong h, string text)
    {
        // Ids and technique names are ASCII: no encoder needed.
        if (System.Text.Ascii.IsValid(text))
        {
            foreach (var c in text)
            {
                h = (h ^ c) * FnvPrime;
            }
            return h;
        }
        Span<byte> buffer = stackalloc byte[256];
        var bytes = text.Length * 3 <= buffer.Length ? buffer[..Encoding.UTF8.GetBytes(text, buffer)] : Encoding.UTF8.GetBytes(text);
        foreach (var b in bytes)
        {
            h = (h ^ b) * FnvPrime;
        }
        return h;
    }

    private static ulong Mix(ulong h, ulong value)
    {
        for (var i = 0; i < 8; i++)
        {
            h = (h ^ (value & 0xFF)) * FnvPrime;
            value >>= 8;
        }
        return h;
    }

    private static ulong Finish(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
