using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Bulwark.Cli;

/// <summary>JSON shapes and text tables of the CLI's output.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Json(JsonNode node) => node.ToJsonString(Indented);

    public static string Line(JsonNode node) => node.ToJsonString();

    public static string Number(double value) => value.ToString("0.000", CultureInfo.InvariantCulture);

    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary><c>{"healthy":n,"compromised":n,…}</c> in status order.</summary>
    public static JsonObject ByStatus(PostureTally tally)
    {
        var obj = new JsonObject();
        foreach (var status in Enum.GetValues<NodeStatus>())
        {
            obj[WireNames.Of(status)] = tally.Count(status);
        }
        return obj;
    }

    /// <summary>Pads columns; the first column left-aligned, the rest right-aligned.</summary>
    public static async Task TableAsync(TextWriter writer, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows)
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

    public static IReadOnlyList<string> StatusHeader(string first) =>
        [first, "CAPABILITY", "NODES", .. Enum.GetValues<NodeStatus>().Select(s => WireNames.Of(s).ToUpperInvariant())];

    public static IReadOnlyList<string> StatusRow(string first, PostureTally tally) =>
        [first, Number(tally.Capability), tally.Nodes.ToString(CultureInfo.InvariantCulture),
            .. Enum.GetValues<NodeStatus>().Select(s => tally.Count(s).ToString(CultureInfo.InvariantCulture))];
}
