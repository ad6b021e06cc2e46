using System.Globalization;

namespace Bulwark;

/// <summary>Durations as scenario files write them: <c>45s</c>, <c>90m</c>, <c>36h</c>, <c>3d</c>, <c>1h30m</c>.</summary>
public static class Duration
{
    /// <summary>The longest duration written: a century, far past any exercise, outage or delay.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(36_500);

    /// <summary>Parses a duration; false with a reason when the text is not one.</summary>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = "";
        if (string.IsNullOrEmpty(text))
        {
            error = "empty duration; write e.g. 30m, 2h, 1h30m or 3d";
            return false;
        }
        var order = "dhms";
        var lastUnit = -1;
        var i = 0;
        long total = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }
            if (i == start || i == text.Length)
            {
                error = $"'{Echo.Of(text)}' is not a duration; write e.g. 30m, 2h, 1h30m or 3d";
                return false;
            }
            var unit = order.IndexOf(text[i], StringComparison.Ordinal);
            if (unit < 0 || unit <= lastUnit)
            {
                error = $"'{Echo.Of(text)}' is not a duration; units are d, h, m, s, largest first (1h30m)";
                return false;
            }
            if (!long.TryParse(text.AsSpan(start, i - start), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
                || amount > 100_000_000)
            {
                error = $"'{Echo.Of(text)}' is too long a duration";
                return false;
            }
            total += amount * unit switch { 0 => 86_400L, 1 => 3_600L, 2 => 60L, _ => 1L };
            lastUnit = unit;
            i++;
        }
        if (total > (long)Max.TotalSeconds)
        {
            error = $"'{Echo.Of(text)}' is too long a duration (at most {Format(Max)})";
            return false;
        }
        value = TimeSpan.FromSeconds(total);
        return true;
    }

    /// <summary>Writes a duration the way files do (<c>1h30m</c>; <c>0s</c> for zero).</summary>
    public static string Format(TimeSpan value)
    {
        var seconds = (long)value.TotalSeconds;
        if (seconds == 0)
        {
            return "0s";
        }
        var parts = new List<string>(4);
        foreach (var (unit, size) in new[] { ("d", 86_400L), ("h", 3_600L), ("m", 60L), ("s", 1L) })
        {
            if (seconds >= size)
            {
                parts.Add((seconds / size).ToString(CultureInfo.InvariantCulture) + unit);
                seconds %= size;
            }
        }
        return string.Concat(parts);
    }
}
