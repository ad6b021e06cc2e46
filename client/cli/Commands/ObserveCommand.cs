using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Client;
using Bulwark.Scenarios;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark observe NODE --status S …</c> and <c>bulwark observe --file F.jsonl</c>.</summary>
internal static class ObserveCommand
{
    /// <summary>The exit code of a command Ctrl-C ends, as a shell reports it.</summary>
    private const int Interrupted = 130;

    /// <summary>What a batch with problems comes to: all or nothing, so none of its observations.</summary>
    private const string NothingReported = "nothing was reported";

    public static async Task<int> RunAsync(CliContext c)
    {
        var file = c.Line.Option("--file");
        return file is null ? await SingleAsync(c) : await BatchAsync(c, file);
    }

    private static async Task<int> SingleAsync(CliContext c)
    {
        c.Line.ExpectPositionals(1, "NODE (or --file FILE.jsonl)");
        var node = c.Line.Positionals[0];
        if (!EntityId.IsNode(node))
        {
            throw new UsageException($"'{Echo.Of(node)}' is not a node id (DOM/segment/node)");
        }
        var statusText = c.Line.Option("--status") ?? throw new UsageException("missing --status STATUS");
        if (!ObservationFile.TryParseStatus(statusText, out var status))
        {
            throw new UsageException($"unknown status '{Echo.Of(statusText)}'; expected one of: {ObservationFile.StatusNames}");
        }
        var technique = c.Line.Option("--technique");
        if (technique is not null && !ObservationRules.IsTechnique(technique))
        {
            throw new UsageException($"'{Echo.Of(technique)}' is not an ATT&CK technique id (T1234 or T1234.001)");
        }
        var time = DateTimeOffset.UtcNow;
        if (c.Line.Option("--time") is { } timeText
            && !DateTimeOffset.TryParse(timeText, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time))
        {
            throw new UsageException($"'{Echo.Of(timeText)}' is not a time (ISO 8601, e.g. 2026-11-26T10:00:00Z)");
        }

        var source = Source(c);
        await using var connection = await c.ConnectAsync();
        var result = await connection.For(c.World).ReportAsync(new Observation(node, status, time, technique, source));
        await WriteAsync(c, result);
        return Cli.Ok;
    }

    /// <summary>The source of an observation that names none: <c>--source</c>, or <c>cli</c>.</summary>
    private static string Source(CliContext c) =>
        c.Line.Option("--source") is { } source
            ? ObservationRules.SourceProblem(source) is { } problem ? throw new UsageException("--source: " + problem) : source
            : "cli";

