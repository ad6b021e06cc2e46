using System.Buffers;
using System.Globalization;
using System.Text;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// Writes journal lines as UTF-8 bytes, exactly as <see cref="JournalEntry.ToString"/> plus a line
/// feed, without making a string of each: a large run journals millions of lines.
/// </summary>
public static class JournalText
{
    /// <summary>Appends <c>tick entity kind[ detail]\n</c> to <paramref name="buffer"/>.</summary>
    public static void AppendLine(ArrayBufferWriter<byte> buffer, JournalEntry entry)
    {
        var chars = entry.Entity.Length + entry.Kind.Length + entry.Detail.Length;
        var span = buffer.GetSpan(24 + Encoding.UTF8.GetMaxByteCount(chars));
        entry.Tick.TryFormat(span, out var n, default, CultureInfo.InvariantCulture);
        span[n++] = (byte)' ';
        n += Encoding.UTF8.GetBytes(entry.Entity, span[n..]);
        span[n++] = (byte)' ';
        n += Encoding.UTF8.GetBytes(entry.Kind, span[n..]);
        if (entry.Detail.Length > 0)
        {
            span[n++] = (byte)' ';
            n += Encoding.UTF8.GetBytes(entry.Detail, span[n..]);
        }
        span[n++] = (byte)'\n';
        buffer.Advance(n);
    }
}
