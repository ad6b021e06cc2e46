using System.Diagnostics;
using System.Globalization;
using System.Net;
using Bulwark.Client;
using Bulwark.Grains.Simulation;
using Bulwark.Scenarios;

namespace Bulwark.Bench;

/// <summary>
/// <c>bulwark-bench exercise</c>: for each scenario, the wall time and events/s of the sequential
/// reference engine (in this process) and of a one-silo cluster (a separate silo process, driven
/// from this client), in the same run; the raw grain-to-grain call rate as the yardstick; the
/// silo's peak memory; and whether both journals hash the same.
/// </summary>
internal static class ExerciseBench
{
    /// <summary>Run once on each engine, unmeasured, before the measured runs.</summary>
    public const string WarmupScenario = "gen-10k.yaml";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// A scenario whose first reference run is shorter than this is run <see cref="ShortRuns"/>
    /// times on each engine and the median times quoted: a run of a tenth of a second moves by
    /// half with whatever else the machine does.
    /// </summary>
    private static readonly TimeSpan ShortRun = TimeSpan.FromSeconds(2);

    private const int ShortRuns = 3;

    public sealed record Row(string Scenario, int Nodes, long Events, long EntityCalls, long Lines, double ReferenceSeconds, double ClusterSeconds,
        double GrainCallsPerSecond, long SiloPeakMegabytes, long ReferencePeakMegabytes, bool HashesMatch, string Hash, string Yardstick, string Times);

    public static async Task<int> RunAsync(string repo, IReadOnlyList<string> scenarios, CancellationToken cancellationToken)
    {
        var rows = new List<Row>();
        foreach (var file in scenarios)
        {
            rows.Add(await MeasureAsync(repo, file, cancellationToken));
        }
        Console.WriteLine(Markdown(rows));
        return rows.All(r => r.HashesMatch) ? 0 : 1;
    }