    private static async Task<int> BatchAsync(CliContext c, string file)
    {
        if (c.Line.Positionals.Count > 0)
        {
            throw new UsageException($"observe takes NODE --status STATUS, or --file FILE.jsonl, not both ('{Echo.Of(c.Line.Positionals[0])}' and --file)");
        }
        foreach (var option in new[] { "--status", "--technique", "--time" })
        {
            if (c.Line.Option(option) is not null)
            {
                throw new UsageException($"{option} goes with a single NODE, not with --file");
            }
        }
        if (!SourceFile.TryRead(file, out var text, out var problem))
        {
            throw new ScenarioFileException([problem!], NothingReported);
        }
        var parsed = ObservationFile.Parse(text, file, DateTimeOffset.UtcNow, Source(c));
        if (parsed.Diagnostics.Count > 0)
        {
            // Every problem at once: the unknown nodes of the lines that did parse too, if the cluster answers soon.
            var problems = new List<Diagnostic>(parsed.Diagnostics);
            var consequence = NothingReported;
            if (parsed.FirstSeen.Count > 0)
            {
                try
                {
                    await using var quick = await c.ConnectAsync(TimeSpan.FromSeconds(2));
                    problems.AddRange(await UnknownAsync(c, quick.For(c.World), file, parsed));
                    var (early, allowed) = await AheadAsync(c, quick.For(c.World), file, parsed);
                    problems.AddRange(early);
                    if (early.Count > 0)
                    {
                        consequence = $"{NothingReported}; {ObservationRules.AheadRule(allowed)}";
                    }
                }
                catch (Exception e) when (e is ConnectionException or NoTopologyException)
                {
                    // The file's own problems are reported without them: no cluster answered, or its world has no
                    // topology yet (which the report would say once the file is right).
                }
            }
            throw new ScenarioFileException([.. problems.OrderBy(d => d.Line).ThenBy(d => d.Column)], consequence);
        }

        await using var connection = await c.ConnectAsync();
        var client = connection.For(c.World);
        var unknown = await UnknownAsync(c, client, file, parsed);
        if (unknown.Count > 0)
        {
            throw new ScenarioFileException([.. unknown], NothingReported);
        }
        // Times too far ahead of the silo's clock, located in the file, before anything is sent.
        var (ahead, tolerance) = await AheadAsync(c, client, file, parsed);
        if (ahead.Count > 0)
        {
            throw new ScenarioFileException([.. ahead], $"{NothingReported}; {ObservationRules.AheadRule(tolerance)}");
        }
        // Each chunk is applied whole, the batch is not: an interruption or a failure says how much went in.
        // Ctrl-C stops the sending here (exit 130), SIGTERM through the command's token (143).
        var applied = new Applied();
        using var stop = new CtrlC(c.CancellationToken);
        IngestResult result;
        try
        {
            result = await client.ReportAsync(parsed.Observations, applied, stop.Token);
        }
        catch (Exception e) when (e is not UsageException)
        {
            var inFlight = Math.Min(client.ChunkSize, parsed.Observations.Count - applied.Count);
            await c.Err.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"bulwark: {(stop.IsCancellationRequested ? "interrupted" : "stopped by an error")}: {applied.Count:N0} of {parsed.Observations.Count:N0} observations were applied, in chunks of at most {client.ChunkSize:N0}; the {inFlight:N0} being sent may have been too, the rest were not"));
            if (stop.Pressed)
            {
                return Interrupted;
            }
            throw;
        }
        await WriteAsync(c, result);
        return Cli.Ok;
    }

    /// <summary>The lines dated too far ahead of the silo's clock, located at their times, and how far ahead is allowed.</summary>
    private static async Task<(List<Diagnostic> Problems, TimeSpan Tolerance)> AheadAsync(CliContext c, BulwarkClient client, string file, ObservationFile.Result parsed)
    {
        var (now, tolerance) = await client.GetSiloClockAsync(c.CancellationToken);
        return ([.. parsed.Observations
            .Select((o, i) => ObservationRules.AheadProblem(o.Time, now, tolerance) is { } problem
                ? new Diagnostic(file, parsed.TimeAt[i].Line, parsed.TimeAt[i].Column, problem) : null)
            .OfType<Diagnostic>()], tolerance);
    }

    /// <summary>The nodes of the file the world does not have, each where the file first names it, in line order.</summary>
    private static async Task<List<Diagnostic>> UnknownAsync(CliContext c, BulwarkClient client, string file, ObservationFile.Result parsed) =>
        [.. (await client.FindUnknownAsync(parsed.FirstSeen.Keys))
            .Select(n => new Diagnostic(file, parsed.FirstSeen[n].Line, parsed.FirstSeen[n].Column, $"unknown node '{n}' in world '{c.World}'"))
            .OrderBy(d => d.Line)];

    private static async Task WriteAsync(CliContext c, IngestResult result)
    {
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(new JsonObject
            {
                ["accepted"] = result.Accepted,
                ["applied"] = result.Applied,
                ["stale"] = result.Stale,
                ["changed"] = result.Changed,
            }));
            return;
        }
        var stale = result.Stale > 0 ? string.Create(CultureInfo.InvariantCulture, $", {result.Stale:N0}") + " older than their node's newest (kept in history only)" : "";
        await c.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"accepted {result.Accepted:N0} observation{(result.Accepted == 1 ? "" : "s")}: {result.Applied:N0} applied{stale}; {result.Changed:N0} node{(result.Changed == 1 ? "" : "s")} changed status"));
    }

    /// <summary>How many observations of a batch have been applied so far, told by the client after each chunk.</summary>
    private sealed class Applied : IProgress<int>
    {
        public int Count { get; private set; }

        public void Report(int value) => Count = value;
    }
}
