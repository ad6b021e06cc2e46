using System.Globalization;
using System.Net;
using System.Runtime;
using System.Runtime.InteropServices;
using Bulwark.Client;
using Bulwark.Scenarios;

namespace Bulwark.Bench;

/// <summary>One benchmark run: start the silo, connect, run every phase <c>--repeat</c> times, summarise.</summary>
internal sealed class BenchRun(BenchOptions options, string repo)
{
    public const string Raw = "raw";
    public const string ReadIdle = "read-idle";
    public const string Single = "single";

    private const int PingGrains = 64;
    private const double BatchTarget = 4.0;
    private const double ReadP99TargetMs = 5.0;
    private static readonly int[] BatchSizes = [1_000, 5_000];
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(1);

    private const int PacedSize = 5_000;

    private static string BatchPhase(int size) => "batch-" + size.ToString(CultureInfo.InvariantCulture);

    /// <summary>Batches of <see cref="PacedSize"/> sent at <c>--pace</c> (default <see cref="BatchTarget"/>) times the raw rate of the same repeat, with reads.</summary>
    public static readonly string PacedPhase = "paced-" + PacedSize.ToString(CultureInfo.InvariantCulture);

    public async Task<BenchReport> RunAsync(CancellationToken cancellationToken)
    {
        var topologyPath = Path.Combine(repo, "scenarios", "library", "alliance.topology.yaml");
        var siloDll = Path.Combine(repo, "silo", "bin", "Release", "net10.0", "bulwark-silo.dll");
        if (!File.Exists(siloDll))
        {
            throw new BenchException(
                $"silo not built: '{siloDll}' is missing; build it with 'dotnet build silo/Bulwark.Silo.csproj -c Release'");
        }
        var loadAverage = CpuSampler.LoadAverage();
        var loaded = TopologyFile.Load(topologyPath);
        if (!loaded.Succeeded)
        {
            throw new BenchException($"cannot load {topologyPath}: {string.Join("; ", loaded.Diagnostics.Take(5))}");
        }
        var topology = loaded.GetValueOrThrow();
        var source = new ObservationSource(topology.AllNodes.Select(n => n.Id));

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await SiloProcess.ThrowIfPortsTakenAsync(http, cancellationToken);
        var deadline = DateTimeOffset.UtcNow + StartupTimeout;
        Progress($"starting the silo: dotnet {siloDll} (health at {SiloProcess.Http}/health)");
        using var silo = SiloProcess.Start(siloDll, topologyPath, options.ShowSiloLog);
        await silo.WaitHealthyAsync(http, deadline, cancellationToken);

        var gateway = new IPEndPoint(IPAddress.Loopback, SiloProcess.GatewayPort);
        var remaining = deadline - DateTimeOffset.UtcNow;
        await using var connection = await BulwarkConnection.ConnectAsync([gateway],
            timeout: remaining > TimeSpan.FromSeconds(5) ? remaining : TimeSpan.FromSeconds(5), cancellationToken: cancellationToken);
        var client = connection.For(EntityId.LiveWorld);
        var world = await WaitForWorldAsync(client, silo, deadline, cancellationToken);
        if (world.Nodes != source.NodeCount)
        {
            throw new BenchException(
                $"the silo's live world has {world.Nodes} nodes but {topologyPath} has {source.NodeCount}; is another topology loaded?");
        }
        Progress($"silo up: world '{world.World}' has {world.Domains} domains, {world.Segments} segments, {world.Nodes} nodes");

        var runner = new PhaseRunner(client, TimeSpan.FromSeconds(options.Warmup), TimeSpan.FromSeconds(options.Seconds),
            () => CpuSampler.Take(silo.Pid));
        var pings = Enumerable.Range(0, PingGrains).Select(k => connection.Cluster.GetGrain<IPingGrain>(k)).ToArray();
        var samples = new List<PhaseSample>();
        var pingSequence = 0;
        var lastRaw = 0.0;
        // Round 0 is an unmeasured warm-up of every phase: the first seconds of a fresh client and
        // silo (JIT tiers, thread pool, activations) run at a fraction of the steady rate.
        var warmupRound = new PhaseRunner(client, TimeSpan.FromSeconds(options.InitialWarmup), TimeSpan.FromSeconds(1),
            () => CpuSampler.Take(silo.Pid));
        for (var repeat = options.InitialWarmup > 0 ? 0 : 1; repeat <= options.Repeat; repeat++)
        {
            async Task Phase(string name, string unit, int callers, Func<int, Task<CallOutcome>>? call, bool readPosture)
            {
                var round = repeat == 0 ? "warm-up round" : $"repeat {repeat}/{options.Repeat}";
                PhaseSample sample;
                for (var attempt = 1; ; attempt++)
                {
                    if (repeat > 0 && options.MaxOther < 100)
                    {
                        await WaitForQuietAsync(silo.Pid, options.MaxOther, TimeSpan.FromSeconds(options.QuietWait), cancellationToken);
                    }
                    sample = await (repeat == 0 ? warmupRound : runner).RunAsync(name, unit, callers, call, readPosture, cancellationToken);
                    silo.ThrowIfExited();
                    sample = sample with { Attempts = attempt };
                    if (repeat == 0 || attempt > options.Retries || sample.Cpu is not { } share || share.Other <= options.MaxOther)
                    {
                        break;
                    }
                    Progress($"{round} {name}: other processes took {share.Other:0}% of the machine (> {options.MaxOther}%); running the phase again");
                }
                if (repeat > 0)
                {
                    samples.Add(sample);
                }
                if (name == Raw)
                {
                    lastRaw = sample.Rate;
                }
                if (sample.Unit == "observations")
                {
                    // Dependency cascades are one-way calls the client does not wait for: let them drain.
                    await Task.Delay(Settle, cancellationToken);
                }
                var reads = sample.Reads is { } r ? $"; reads p50 {r.P50:0.00} ms, p99 {r.P99:0.00} ms, max {r.Max:0.00} ms ({r.Count:N0})" : "";
                var cpu = sample.Cpu is { } c ? $"; cpu silo {c.Silo:0}%, client {c.Client:0}%, other {c.Other:0}%" : "";
                var gc = sample.ClientGc is { } g ? $"; bench GC {g.Gen0 + g.Gen1 + g.Gen2} collections, {g.PauseMs:0} ms paused" : "";
                var errors = sample.Errors > 0 ? $"; {sample.Errors:N0} errors, first: {sample.FirstError}" : "";
                Progress($"{round} {name}: {sample.Rate:N0} {sample.Unit}/s{reads}{cpu}{gc}{errors}");
            }

            await Phase(Raw, "calls", options.Concurrency, async worker =>
            {
                var value = Interlocked.Increment(ref pingSequence);
                var answer = await pings[worker % PingGrains].PingAsync(value);
                return answer == value ? new CallOutcome(1) : throw new BenchException($"ping {value} answered {answer}");
            }, readPosture: false);

            if (!options.PacedOnly)
            {
                await Phase(ReadIdle, "reads", 0, call: null, readPosture: true);

                await Phase(Single, "observations", options.Concurrency,
                    async _ => new CallOutcome(1, await client.ReportAsync(source.Next())), readPosture: false);

                foreach (var size in BatchSizes)
                {
                    await Phase(BatchPhase(size), "observations", options.BatchConcurrency,
                        async _ => new CallOutcome(size, await client.ReportAsync(source.NextBatch(size), cancellationToken)),
                        readPosture: true);
                }
            }

            // The read target is about a silo under the ingest load the throughput target asks for,
            // not one driven past saturation (where any queue, and so any latency, grows without bound).
            var pacer = new Pacer(PacedSize / (options.PaceRate ?? options.Pace * lastRaw));
            await Phase(PacedPhase, "observations", options.BatchConcurrency, async _ =>
            {
                await pacer.WaitTurnAsync(cancellationToken);
                return new CallOutcome(PacedSize, await client.ReportAsync(source.NextBatch(PacedSize), cancellationToken));
            }, readPosture: true);
        }

        // The world must still answer whole after the run.
        var alliance = await client.GetAlliancePostureAsync(cancellationToken);
        if (alliance.Tally.Nodes != source.NodeCount)
        {
            throw new BenchException($"after the run the alliance posture counts {alliance.Tally.Nodes} nodes, expected {source.NodeCount}");
        }

        var phases = Summarize(samples);
        return new BenchReport(
            Machine(loadAverage),
            new RunSettings(options.Seconds, options.Warmup, options.InitialWarmup, options.Concurrency, options.BatchConcurrency, options.Repeat,
                options.MaxOther, options.Retries,
                options.PaceRate is { } rate
                    ? string.Create(CultureInfo.InvariantCulture, $"{rate:N0} observations/s")
                    : string.Create(CultureInfo.InvariantCulture, $"{options.Pace}× raw"),
                Path.GetFileName(topologyPath), world.Domains, world.Segments, world.Nodes),
            phases,
            Targets(phases, options.PaceRate),
            new SiloLog(silo.Errors, silo.Warnings, silo.Problems));
    }

