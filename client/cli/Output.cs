using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Client.Reports;

namespace Bulwark.Cli;

/// <summary>JSON shapes and text tables of the CLI's output.</summary>
internal static class Output
{
    // Output goes to a terminal or a pipe, never into HTML: quotes and '>' stay as they are instead of \u0027 and \u003E.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Json(JsonNode node) => node.ToJsonString(Indented);

    public static string Line(JsonNode node) => node.ToJsonString(Compact);

    public static string Number(double value) => TextTable.Number(value);

    /// <summary>
    /// ISO 8601 in UTC, with the fraction of a second when there is one: two reports a moment apart must not read as
    /// one time, since the newer sets the node's status.
    /// </summary>
    public static string Time(DateTimeOffset time) => time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture);

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

    public static Task TableAsync(TextWriter writer, IReadOnlyList<string> header, IEnumerable<IReadOnlyList<string>> rows) =>
        TextTable.WriteAsync(writer, header, rows);

    public static IReadOnlyList<string> StatusHeader(string first) =>
        [first, "CAPABILITY", "NODES", .. Enum.GetValues<NodeStatus>().Select(s => WireNames.Of(s).ToUpperInvariant())];

    public static IReadOnlyList<string> StatusRow(string first, PostureTally tally) =>
        [first, Number(tally.Capability), tally.Nodes.ToString(CultureInfo.InvariantCulture),
            .. Enum.GetValues<NodeStatus>().Select(s => tally.Count(s).ToString(CultureInfo.InvariantCulture))];
}
