using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Client;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark watch [--count N]</c>: prints posture changes as they happen, until Ctrl-C or N changes.</summary>
internal static class WatchCommand
{
    public static async Task<int> RunAsync(CliContext c)
    {
        c.Line.ExpectPositionals(0, "");
        var count = long.MaxValue;
        if (c.Line.Option("--count") is { } text && (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
        {
            throw new UsageException($"--count must be a positive whole number, not '{Echo.Of(text)}'");
        }
        await using var connection = await c.ConnectAsync();
        var client = connection.For(c.World);
        await client.GetWorldAsync();
        using var stop = new CtrlC(c.CancellationToken);
        try
        {
            var seen = 0L;
            // Both on standard error, also with --json: standard output holds only the changes.
            var options = new WatchOptions
            {
                OnWatching = () => c.Err.WriteLineAsync($"watching world {c.World}; Ctrl-C to stop"),
                OnGap = gap => c.Err.WriteLineAsync($"bulwark: {gap}"),
            };
            await foreach (var change in client.WatchAsync(options, stop.Token))
            {
                await c.Out.WriteLineAsync(c.Json ? Output.Line(Json(change)) : Text(change));
                await c.Out.FlushAsync(stop.Token);
                if (++seen >= count)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        return Cli.Ok;
    }

    private static string Text(PostureChange change) =>
        $"{Output.Time(change.Time)}  {change.Node}  {WireNames.Of(change.From)} -> {WireNames.Of(change.To)}"
        + (change.From == change.To ? change.Operational ? " (operational again)" : " (no longer operational)" : "")
        + $"  {change.Technique ?? "-"}  {change.Source ?? "-"}"
        + $"  segment {Output.Number(change.SegmentCapability)} domain {Output.Number(change.DomainCapability)} alliance {Output.Number(change.AllianceCapability)}";

    private static JsonObject Json(PostureChange change) => new()
    {
        ["world"] = change.World,
        ["node"] = change.Node,
        ["from"] = WireNames.Of(change.From),
        ["to"] = WireNames.Of(change.To),
        ["time"] = Output.Time(change.Time),
        ["technique"] = change.Technique,
        ["source"] = change.Source,
        ["segmentCapability"] = change.SegmentCapability,
        ["domainCapability"] = change.DomainCapability,
        ["allianceCapability"] = change.AllianceCapability,
        ["operational"] = change.Operational,
    };
}