    /// <summary>Waits (at most <paramref name="limit"/>) for a second in which other processes use at most <paramref name="maxOther"/>% of the machine.</summary>
    private static async Task WaitForQuietAsync(int siloPid, int maxOther, TimeSpan limit, CancellationToken cancellationToken)
    {
        var waited = TimeSpan.Zero;
        var step = TimeSpan.FromSeconds(1);
        while (true)
        {
            var start = CpuSampler.Take(siloPid);
            await Task.Delay(step, cancellationToken);
            if (CpuSampler.Between(start, CpuSampler.Take(siloPid)) is not { } share || share.Other <= maxOther)
            {
                return;
            }
            waited += step;
            if (waited >= limit)
            {
                Progress($"other processes still take {share.Other:0}% of the machine after {limit.TotalSeconds:0} s; measuring anyway");
                return;
            }
            if (waited == step)
            {
                Progress($"other processes take {share.Other:0}% of the machine; waiting up to {limit.TotalSeconds:0} s for them to calm down");
            }
        }
    }

    private static async Task<WorldInfo> WaitForWorldAsync(BulwarkClient client, SiloProcess silo, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            silo.ThrowIfExited();
            try
            {
                return await client.GetWorldAsync(cancellationToken);
            }
            catch (NoTopologyException) when (DateTimeOffset.UtcNow < deadline)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            }
            catch (NoTopologyException e)
            {
                throw new BenchException($"the silo loaded no topology before the deadline ({e.Message}); its last output:{Environment.NewLine}{silo.Tail}");
            }
        }
    }

    private static List<PhaseSummary> Summarize(List<PhaseSample> samples)
    {
        var rawRate = Statistics.Median(samples.Where(s => s.Phase == Raw).Select(s => s.Rate));
        return [.. samples.GroupBy(s => s.Phase).Select(g =>
        {
            var list = g.ToList();
            var rate = Statistics.Median(list.Select(s => s.Rate));
            return new PhaseSummary(g.Key, list[0].Unit, rate, rate / rawRate,
                Statistics.MedianOf([.. list.Select(s => s.Reads)]), Statistics.MedianOf([.. list.Select(s => s.Cpu)]),
                list.Sum(s => s.Errors), list);
        })];
    }

    private static List<TargetCheck> Targets(List<PhaseSummary> phases, int? paceRate)
    {
        var raw = phases.Single(p => p.Phase == Raw).MedianRate;
        var checks = new List<TargetCheck>();
        foreach (var size in BatchSizes)
        {
            if (phases.SingleOrDefault(x => x.Phase == BatchPhase(size)) is not { } p)
            {
                continue;
            }
            checks.Add(new TargetCheck(
                string.Create(CultureInfo.InvariantCulture, $"batched ingest ({size:N0} per call) ≥ {BatchTarget}× raw calls/s"),
                p.RatioToRaw >= BatchTarget,
                string.Create(CultureInfo.InvariantCulture,
                    $"{p.MedianRate:N0} observations/s = {p.RatioToRaw:0.00}× raw {raw:N0} calls/s; the target is ≥ {raw * BatchTarget:N0}")));
        }
        var paced = phases.Single(x => x.Phase == PacedPhase);
        var r = paced.MedianReads;
        if (paceRate is not null)
        {
            // A fixed rate is for comparing builds and settings, not the target's load.
            return checks;
        }
        checks.Add(new TargetCheck(
            string.Create(CultureInfo.InvariantCulture, $"posture read p99 ≤ {ReadP99TargetMs} ms during ingest at {BatchTarget}× raw ({PacedSize:N0} per call)"),
            r is not null && r.P99 <= ReadP99TargetMs && paced.RatioToRaw >= 0.95 * BatchTarget,
            r is null
                ? "no reads measured"
                : string.Create(CultureInfo.InvariantCulture,
                    $"ingest kept {paced.MedianRate:N0} observations/s ({paced.RatioToRaw:0.00}× raw); reads p99 {r.P99:0.00} ms, p50 {r.P50:0.00} ms, max {r.Max:0.00} ms over a median {r.Count:N0} reads per repeat")));
        return checks;
    }

    private static MachineFacts Machine(double? loadAverage) => new(
        Environment.ProcessorCount,
        OsName(),
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.ProcessArchitecture.ToString(),
        TimeProvider.System.GetUtcNow(),
        GCSettings.IsServerGC,
        loadAverage);

    private static string OsName()
    {
        const string release = "/etc/os-release";
        if (OperatingSystem.IsLinux() && File.Exists(release))
        {
            var pretty = File.ReadLines(release).FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal));
            if (pretty is not null)
            {
                return $"{pretty["PRETTY_NAME=".Length..].Trim('"')}, Linux {Environment.OSVersion.Version}";
            }
        }
        return RuntimeInformation.OSDescription;
    }

    private static void Progress(FormattableString message) =>
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTime.UtcNow:HH:mm:ss}] {message.ToString(CultureInfo.InvariantCulture)}"));
}

/// <summary>
/// Hands out start times at least a fixed interval apart. A caller that finds the schedule behind
/// starts now and the schedule moves on from there: time lost is not made up with a burst.
/// </summary>
internal sealed class Pacer(double intervalSeconds)
{
    private readonly Lock _lock = new();
    private readonly long _interval = (long)(intervalSeconds * System.Diagnostics.Stopwatch.Frequency);
    private long _next = System.Diagnostics.Stopwatch.GetTimestamp();

    public async Task WaitTurnAsync(CancellationToken cancellationToken)
    {
        long due;
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        lock (_lock)
        {
            due = Math.Max(_next, now);
            _next = due + _interval;
        }
        var wait = System.Diagnostics.Stopwatch.GetElapsedTime(now, due);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait, cancellationToken);
        }
    }
}
