using System.Globalization;

namespace Bulwark.Client.Reports;

/// <summary>Plain-text tables and numbers for terminal output.</summary>
public static class TextTable
{
    /// <summary>A capability or fraction with three decimals.</summary>
    public static string Number(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    /// <summary>Pads columns; the first column left-aligned, the rest right-aligned.</summary>
    public static async Task WriteAsync(TextWriter writer, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
    {
        var all = new List<IReadOnlyList<string>> { header };
        all.AddRange(rows);
        var widths = Enumerable.Range(0, header.Count).Select(i => all.Max(r => r[i].Length)).ToArray();
        foreach (var row in all)
        {
            var cells = row.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]));
            await writer.WriteLineAsync(string.Join("  ", cells).TrimEnd());
        }
    }
}