    private static async Task<Row> MeasureAsync(string repo, string file, CancellationToken cancellationToken)
    {
        var scenario = ScenarioFile.Load(file).GetValueOrThrow().Base;
        var nodes = scenario.Topology.AllNodes.Count();
        await Console.Error.WriteLineAsync($"{Path.GetFileName(file)}: {nodes:N0} nodes; reference engine…");

        // Unmeasured: the warm-up scenario once, so that neither engine's time includes compiling the model's code.
        var warmup = ScenarioFile.Load(Path.Combine(repo, "scenarios", "library", WarmupScenario)).GetValueOrThrow().Base;
        new ReferenceEngine(warmup).Run();
        var referenceTimes = new List<double>();
        ReferenceEngine engine;
        RunReport reference;
        do
        {
            GC.Collect();
            var referenceClock = Stopwatch.StartNew();
            engine = new ReferenceEngine(scenario);
            reference = engine.Run();
            referenceClock.Stop();
            referenceTimes.Add(referenceClock.Elapsed.TotalSeconds);
        }
        while (referenceTimes[0] < ShortRun.TotalSeconds && referenceTimes.Count < ShortRuns);
        var referencePeak = PeakMegabytes(Environment.ProcessId);

        await Console.Error.WriteLineAsync($"  reference: {Seconds(referenceTimes)} s, {reference.Events:N0} events; cluster…");
        var data = Path.Combine(Path.GetTempPath(), "bulwark-bench-" + Guid.NewGuid().ToString("N")[..8]);
        using var silo = SiloProcess.Start(Path.Combine(repo, "silo", "bin", "Release", "net10.0", "bulwark-silo.dll"), null, echo: false, "--data", data);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            await silo.WaitHealthyAsync(http, DateTimeOffset.UtcNow.AddSeconds(60), cancellationToken);
            await using var connection = await BulwarkConnection.ConnectAsync([new IPEndPoint(IPAddress.Loopback, SiloProcess.GatewayPort)],
                cancellationToken: cancellationToken);

            var (grainCalls, yardstick) = await YardstickAsync(connection, cancellationToken);

            // Unmeasured: the warm-up scenario once, so that the measured run does not pay for the silo's first compilation.
            await RunOnClusterAsync(connection, warmup, cancellationToken);
            var clusterTimes = new List<double>();
            var hashesMatch = true;
            for (var i = 0; i < referenceTimes.Count; i++)
            {
                var (run, clusterSeconds) = await RunOnClusterAsync(connection, scenario, cancellationToken);
                clusterTimes.Add(clusterSeconds);
                hashesMatch &= (await run.GetReportAsync()).JournalHash == reference.JournalHash;
            }
            var siloPeak = PeakMegabytes(silo.Pid);
            await Console.Error.WriteLineAsync($"  cluster: {Seconds(clusterTimes)} s; silo peak {siloPeak:N0} MB");
            var times = referenceTimes.Count == 1 ? "" : string.Create(CultureInfo.InvariantCulture,
                $"{referenceTimes.Count} runs on each engine (the first reference run took under {ShortRun.TotalSeconds:0} s), medians quoted: reference {Seconds(referenceTimes)} s, cluster {Seconds(clusterTimes)} s");
            return new Row(Path.GetFileName(file), nodes, reference.Events, engine.EntityCalls, reference.JournalLines, Median(referenceTimes),
                Median(clusterTimes), grainCalls, siloPeak, referencePeak, hashesMatch, reference.JournalHash, yardstick, times);
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    /// <summary>
    /// The yardstick: grain-to-grain calls inside the silo (<see cref="IPingGrain.FanOutAsync"/>, 64 in
    /// flight), the median of three rounds of 400,000 once the rate has settled. A fresh silo runs
    /// unoptimised code first: its first 400,000 calls went at a quarter of the settled rate.
    /// </summary>
    private static async Task<(double Rate, string Note)> YardstickAsync(BulwarkConnection connection, CancellationToken cancellationToken)
    {
        var pinger = connection.Cluster.GetGrain<IPingGrain>(7);
        const int WarmupCalls = 100_000;
        var rates = new List<double>();
        // Settled: three rounds in a row within 10 % of each other (or 40 rounds, whichever comes first).
        while (rates.Count < 40 && (rates.Count < 3 || rates[^3..].Max() > 1.1 * rates[^3..].Min()))
        {
            cancellationToken.ThrowIfCancellationRequested();
            rates.Add(WarmupCalls / await pinger.FanOutAsync(WarmupCalls, 64));
        }
        const int Calls = 400_000;
        var measured = new List<double>();
        for (var i = 0; i < 3; i++)
        {
            measured.Add(Calls / await pinger.FanOutAsync(Calls, 64));
        }
        measured.Sort();
        static string Rates(IEnumerable<double> rates) => string.Join(", ", rates.Select(r => r.ToString("N0", CultureInfo.InvariantCulture)));
        var settled = rates.Count >= 3 && rates[^3..].Max() <= 1.1 * rates[^3..].Min();
        var note = $"{(settled ? "settled after" : "NOT settled after")} {rates.Count} warm-up rounds ({Rates(rates)}); measured {Rates(measured)} calls/s";
        await Console.Error.WriteLineAsync("  yardstick: " + note);
        return (measured[1], note);
    }

    /// <summary>Runs a scenario on the cluster at full speed and waits for its end; the time is from the start call to the end seen.</summary>
    private static async Task<(IRunGrain Run, double Seconds)> RunOnClusterAsync(BulwarkConnection connection, ScenarioDefinition scenario,
        CancellationToken cancellationToken)
    {
        var run = connection.Cluster.GetGrain<IRunGrain>("bench-" + Guid.NewGuid().ToString("N")[..8]);
        var clock = Stopwatch.StartNew();
        await run.StartAsync(scenario, new RunOptions(0, []));
        RunInfo info;
        do
        {
            // The poll interval bounds how late the end is seen.
            await Task.Delay(PollInterval, cancellationToken);
            info = await run.GetInfoAsync();
        }
        while (info.State is RunState.Running or RunState.Paused);
        clock.Stop();
        if (info.State != RunState.Completed)
        {
            throw new BenchException($"the cluster run of '{scenario.Metadata.Name}' ended {WireNames.Of(info.State)}: {info.Message}");
        }
        return (run, clock.Elapsed.TotalSeconds);
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);

    private static string Seconds(List<double> values) =>
        string.Join(", ", values.Select(v => v.ToString("0.00", CultureInfo.InvariantCulture)));

    /// <summary>Peak resident memory of a process (VmHWM), in MB; -1 where /proc does not say.</summary>
    internal static long PeakMegabytes(int pid)
    {
        var status = $"/proc/{pid}/status";
        if (!File.Exists(status))
        {
            return -1;
        }
        var line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? -1 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
    }

    private static string Markdown(List<Row> rows)
    {
        var lines = new List<string>
        {
            $"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
            "",
            "| scenario | nodes | events | journal lines | reference s | reference events/s | cluster s | cluster events/s | cluster ÷ reference | grain→grain calls/s | cluster events/s ÷ calls/s | silo peak MB | hashes |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        };
        foreach (var r in rows)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.Nodes:N0} | {r.Events:N0} | {r.Lines:N0} | {r.ReferenceSeconds:0.00} | {r.Events / r.ReferenceSeconds:N0} | {r.ClusterSeconds:0.00} | {r.Events / r.ClusterSeconds:N0} | {r.ClusterSeconds / r.ReferenceSeconds:0.00}× | {r.GrainCallsPerSecond:N0} | {r.Events / r.ClusterSeconds / r.GrainCallsPerSecond:0.00} | {r.SiloPeakMegabytes:N0} | {(r.HashesMatch ? "equal" : "DIFFER")} |"));
        }
        // Each entity call costs at least one raw grain-to-grain call, so events per call bounds "cluster events/s ÷ calls/s"
        // even if the model, the controller and the journal cost nothing.
        lines.Add("");
        lines.Add("| scenario | entity calls | events per call (the most events/s ÷ calls/s can be) | cluster entity calls/s | entity calls/s ÷ grain→grain calls/s |");
        lines.Add("|---|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"| {r.Scenario} | {r.EntityCalls:N0} | {(double)r.Events / r.EntityCalls:0.00} | {r.EntityCalls / r.ClusterSeconds:N0} | {r.EntityCalls / r.ClusterSeconds / r.GrainCallsPerSecond:0.00} |"));
        }
        lines.Add("");
        lines.AddRange(rows.Where(r => r.Times.Length > 0).Select(r => $"Times for {r.Scenario}: {r.Times}."));
        lines.AddRange(rows.Select(r => $"Yardstick for {r.Scenario}: {r.Yardstick}."));
        return string.Join(Environment.NewLine, lines);
    }
}
