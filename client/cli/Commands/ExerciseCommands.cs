using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Bulwark.Client.Reports;
using Bulwark.Scenarios;

namespace Bulwark.Cli.Commands;

/// <summary>
/// <c>bulwark validate</c>, and the commands on runs that exist: <c>runs</c>, <c>run-status</c>,
/// <c>pause</c>, <c>resume</c>, <c>stop</c>, <c>inject</c>, <c>report</c>, <c>journal</c>.
/// </summary>
internal static class ExerciseCommands
{
    /// <summary>Journal lines per call when paging through a journal.</summary>
    private const int JournalPage = 10_000;

    public static async Task<int> ValidateAsync(CliContext c)
    {
        var files = c.Line.Positionals;
        if (files.Count == 0)
        {
            throw new UsageException("missing FILE");
        }
        var results = files.Select(f => (File: f, Result: ScenarioFile.Load(f))).ToList();
        var invalid = results.Where(r => !r.Result.Succeeded).ToList();
        var errors = RunFormat.Count(invalid.Sum(r => r.Result.Diagnostics.Length), "error");
        var summary = files.Count == 1 ? errors : $"{errors} in {invalid.Count} of {files.Count} files";
        if (c.Json)
        {
            var body = new JsonObject
            {
                ["files"] = new JsonArray([.. results.Select(r => (JsonNode)ValidationJson(r.File, r.Result))]),
            };
            if (invalid.Count > 0)
            {
                // The shape of every failing command's --json, besides each file's own verdict.
                body["error"] = summary;
                body["exitCode"] = Cli.BadInput;
                body["errors"] = ErrorsJson(invalid.SelectMany(r => r.Result.Diagnostics));
            }
            await c.Out.WriteLineAsync(Output.Json(body));
        }
        foreach (var (file, result) in results)
        {
            if (result.Succeeded && !c.Json)
            {
                var set = result.Value!;
                var s = set.Base;
                var variants = set.Variants.IsEmpty ? "none" : string.Join(", ", set.Variants.Keys);
                await c.Out.WriteLineAsync($"{file}: valid: '{s.Metadata.Name}', {RunFormat.Count(s.Topology.Domains.Length, "domain")}, {RunFormat.Count(s.Topology.AllNodes.Count(), "node")}, "
                    + $"{RunFormat.Count(s.Injects.Length, "inject")}, {RunFormat.Count(s.Objectives.Length, "objective")}, variants: {variants}");
            }
            else if (!result.Succeeded)
            {
                foreach (var diagnostic in result.Diagnostics)
                {
                    await c.Err.WriteLineAsync(diagnostic.ToString());
                }
                if (TopologyFile.LooksLikeTopology(result.Diagnostics))
                {
                    await c.Err.WriteLineAsync($"{file}: this looks like a topology file; check it with 'bulwark topology validate {file}'");
                }
            }
        }
        if (invalid.Count == 0)
        {
            return Cli.Ok;
        }
        await c.Err.WriteLineAsync($"bulwark: {summary}");
        return Cli.BadInput;
    }

    /// <summary>Located errors as JSON: file, line, column, message each.</summary>
    internal static JsonArray ErrorsJson(IEnumerable<Diagnostic> diagnostics) =>
        new([.. diagnostics.Select(d => (JsonNode)new JsonObject
        {
            ["file"] = d.File,
            ["line"] = d.Line,
            ["column"] = d.Column,
            ["message"] = d.Message,
        })]);

    private static JsonObject ValidationJson(string file, LoadResult<ScenarioSet> result)
    {
        if (!result.Succeeded)
        {
            return new JsonObject
            {
                ["file"] = file,
                ["valid"] = false,
                ["errors"] = ErrorsJson(result.Diagnostics),
            };
        }
        var set = result.Value!;
        var s = set.Base;
        return new JsonObject
        {
            ["file"] = file,
            ["valid"] = true,
            ["name"] = s.Metadata.Name,
            ["seed"] = s.Seed,
            ["duration"] = Duration.Format(s.Duration),
            ["domains"] = s.Topology.Domains.Length,
            ["segments"] = s.Topology.AllSegments.Count(),
            ["nodes"] = s.Topology.AllNodes.Count(),
            ["injects"] = s.Injects.Length,
            ["objectives"] = s.Objectives.Length,
            ["variants"] = new JsonArray([.. set.Variants.Keys.Select(v => (JsonNode)v)]),
        };
    }

    /// <summary>The run named by the single positional argument.</summary>
    internal static string RunId(CliContext c, string more = "")
    {
        c.Line.ExpectPositionals(1, "RUN" + more);
        return CheckedRunId(c.Line.Positionals[0]);
    }

    /// <summary>A run id as the cluster takes it, or a usage error that says what one is.</summary>
    internal static string CheckedRunId(string id) => EntityId.IsRunId(id)
        ? id
        : throw new UsageException($"bad run id '{Echo.Of(id)}': letters, digits and dashes, at most {EntityId.MaxRunIdLength} characters");

