using System.Diagnostics;
using System.Globalization;
using System.Net;
using Bulwark.Client;
using Bulwark.Scenarios;

namespace Bulwark.Bench;

/// <summary>
/// <c>bulwark-bench live-scale [SCENARIO.yaml]</c>: the live world at the size of a generator
/// scenario's topology (default the 100k-node one) in a one-silo cluster. Times the first load
/// (cold silo), a pass that reports every node once and a pass that restores every node, reloads
/// that keep and that reset the posture, and idle posture reads; and the silo's peak memory.
/// </summary>
internal static class ScaleBench
{
    /// <summary>Observations per call, the client's default chunk.</summary>
    private const int BatchSize = 5_000;

    private const int Reads = 200;

    public sealed record Step(string Name, double Seconds, string Detail);

    public static async Task<int> RunAsync(string repo, string file, CancellationToken cancellationToken)
    {
        var topology = ScenarioFile.Load(file).GetValueOrThrow().Base.Topology;
        var ids = topology.AllNodes.Select(n => n.Id).ToArray();
        await Console.Error.WriteLineAsync($"{Path.GetFileName(file)}: {ids.Length:N0} nodes, {topology.AllSegments.Count():N0} segments");
        var data = Path.Combine(Path.GetTempPath(), "bulwark-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var steps = new List<Step>();
        long peak;
        CycleChecks checks;
        using (var silo = SiloProcess.Start(Path.Combine(repo, "silo", "bin", "Release", "net10.0", "bulwark-silo.dll"), null, echo: false, "--data", data))
        {
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                await silo.WaitHealthyAsync(http, DateTimeOffset.UtcNow.AddSeconds(60), cancellationToken);
                await using var connection = await BulwarkConnection.ConnectAsync([new IPEndPoint(IPAddress.Loopback, SiloProcess.GatewayPort)],
                    cancellationToken: cancellationToken);
                var client = connection.For();

                async Task TimeAsync(string name, Func<Task<string>> step)
                {
                    var clock = Stopwatch.StartNew();
                    var detail = await step();
                    steps.Add(new Step(name, clock.Elapsed.TotalSeconds, detail));
                    await Console.Error.WriteLineAsync($"  {name}: {clock.Elapsed.TotalSeconds:0.00} s {detail}");
                }

                await TimeAsync("first load (cold silo)", async () => Describe(await client.LoadTopologyAsync(topology, cancellationToken)));
                // Every node once: most degraded, every seventh down, so that cascades run too.
                // Capability then is 0 exactly: no node operational.
                await TimeAsync("report every node once", async () => await ReportAllAsync(client, ids,
                    i => i % 7 == 0 ? NodeStatus.Down : NodeStatus.Degraded, 1, 0.0, cancellationToken));
                await TimeAsync("restore every node", async () => await ReportAllAsync(client, ids, _ => NodeStatus.Healthy, 2, 1.0, cancellationToken));
                await TimeAsync("posture reads, idle", async () => await ReadsAsync(client));
                await TimeAsync("reload, posture kept", async () => await WithReadsAsync(client,
                    async () => Describe(await client.LoadTopologyAsync(topology, cancellationToken))));
                await TimeAsync("reload, --reset", async () => Describe(await client.LoadTopologyAsync(topology, reset: true, cancellationToken)));
                peak = ExerciseBench.PeakMegabytes(silo.Pid);
                checks = await connection.Cluster.GetGrain<IWorldGrain>(EntityId.LiveWorld).GetCycleChecksAsync();
            }
            finally
            {
                if (Directory.Exists(data))
                {
                    Directory.Delete(data, recursive: true);
                }
            }
        }
        Console.WriteLine(Markdown(Path.GetFileName(file), ids.Length, steps, peak, checks));
        return 0;
    }

    private static string Describe(WorldInfo info) =>
        string.Create(CultureInfo.InvariantCulture, $"generation {info.Generation}, {info.Nodes:N0} nodes, {info.Segments:N0} segments");

