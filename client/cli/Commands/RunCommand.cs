using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Client;
using Bulwark.Client.Reports;
using Bulwark.Scenarios;

namespace Bulwark.Cli.Commands;

/// <summary>
/// <c>bulwark run FILE [--seed N] [--variant V] [--compare V] [--pace X] [--replay RUN] [--html F] [--detach]</c>:
/// starts an exercise (or two, to compare a variant), follows it to the end and prints its report.
/// With <c>--replay RUN</c> the new run gets RUN's hand injects at their ticks, so that with the
/// same file, variant and seed its journal is RUN's.
/// </summary>
internal static class RunCommand
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(200);

    /// <summary>The slowest pace: a virtual minute in about 17 real hours. Below it a run would seem to stand still.</summary>
    private const double MinPace = 0.001;
    private static readonly TimeSpan PrintEvery = TimeSpan.FromSeconds(10);
    private const int BarWidth = 20;

    public static async Task<int> RunAsync(CliContext c)
    {
        c.Line.ExpectPositionals(1, "FILE");
        var file = c.Line.Positionals[0];
        ulong? seed = null;
        if (c.Line.Option("--seed") is { } seedText)
        {
            seed = ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? n : throw new UsageException($"--seed must be a whole number from 0, not '{seedText}'");
        }
        var pace = Pace(c.Line.Option("--pace"));
        var html = HtmlPath(c);
        if (html is not null && c.Line.Flag("--detach"))
        {
            throw new UsageException("--html needs a followed run; with --detach, write it later with 'bulwark report RUN --html F'");
        }
        var seeds = SeedCount(c);
        var variant = c.Line.Option("--variant");
        var compare = c.Line.Option("--compare");
        if (compare is not null && compare == variant)
        {
            throw new UsageException($"--compare needs another variant than --variant '{variant}'");
        }

        var loaded = ScenarioFile.Load(file);
        if (!loaded.Succeeded)
        {
            throw new ScenarioFileException(loaded.Diagnostics, "nothing was started");
        }
        var set = loaded.Value!;
        var first = Variant(set, variant);
        first = first with { Seed = seed ?? first.Seed };
        List<ScenarioDefinition> scenarios = [first];
        if (compare is not null)
        {
            // The same seed for both, so the variant is the only difference.
            scenarios.Add(Variant(set, compare) with { Seed = first.Seed });
        }

        if (seeds is { } count)
        {
            if (first.Seed > ulong.MaxValue - (ulong)(count - 1))
            {
                throw new UsageException($"--seeds {count} from seed {first.Seed} goes past the largest seed, {ulong.MaxValue}");
            }
            return await SweepAsync(c, scenarios, count, html);
        }

        var replay = c.Line.Option("--replay") is { } replayText ? ExerciseCommands.CheckedRunId(replayText) : null;

        await using var connection = await c.ConnectAsync();
        var (handInjects, replayed, replayedSeed) = replay is null ? ([], null, 0UL) : await ReplayedAsync(connection, replay, first);
        if (replayed is not null && seed is null)
        {
            // The replayed run's seed, unless another is asked for.
            scenarios = [.. scenarios.Select(s => s with { Seed = replayedSeed })];
        }
        // From before the start: Ctrl-C while the runs start (a large topology takes seconds) lets them start and
        // says what they are, instead of ending the command with runs nobody was told of.
        var ids = scenarios.Select(_ => NewRunId()).ToList();
        var grains = ids.Select(id => connection.Cluster.GetGrain<IRunGrain>(id)).ToList();
        var stop = new CtrlC(c.CancellationToken);
        RunInfo[]? infos;
        try
        {
            var started = await Task.WhenAll(grains.Zip(scenarios).Select(p => p.First.StartAsync(p.Second, new RunOptions(pace, handInjects))));
            if (replayed is not null)
            {
                await c.Err.WriteLineAsync($"replaying {replayed.RunId}: {handInjects.Length} hand inject{(handInjects.Length == 1 ? "" : "s")}");
            }
            foreach (var info in started)
            {
                await c.Err.WriteLineAsync($"started {info.RunId}: '{info.Scenario}'{(info.Variant is null ? "" : $" (variant {info.Variant})")}, "
                    + $"seed {scenarios[0].Seed}, {RunFormat.Count(info.Ticks)} ticks of {Duration.Format(info.TickLength)}, {RunFormat.Pace(info.Pace)}");
            }
            if (c.Line.Flag("--detach"))
            {
                if (c.Json)
                {
                    await c.Out.WriteLineAsync(Output.Json(RunFormat.InfosJson(started)));
                }
                else
                {
                    foreach (var id in ids)
                    {
                        await c.Out.WriteLineAsync(id);
                    }
                }
                return Cli.Ok;
            }

            infos = await FollowAsync(c, grains, stop);
        }
        finally
        {
            stop.Dispose();
        }
        // From here (reports, the page), Ctrl-C ends the command as for any other.
        if (infos is null)
        {
            if (c.Json)
            {
                // As with --detach: the runs, which go on.
                var now = await Task.WhenAll(grains.Select(g => g.GetInfoAsync()));
                await c.Out.WriteLineAsync(Output.Json(RunFormat.InfosJson(now)));
            }
            await c.Err.WriteLineAsync(ids.Count == 1
                ? $"stopped following; the run goes on (see 'bulwark runs', end it with 'bulwark stop {ids[0]}')"
                : $"stopped following; the runs go on (see 'bulwark runs', end them with 'bulwark stop {string.Join(" ", ids)}')");
            c.CancellationToken.ThrowIfCancellationRequested();
            return Cli.Ok;
        }
        if (infos.FirstOrDefault(i => i.State == RunState.Failed) is { } failed)
        {
            throw new CommandFailedException($"run {failed.RunId} failed: {failed.Message}");
        }
        var reports = await Task.WhenAll(grains.Select(g => g.GetReportAsync()));
        // A replay says whether it gave the replayed run's journal; with --json, in the document as "replay".
        string? verdict = null;
        System.Text.Json.Nodes.JsonObject? replayJson = null;
        if (replayed is not null)
        {
            replayJson = new() { ["of"] = replayed.RunId, ["handInjects"] = handInjects.Length, ["compared"] = false };
            // With another seed asked for, the journals are meant to differ.
            if (replayed.State == RunState.Completed && infos[0].State == RunState.Completed && (seed is null || seed == replayedSeed))
            {
                var original = await connection.Cluster.GetGrain<IRunGrain>(replayed.RunId).GetReportAsync();
                // The journal holds what happened, not what it weighed: a file with other criticalities gives the same journal
                // and other figures.
                static IEnumerable<(string, double, double, double)> Figures(RunReport r) =>
                    r.Domains.Prepend(r.Alliance).Select(m => (m.Scope, m.ResilienceLossHours, m.MinCapability, m.FinalCapability));
                var sameJournal = original.JournalHash == reports[0].JournalHash;
                var sameFigures = sameJournal && Figures(original).SequenceEqual(Figures(reports[0]));
                (replayJson["compared"], replayJson["journalHash"], replayJson["sameJournal"], replayJson["sameFigures"]) =
                    (true, original.JournalHash, sameJournal, sameFigures);
                verdict = !sameJournal
                    ? $"the journal differs from {replayed.RunId}'s ({original.JournalHash}): was it run with another file or seed?"
                    : sameFigures
                        ? $"the journal is {replayed.RunId}'s: {original.JournalHash}"
                        : $"the journal is {replayed.RunId}'s ({original.JournalHash}), but not its figures: was it run with another file?";
            }
        }
        await WriteAsync(c, [.. infos.Zip(reports).Select(p => new RunResult(p.First.RunId, p.First, p.Second))], html, replayJson);
        if (verdict is not null)
        {
            await c.Err.WriteLineAsync(verdict);
        }
        return Cli.Ok;
    }

    /// <summary>The most seeds one <c>--seeds</c> runs: at a fraction of a second for a library exercise, a few minutes.</summary>
    internal const int MaxSeeds = 1_000;

    /// <summary>How many runs at once a sweep keeps going: two seeds, each with its variant.</summary>
    private const int SweepParallelism = 2;

    /// <summary><c>--seeds N</c>, checked with the options it does not go with; null without it.</summary>
    private static int? SeedCount(CliContext c)
    {
        if (c.Line.Option("--seeds") is not { } text)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) || count < 2 || count > MaxSeeds)
        {
            throw new UsageException($"--seeds must be a whole number of seeds from 2 to {RunFormat.Count(MaxSeeds)}, not '{Echo.Of(text)}'");
        }
        foreach (var option in new[] { "--pace", "--replay" })
        {
            if (c.Line.Option(option) is not null)
            {
                throw new UsageException($"--seeds runs each seed at full speed and prints one summary; it does not take {option} (run one seed for that)");
            }
        }
        if (c.Line.Flag("--detach"))
        {
            throw new UsageException("--seeds runs each seed at full speed and prints one summary; it does not take --detach (run one seed for that)");
        }
        return count;
    }

    /// <summary>
    /// Runs <paramref name="scenarios"/> (the scenario, and the variant to compare) once per seed from the first's
    /// seed on, a few runs at a time, each to its end, and prints what the seeds give together. Every run is an
    /// ordinary run of the cluster, listed by <c>runs</c> and reported by <c>report</c>.
    /// </summary>
    private static async Task<int> SweepAsync(CliContext c, List<ScenarioDefinition> scenarios, int count, string? html)
    {
        await using var connection = await c.ConnectAsync();
        var results = new (RunResult A, RunResult? B)[count];
        var running = new System.Collections.Concurrent.ConcurrentDictionary<string, IRunGrain>(StringComparer.Ordinal);
        using var stop = new CtrlC(c.CancellationToken);
        var next = -1;
        var done = 0;
        var began = Stopwatch.GetTimestamp();
        string? failure = null;
        Exception? lost = null;
        using var progress = new SemaphoreSlim(1);
        async Task<RunResult> RunOneAsync(ScenarioDefinition scenario)
        {
            var id = NewRunId();
            var what = $"run {id} (seed {scenario.Seed}{(scenario.Variant is null ? "" : $", variant {scenario.Variant}")})";
            try
            {
                var grain = connection.Cluster.GetGrain<IRunGrain>(id);
                running[id] = grain;
                await grain.StartAsync(scenario, new RunOptions(0, []));
                var info = await grain.GetInfoAsync().WaitAsync(FollowTimeout, stop.Token);
                var paused = false;
                while (!RunFormat.IsOver(info.State))
                {
                    if (info.State == RunState.Paused && !paused)
                    {
                        await c.Err.WriteLineAsync($"{what} is paused; the sweep waits for it");
                    }
                    paused = info.State == RunState.Paused;
                    await Task.Delay(PollEvery / 4, stop.Token);
                    info = await grain.GetInfoAsync().WaitAsync(FollowTimeout, stop.Token);
                }
                running.TryRemove(id, out _);
                if (info.State != RunState.Completed)
                {
                    throw new CommandFailedException(what + (info.State == RunState.Failed ? $" failed: {info.Message}" : $" was {WireNames.Of(info.State)} before its end"));
                }
                // Injected by hand meanwhile (from another shell): its numbers are no longer the file's under its seed.
                var injects = await grain.GetHandInjectsAsync();
                if (!injects.IsEmpty)
                {
                    throw new CommandFailedException($"{what} was given {RunFormat.Count(injects.Length, "hand inject")} while the sweep ran; its numbers are not the scenario's");
                }
                return new RunResult(id, info, await grain.GetReportAsync());
            }
            catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
            {
                // Whatever goes wrong ends the sweep: the runs still going are stopped below (or went with their silo).
                if (e is OrleansException or TimeoutException)
                {
                    lost ??= e;
                }
                failure ??= e is CommandFailedException ? e.Message : $"{what}: {e.Message}";
                await stop.CancelAsync();
                throw new OperationCanceledException(stop.Token);
            }
        }
        async Task WorkerAsync()
        {
            int i;
            while (!stop.IsCancellationRequested && (i = Interlocked.Increment(ref next)) < count)
            {
                var seed = scenarios[0].Seed + (ulong)i;
                var pair = scenarios.Select(s => RunOneAsync(s with { Seed = seed })).ToList();
                try
                {
                    await Task.WhenAll(pair);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                var runs = pair.Select(t => t.Result).ToList();
                results[i] = (runs[0], runs.Count > 1 ? runs[1] : null);
                await progress.WaitAsync(CancellationToken.None);
                try
                {
                    done++;
                    await c.Err.WriteLineAsync($"seed {seed}: {RunFormat.Count(done)} of {RunFormat.Count(count)} done"
                        + string.Concat(runs.Select(r => $", {r.Label} loss {ReportText.Hours(r.Report.Alliance.ResilienceLossHours)} h")));
                }
                finally
                {
                    progress.Release();
                }
            }
        }
        await c.Err.WriteLineAsync($"running '{scenarios[0].Metadata.Name}'"
            + (scenarios.Count > 1 ? $" and its variant {scenarios[1].Variant}" : scenarios[0].Variant is null ? "" : $" (variant {scenarios[0].Variant})")
            + $" with {RunFormat.Count(count, "seed")}, {scenarios[0].Seed} to {scenarios[0].Seed + (ulong)(count - 1)}");
        await Task.WhenAll(Enumerable.Range(0, SweepParallelism).Select(_ => WorkerAsync()));
        if (lost is not null)
        {
            throw new ClusterLostException($"lost the cluster after {done} of {count} seeds ({LostReason(lost)}); the sweep ended. Its runs that were going"
                + " stopped with their silo; once a silo is back, 'bulwark runs' says where they stand", lost);
        }
        if (stop.IsCancellationRequested)
        {
            // Whatever is still going is stopped: a sweep's runs mean something only together.
            await Task.WhenAll(running.Values.Select(g => g.StopAsync()));
            if (failure is not null)
            {
                throw new CommandFailedException($"{failure}; the sweep ended, and its runs still going were stopped");
            }
            if (c.Json)
            {
                // Whoever reads the document learns that the sweep did not end, and which runs it left.
                var completed = results.Where(r => r.A is not null).SelectMany(r => r.B is null ? [r.A] : new[] { r.A, r.B });
                await c.Out.WriteLineAsync(Output.Json(SeedSweep.Stopped(scenarios[0].Metadata.Name, scenarios[0].Seed, count, completed)));
            }
            await c.Err.WriteLineAsync($"stopped after {done} of {count} seeds; the sweep's runs still going were stopped");
            c.CancellationToken.ThrowIfCancellationRequested();
            return Cli.Ok;
        }
        var elapsed = Stopwatch.GetElapsedTime(began).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        await c.Err.WriteLineAsync($"{RunFormat.Count(count * scenarios.Count, "run")} completed in {elapsed} s");
        var sweep = new SeedSweep(results);
        // As for one run: with --json the page first, so that a failure to write it gives the one error document.
        const string Again = "the sweep's runs are kept (see 'bulwark runs')";
        if (c.Json)
        {
            await WritePageAsync(c, html, () => HtmlReport.Sweep(sweep), Again);
            await c.Out.WriteLineAsync(Output.Json(SeedSweep.Json(sweep)));
            return Cli.Ok;
        }
        await SeedSweep.WriteAsync(c.Out, sweep);
        if (await WritePageAsync(c, html, () => HtmlReport.Sweep(sweep), Again))
        {
            await c.Out.WriteLineAsync($"wrote {html}");
        }
        return Cli.Ok;
    }

    /// <summary>
    /// The hand injects of the run to replay and its seed, after checking that it ran the same
    /// scenario and variant.
    /// </summary>
    private static async Task<(System.Collections.Immutable.ImmutableArray<HandInject>, RunInfo, ulong)> ReplayedAsync(
        Bulwark.Client.BulwarkConnection connection, string id, ScenarioDefinition scenario)
    {
        var run = connection.Cluster.GetGrain<IRunGrain>(id);
        var info = await run.GetInfoAsync();
        if (info.IsPlaceUnknown)
        {
            throw new UsageException($"--replay: {id} cannot be replayed: {info.Message}");
        }
        if (info.Scenario != scenario.Metadata.Name || info.Variant != scenario.Variant)
        {
            throw new UsageException($"--replay: {id} ran '{info.Scenario}'{(info.Variant is null ? "" : $" (variant {info.Variant})")}, "
                + $"not '{scenario.Metadata.Name}'{(scenario.Variant is null ? "" : $" (variant {scenario.Variant})")}");
        }
        return (await run.GetHandInjectsAsync(), info, (await run.GetReportAsync()).Seed);
    }

    /// <summary>
    /// Prints one report, or two compared, and writes the HTML page when asked. With <c>--json</c> the
    /// page is written first, so that a failure to write it gives the one error document and not a
    /// report followed by an error.
    /// </summary>
    internal static async Task WriteAsync(CliContext c, IReadOnlyList<RunResult> runs, string? html, System.Text.Json.Nodes.JsonObject? replay = null)
    {
        var (page, again) = PageOf(runs);
        if (c.Json)
        {
            await WritePageAsync(c, html, page, again);
            var document = runs.Count == 1 ? ReportJson.Of(runs[0]) : ReportJson.Comparison(runs[0], runs[1]);
            if (replay is not null)
            {
                document["replay"] = replay;
            }
            await c.Out.WriteLineAsync(Output.Json(document));
            return;
        }
        if (runs.Count == 1)
        {
            await ReportText.WriteAsync(c.Out, runs[0]);
        }
        else
        {
            await ReportText.WriteComparisonAsync(c.Out, runs[0], runs[1]);
        }
        if (await WritePageAsync(c, html, page, again))
        {
            await c.Out.WriteLineAsync($"wrote {html}");
        }
    }

    /// <summary>
    /// Writes the HTML page when <paramref name="html"/> is given. Its path was checked before the
    /// run; a write that fails all the same (a full disk) says what is left (<paramref name="again"/>).
    /// </summary>
    private static async Task<bool> WritePageAsync(CliContext c, string? html, Func<string> page, string again)
    {
        if (html is null)
        {
            return false;
        }
        try
        {
            await File.WriteAllTextAsync(html, page(), c.CancellationToken);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"--html: writing '{html}' failed: {e.Message}; {again}", e);
        }
        return true;
    }

    /// <summary>The page of one run, or of two compared, and how to write it again.</summary>
    private static (Func<string> Page, string Again) PageOf(IReadOnlyList<RunResult> runs) => (
        () => runs.Count == 1 ? HtmlReport.Of(runs[0]) : HtmlReport.Comparison(runs[0], runs[1]),
        runs.Count == 1
            ? $"'bulwark report {runs[0].RunId} --html FILE' writes it again"
            : $"runs {runs[0].RunId} and {runs[1].RunId} are kept; 'bulwark report RUN --html FILE' writes the page of each");

    /// <summary>The <c>--html</c> path, refused before anything runs when its directory does not exist.</summary>
    internal static string? HtmlPath(CliContext c)
    {
        if (c.Line.Option("--html") is not { } path)
        {
            return null;
        }
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (path.Length == 0 || Directory.Exists(path) || (directory is not null && !Directory.Exists(directory)))
        {
            throw new UsageException($"--html: cannot write '{path}': {(Directory.Exists(path) ? "it is a directory" : "no such directory")}");
        }
        if (WriteProblem(path) is { } problem)
        {
            throw new UsageException($"--html: cannot write '{path}': {problem}");
        }
        return path;
    }

    /// <summary>Why <paramref name="path"/> cannot be written, found by opening it (an existing file is left as it is, a new one is not left behind), or null.</summary>
    private static string? WriteProblem(string path)
    {
        try
        {
            if (File.Exists(path))
            {
                using (new FileStream(path, FileMode.Open, FileAccess.Write))
                {
                }
            }
            else
            {
                using (new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                {
                }
            }
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return e is UnauthorizedAccessException ? "permission denied" : e.Message;
        }
    }

    private static ScenarioDefinition Variant(ScenarioSet set, string? variant)
    {
        try
        {
            return set.Get(variant);
        }
        catch (ArgumentException e)
        {
            var suffix = $" (Parameter '{e.ParamName}')";
            throw new UsageException(e.Message.EndsWith(suffix, StringComparison.Ordinal) ? e.Message[..^suffix.Length] : e.Message);
        }
    }

    /// <summary><c>60x</c> or <c>60</c>: virtual seconds per real second; 0 (the default) is full speed.</summary>
    private static double Pace(string? text)
    {
        if (text is null)
        {
            return 0;
        }
        var number = text.EndsWith('x') ? text[..^1] : text;
        return double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var pace) && double.IsFinite(pace)
            && (pace == 0 || pace >= MinPace)
            ? pace
            : throw new UsageException($"--pace must be virtual seconds per real second, like 60x or 0.5, at least {MinPace}x (0 = full speed), not '{Echo.Of(text)}'");
    }

    private static string NewRunId() => "run-" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>How long a followed run's progress may take to come before the cluster is taken as lost.</summary>
    private static readonly TimeSpan FollowTimeout = TimeSpan.FromSeconds(10);

    /// <summary>Why a followed cluster counts as lost: its silence, or Orleans's word for it.</summary>
    private static string LostReason(Exception e) =>
        e is TimeoutException ? $"no answer for {FollowTimeout.TotalSeconds:0} s" : BulwarkConnection.GaveUp(e.Message);

    /// <summary>
    /// Polls the runs until every one is over, showing progress on stderr: a bar redrawn in place
    /// on a terminal, else (a log file) a line every 10 s. Null when Ctrl-C stopped the following.
    /// </summary>
    private static async Task<RunInfo[]?> FollowAsync(CliContext c, List<IRunGrain> grains, CtrlC stop)
    {
        var terminal = ReferenceEquals(c.Err, Console.Error) && !Console.IsErrorRedirected;
        var began = Stopwatch.GetTimestamp();
        var lastPrint = began;
        var drawn = 0;
        var rates = new Rate[grains.Count];
        try
        {
            while (true)
            {
                RunInfo[] infos;
                try
                {
                    // Progress answers at once, however busy the run: a silo that does not answer for long has gone.
                    infos = await Task.WhenAll(grains.Select(g => g.GetInfoAsync())).WaitAsync(FollowTimeout, stop.Token);
                }
                catch (Exception e) when (e is OrleansException or TimeoutException)
                {
                    if (drawn > 0)
                    {
                        await c.Err.WriteLineAsync();
                    }
                    var ids = grains.Select(g => g.GetPrimaryKeyString()).ToList();
                    var reason = LostReason(e);
                    var see = ids.Count == 1 ? $"'bulwark run-status {ids[0]}' says where it stands" : "'bulwark runs' says where they stand";
                    throw new ClusterLostException($"lost the cluster while following {string.Join(" and ", ids)} ({reason}). A run whose silo"
                        + $" stops ends there, stopped, with its journal; once a silo is back, {see}", e);
                }
                var now = Stopwatch.GetTimestamp();
                for (var i = 0; i < infos.Length; i++)
                {
                    rates[i] = rates[i].Next(infos[i].Events, now);
                }
                if (infos.All(i => RunFormat.IsOver(i.State)))
                {
                    if (drawn > 0)
                    {
                        await c.Err.WriteAsync("\r" + new string(' ', drawn) + "\r");
                    }
                    var elapsed = Stopwatch.GetElapsedTime(began).TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
                    foreach (var info in infos)
                    {
                        await c.Err.WriteLineAsync($"{info.RunId} {WireNames.Of(info.State)} at {RunFormat.Position(info)}, {RunFormat.Count(info.Events, "event")}, after {elapsed} s");
                    }
                    return infos;
                }
                var line = string.Join("   ", infos.Select((info, i) => Progress(info, rates[i].PerSecond, bar: terminal)));
                if (terminal)
                {
                    await c.Err.WriteAsync("\r" + line.PadRight(drawn));
                    drawn = line.Length;
                }
                else if (Stopwatch.GetElapsedTime(lastPrint, now) >= PrintEvery)
                {
                    await c.Err.WriteLineAsync(line);
                    lastPrint = now;
                }
                await c.Err.FlushAsync(stop.Token);
                await Task.Delay(PollEvery, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            if (drawn > 0)
            {
                await c.Err.WriteLineAsync();
            }
            return null;
        }
    }

    /// <summary><c>run-1a2b3c4d [#######.............] 1d 04:20 / 3d  38%  12,345 events/s</c>.</summary>
    private static string Progress(RunInfo info, double eventsPerSecond, bool bar)
    {
        var fraction = RunFormat.Progress(info);
        var filled = (int)Math.Round(fraction * BarWidth);
        var drawn = bar ? " [" + new string('#', filled) + new string('.', BarWidth - filled) + "]" : "";
        var paused = info.State == RunState.Paused ? "  paused" : "";
        return $"{info.RunId}{drawn} {RunFormat.Position(info)}  {RunFormat.Percent(fraction)}  {RunFormat.Count((long)eventsPerSecond)} events/s{paused}";
    }

    /// <summary>Events per second over the last second or so.</summary>
    private readonly record struct Rate(long Events, long At, double PerSecond, bool Started)
    {
        public Rate Next(long events, long now)
        {
            if (!Started)
            {
                return new Rate(events, now, 0, true);
            }
            var seconds = Stopwatch.GetElapsedTime(At, now).TotalSeconds;
            return seconds < 1 ? this : new Rate(events, now, (events - Events) / seconds, true);
        }
    }
}