    /// <summary><c>runs [--state S[,S…]] [--last N]</c>: the runs, oldest first.</summary>
    public static async Task<int> ListAsync(CliContext c)
    {
        c.Line.ExpectPositionals(0, "");
        var query = RunsQuery(c.Line.Option("--state"), c.Line.Option("--last"));
        await using var connection = await c.ConnectAsync();
        var infos = await connection.Cluster.GetGrain<IRunRegistryGrain>("runs").QueryAsync(query);
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(new JsonObject { ["runs"] = new JsonArray([.. infos.Select(i => (JsonNode)RunFormat.InfoJson(i))]) }));
            return Cli.Ok;
        }
        if (infos.Length == 0)
        {
            await c.Out.WriteLineAsync(query.States.IsEmpty ? "no runs" : $"no runs {string.Join(" or ", query.States.Select(WireNames.Of))}");
            return Cli.Ok;
        }
        await Output.TableAsync(c.Out, RunFormat.InfoHeader, infos.Select(RunFormat.InfoRow));
        return Cli.Ok;
    }

    /// <summary>The query of <c>runs</c>: <c>--state</c> as a comma-separated list of states, <c>--last</c> a positive number.</summary>
    internal static RunQuery RunsQuery(string? states, string? last)
    {
        var wanted = ImmutableArray.CreateBuilder<RunState>();
        foreach (var name in states?.Split(',') ?? [])
        {
            if (!WireNames.TryParse<RunState>(name.Trim(), out var state))
            {
                throw new UsageException($"--state: '{Echo.Of(name.Trim())}' is not a run state ({string.Join(", ", WireNames.All<RunState>())})");
            }
            if (!wanted.Contains(state))
            {
                wanted.Add(state);
            }
        }
        var count = 0;
        if (last is not null && (!int.TryParse(last, NumberStyles.None, CultureInfo.InvariantCulture, out count) || count < 1))
        {
            throw new UsageException($"--last must be a positive whole number, not '{Echo.Of(last)}'");
        }
        return new RunQuery(wanted.ToImmutable(), count);
    }

    public static Task<int> StatusAsync(CliContext c) => ControlAsync(c, run => run.GetInfoAsync());

    public static Task<int> PauseAsync(CliContext c) => ControlAsync(c, run => run.PauseAsync());

    public static Task<int> ResumeAsync(CliContext c) => ControlAsync(c, run => run.ResumeAsync());

    /// <summary><c>stop RUN...</c>: stops each run in turn (as <c>run --compare</c> suggests after Ctrl-C, with both its runs).</summary>
    public static async Task<int> StopAsync(CliContext c)
    {
        if (c.Line.Positionals.Count == 0)
        {
            throw new UsageException("missing RUN");
        }
        var ids = c.Line.Positionals.Select(CheckedRunId).ToList();
        await using var connection = await c.ConnectAsync();
        // Every run must be known before any is stopped: a mistyped id must not leave the others half done.
        await Task.WhenAll(ids.Select(id => connection.Cluster.GetGrain<IRunGrain>(id).GetInfoAsync()));
        var infos = new List<RunInfo>();
        foreach (var id in ids)
        {
            var info = await connection.Cluster.GetGrain<IRunGrain>(id).StopAsync();
            infos.Add(info);
            if (!c.Json)
            {
                await c.Out.WriteLineAsync(RunFormat.InfoLine(info));
            }
        }
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(RunFormat.InfosJson(infos)));
        }
        return Cli.Ok;
    }

    private static async Task<int> ControlAsync(CliContext c, Func<IRunGrain, Task<RunInfo>> call)
    {
        var id = RunId(c);
        await using var connection = await c.ConnectAsync();
        var info = await call(connection.Cluster.GetGrain<IRunGrain>(id));
        await c.Out.WriteLineAsync(c.Json ? Output.Json(RunFormat.InfoJson(info)) : RunFormat.InfoLine(info));
        return Cli.Ok;
    }

    public static async Task<int> InjectAsync(CliContext c)
    {
        var id = RunId(c, " (inject RUN --kind KIND --target TARGET)");
        var kindText = c.Line.Option("--kind") ?? throw new UsageException("missing --kind KIND");
        if (!WireNames.TryParse<InjectKind>(kindText, out var kind))
        {
            throw new UsageException($"unknown inject kind '{kindText}'; expected one of: {string.Join(", ", WireNames.All<InjectKind>())}");
        }
        var target = c.Line.Option("--target") ?? throw new UsageException("missing --target TARGET");
        if (!(EntityId.IsValid(target, 1) || EntityId.IsValid(target, 2) || EntityId.IsValid(target, 3)))
        {
            throw new UsageException($"'{Echo.Of(target)}' is not a domain, segment or node id (DOM, DOM/segment or DOM/segment/node)");
        }
        if (InjectRules.TargetsDomain(kind) && !EntityId.IsValid(target, 1))
        {
            throw new UsageException($"{kindText} targets a domain, not '{Echo.Of(target)}'");
        }
        // +DURATION: from the run's current virtual time; DURATION: virtual time from the start, as in the MSEL.
        var at = TimeSpan.Zero;
        var atText = c.Line.Option("--at");
        var relative = atText is null || atText.StartsWith('+');
        var timeText = relative ? atText?[1..] : atText;
        if (timeText is not null && !ClockTime(timeText, out at) && !Duration.TryParse(timeText, out at, out var error))
        {
            throw new UsageException(atText!.StartsWith('-')
                ? $"--at: '{Echo.Of(atText)}' is in the past; give +DURATION (from the run's current time) or DURATION (virtual time from the start)"
                : timeText.Contains(':', StringComparison.Ordinal)
                    ? $"--at: '{Echo.Of(timeText)}' is not a virtual time; write HH:MM or 'Nd HH:MM', hours below 24 and minutes below 60 (06:30, '1d 06:30')"
                    : $"--at: {error}");
        }
        var parameters = Parameters(c.Line.Options("--param"));
        var problems = InjectRules.Problems(kind, parameters);
        if (problems.Count > 0)
        {
            throw new UsageException(string.Join("; ", problems));
        }

        await using var connection = await c.ConnectAsync();
        var run = connection.Cluster.GetGrain<IRunGrain>(id);
        var info = await run.GetInfoAsync();
        var tick = relative ? await run.InjectAsync(kind, target, parameters, at) : await run.InjectAtAsync(kind, target, parameters, at);
        var time = RunFormat.VirtualTime(RunFormat.At(tick, info.TickLength));
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(new JsonObject { ["runId"] = id, ["tick"] = tick, ["virtualTime"] = time }));
            return Cli.Ok;
        }
        await c.Out.WriteLineAsync($"injected {kindText} on {target} at tick {tick} (virtual time {time})");
        return Cli.Ok;
    }

    /// <summary>A virtual time as <c>run-status</c> shows it: <c>06:30</c> or <c>3d 04:20</c> (also <c>3d04:20</c>).</summary>
    private static bool ClockTime(string text, out TimeSpan time)
    {
        var match = System.Text.RegularExpressions.Regex.Match(text, @"^(?:(\d{1,5})d ?)?(\d{1,2}):(\d{2})$");
        int Part(int group) => match.Groups[group].Success ? int.Parse(match.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
        time = TimeSpan.Zero;
        // Days as durations allow them: at most a century.
        if (!match.Success || Part(2) > 23 || Part(3) > 59 || Part(1) > Duration.Max.Days)
        {
            return false;
        }
        time = new TimeSpan(Part(1), Part(2), Part(3), 0);
        return true;
    }

    /// <summary><c>k=v</c> pairs; a repeated <c>techniques</c> is joined with commas (empty entries dropped), any other repeat is an error.</summary>
    private static ImmutableSortedDictionary<string, string> Parameters(IReadOnlyList<string> pairs)
    {
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in pairs)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--param takes NAME=VALUE, not '{pair}'");
            }
            var (key, value) = (pair[..eq].Trim(), pair[(eq + 1)..].Trim());
            if (parameters.TryGetValue(key, out var existing))
            {
                parameters[key] = key == "techniques" ? existing + "," + value : throw new UsageException($"parameter '{key}' is given twice");
            }
            else
            {
                parameters[key] = value;
            }
        }
        // A list as the journal shows it: no empty entries from a stray comma.
        if (parameters.TryGetValue("techniques", out var techniques))
        {
            parameters["techniques"] = string.Join(",", InjectRules.List(techniques));
        }
        return parameters.ToImmutableSortedDictionary(StringComparer.Ordinal);
    }

    public static async Task<int> ReportAsync(CliContext c)
    {
        var id = RunId(c);
        var html = RunCommand.HtmlPath(c);
        await using var connection = await c.ConnectAsync();
        var run = connection.Cluster.GetGrain<IRunGrain>(id);
        var info = await run.GetInfoAsync();
        var report = await run.GetReportAsync();
        await RunCommand.WriteAsync(c, [new RunResult(id, info, report)], html);
        return Cli.Ok;
    }

    public static async Task<int> JournalAsync(CliContext c)
    {
        var id = RunId(c);
        await using var connection = await c.ConnectAsync();
        var run = connection.Cluster.GetGrain<IRunGrain>(id);
        if (c.Line.Flag("--hash"))
        {
            // The journal as stored, checked against what the run recorded of it.
            var digest = await run.GetJournalDigestAsync();
            await c.Out.WriteLineAsync(c.Json
                ? Output.Json(new JsonObject { ["runId"] = id, ["journalHash"] = digest.Hash, ["journalLines"] = digest.Lines })
                : digest.Hash);
            return Cli.Ok;
        }
        long from = 0;
        while (true)
        {
            c.CancellationToken.ThrowIfCancellationRequested();
            var page = await run.GetJournalAsync(from, JournalPage);
            // One write per page: a console writer flushes on every call.
            var text = new StringBuilder();
            foreach (var line in page)
            {
                text.Append(c.Json
                    ? Output.Line(new JsonObject { ["tick"] = line.Tick, ["entity"] = line.Entity, ["kind"] = line.Kind, ["detail"] = line.Detail })
                    : line.ToString()).Append('\n');
            }
            await c.Out.WriteAsync(text.ToString());
            if (page.Length < JournalPage)
            {
                return Cli.Ok;
            }
            from += page.Length;
        }
    }
}