    /// <summary>
    /// Reports each node once, in batches, then polls the alliance's posture until its capability
    /// is <paramref name="settled"/>: cascades and aggregates go on after the last batch returns.
    /// </summary>
    private static async Task<string> ReportAllAsync(BulwarkClient client, string[] ids, Func<int, NodeStatus> status, int minute,
        double settled, CancellationToken cancellationToken)
    {
        var time = new DateTimeOffset(2026, 11, 26, 8, minute, 0, TimeSpan.Zero);
        var clock = Stopwatch.StartNew();
        var changed = 0;
        for (var start = 0; start < ids.Length; start += BatchSize)
        {
            var batch = ids.Skip(start).Take(BatchSize).Select((id, i) => new Observation(id, status(start + i), time, null, "bench")).ToList();
            changed += (await client.ReportAsync(batch, cancellationToken)).Changed;
        }
        var ingest = clock.Elapsed.TotalSeconds;
        var deadline = DateTimeOffset.UtcNow.AddMinutes(5);
        double capability;
        while ((capability = (await client.GetAlliancePostureAsync(cancellationToken)).Tally.Capability) != settled)
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new BenchException($"the alliance's capability stayed at {capability} instead of {settled} for 5 minutes after the reports");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(10), cancellationToken);
        }
        return string.Create(CultureInfo.InvariantCulture,
            $"{ids.Length / ingest:N0} observations/s ({ingest:0.00} s); {changed:N0} changed on report (others by cascade); alliance capability {settled:0.0} {clock.Elapsed.TotalSeconds - ingest:0.00} s after the last batch");
    }

    /// <summary>Runs <paramref name="step"/> while a loop reads the alliance's posture back to back, and adds the reads' latencies to its detail.</summary>
    private static async Task<string> WithReadsAsync(BulwarkClient client, Func<Task<string>> step)
    {
        var latencies = new List<double>();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var clock = Stopwatch.StartNew();
                await client.GetAlliancePostureAsync();
                latencies.Add(clock.Elapsed.TotalMilliseconds);
            }
        }, CancellationToken.None);
        string detail;
        try
        {
            detail = await step();
        }
        finally
        {
            await stop.CancelAsync();
            await reader;
        }
        latencies.Sort();
        return latencies.Count == 0
            ? detail
            : string.Create(CultureInfo.InvariantCulture,
                $"{detail}; {latencies.Count:N0} alliance reads meanwhile: p50 {latencies[latencies.Count / 2]:0.00} ms, p99 {latencies[latencies.Count * 99 / 100]:0.00} ms, max {latencies[^1]:0.00} ms");
    }

    private static async Task<string> ReadsAsync(BulwarkClient client)
    {
        var latencies = new List<double>(Reads);
        for (var i = 0; i < Reads; i++)
        {
            var clock = Stopwatch.StartNew();
            await client.GetAlliancePostureAsync();
            latencies.Add(clock.Elapsed.TotalMilliseconds);
        }
        latencies.Sort();
        return string.Create(CultureInfo.InvariantCulture,
            $"{Reads} alliance reads: p50 {latencies[Reads / 2]:0.00} ms, p99 {latencies[Reads * 99 / 100]:0.00} ms");
    }

    private static string Markdown(string scenario, int nodes, List<Step> steps, long peak, CycleChecks checks)
    {
        var lines = new List<string>
        {
            $"Machine: {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}, .NET {Environment.Version}",
            $"Live world: the topology of {scenario}, {nodes:N0} nodes, one silo; silo peak {peak:N0} MB",
            $"Cycle checks over the whole run: {checks.Recovered} recoveries of the whole world, {checks.Spared} spared (every node that asked was up again)",
            "",
            "| step | seconds | |",
            "|---|---:|---|",
        };
        lines.AddRange(steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"| {s.Name} | {s.Seconds:0.00} | {s.Detail} |")));
        return string.Join(Environment.NewLine, lines);
    }
}
