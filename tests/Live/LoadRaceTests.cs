using Bulwark.Client;
using Bulwark.Silo.Hosting;
using Bulwark.Tests.Support;
using Orleans.TestingHost;

namespace Bulwark.Tests.Live;

/// <summary>
/// Holds the world's settling call to one node, so that an observation or a notice lands inside a
/// load (or a cycle recovery, which is the same procedure) on demand.
/// </summary>
internal static class SettleGate
{
    public static volatile string? Held;
    public static volatile string? Watched;
    public static TaskCompletionSource Reached = New();
    public static TaskCompletionSource Release = New();
    public static TaskCompletionSource WatchedSettled = New();

    public static void Set(string? held, string? watched)
    {
        (Reached, Release, WatchedSettled) = (New(), New(), New());
        (Held, Watched) = (held, watched);
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

/// <summary>Holds the world's cycle-recovery calls to chosen nodes until a test releases each.</summary>
internal static class UnlatchGate
{
    public sealed record Gate(TaskCompletionSource Reached, TaskCompletionSource Release);

    public static readonly System.Collections.Concurrent.ConcurrentDictionary<string, Gate> Held = new(StringComparer.Ordinal);

    public static Gate Hold(string key) =>
        Held[key] = new Gate(new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));

    public static void Clear()
    {
        foreach (var gate in Held.Values)
        {
            gate.Release.TrySetResult();
        }
        Held.Clear();
    }
}

/// <summary>Observations and notices that arrive while a load or a cycle recovery runs. One silo with a call filter; the tests take turns.</summary>
public sealed class LoadRaceTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static Observation Obs(string node, NodeStatus status, int minute) => new(node, status, T0.AddMinutes(minute), null, "test");

    /// <summary>Set: the next request for a cycle check made in the silo is lost on its way to the world.</summary>
    private static int s_dropNextAsk;

    private static async Task<InProcessTestCluster> ClusterAsync(TimeSpan? cycleRecoveryDelay = null)
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddBulwarkGrainServices();
            if (cycleRecoveryDelay is { } delay)
            {
                silo.Configure<Bulwark.Grains.Live.LiveOptions>(o => o.CycleRecoveryDelay = delay);
            }
            silo.AddOutgoingGrainCallFilter(async call =>
            {
                var target = call.TargetId.Key.ToString();
                if (call.MethodName == nameof(IWorldGrain.CheckCyclesAsync) && Interlocked.Exchange(ref s_dropNextAsk, 0) == 1)
                {
                    return;
                }
                if (call.MethodName == nameof(INodeGrain.SettleAsync) && target == SettleGate.Held)
                {
                    SettleGate.Reached.TrySetResult();
                    await SettleGate.Release.Task;
                }
                if (call.MethodName == nameof(INodeGrain.UnlatchAsync) && UnlatchGate.Held.TryGetValue(target, out var gate))
                {
                    gate.Reached.TrySetResult();
                    await gate.Release.Task;
                }
                await call.Invoke();
                if (call.MethodName == nameof(INodeGrain.SettleAsync) && target == SettleGate.Watched)
                {
                    SettleGate.WatchedSettled.TrySetResult();
                }
            });
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(BulwarkStreams.Provider));
        var cluster = builder.Build();
        await cluster.DeployAsync(TestContext.Current.CancellationToken);
        return cluster;
    }

    /// <summary>
    /// Loads <paramref name="yaml"/> into a fresh world, runs <paramref name="before"/>, then loads it
    /// again holding node <paramref name="held"/>'s settling (and, when given, once node
    /// <paramref name="settledFirst"/> has settled) runs <paramref name="during"/> inside that load.
    /// <paramref name="after"/> runs once the load has returned.
    /// </summary>
    private static async Task RaceAsync(string world, string yaml, Func<BulwarkClient, Task> before, string held, string? settledFirst,
        Func<BulwarkClient, Task> during, Func<BulwarkClient, TopologyDefinition, Task> after, string? reload = null)
    {
        await using var cluster = await ClusterAsync();
        try
        {
            var client = new BulwarkClient(cluster.Client, world);
            var topology = TestTopologies.Parse(yaml);
            await client.LoadTopologyAsync(topology, TestContext.Current.CancellationToken);
            await before(client);

            SettleGate.Set($"{world}/{held}", settledFirst is null ? null : $"{world}/{settledFirst}");
            if (reload is not null)
            {
                topology = TestTopologies.Parse(reload);
            }
            var load = client.LoadTopologyAsync(topology, TestContext.Current.CancellationToken);
            await SettleGate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            if (settledFirst is not null)
            {
                await SettleGate.WatchedSettled.Task.WaitAsync(TimeSpan.FromSeconds(20), TestContext.Current.CancellationToken);
            }
            await during(client);
            SettleGate.Release.TrySetResult();
            await load;
            SettleGate.Set(null, null);

            await after(client, topology);
        }
        finally
        {
            SettleGate.Set(null, null);
            await cluster.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }
    }

    private static async Task MatchesOracleAsync(BulwarkClient client, TopologyDefinition topology)
    {
        var state = "";
        await Eventually.HoldsAsync(async () =>
        {
            var views = (await Task.WhenAll(topology.AllNodes.Select(n => client.GetNodeAsync(n.Id)))).ToDictionary(v => v.Definition.Id, StringComparer.Ordinal);
            var expected = DependencyOracle.Evaluate(topology, views.ToDictionary(p => p.Key, p => p.Value.Reported, StringComparer.Ordinal));
            state = string.Join("; ", views.Values.Select(v => $"{v.Definition.Id} {v.Reported}/{v.Status}/{v.Operational} failed [{string.Join(",", v.FailedDependencies)}]"));
            return views.Values.All(v => expected[v.Definition.Id] == (v.Status, v.Operational));
        }, "every node as the oracle has it", TimeSpan.FromSeconds(30)).ContinueWith(
            t => Assert.True(t.IsCompletedSuccessfully, state), TestContext.Current.CancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private static async Task DownUntilBAsync(BulwarkClient client, string node)
    {
        await client.ReportAsync(Obs(node, NodeStatus.Down, 1));
        await Eventually.HoldsAsync(async () => !(await client.GetNodeAsync("A/s/b")).Operational, $"b down with {node}");
    }

    [Fact]
    public Task CycleMemberReportsRecoveryDuringALoad_CycleComesBack() =>
        // The load works the cascades out from a down; a reports healthy before it is settled.
        RaceAsync("race-own", TestTopologies.ClosedCycle,
            client => DownUntilBAsync(client, "A/s/a"),
            held: "A/s/a", settledFirst: null,
            during: client => client.ReportAsync(Obs("A/s/a", NodeStatus.Healthy, 2)),
            after: MatchesOracleAsync);

    [Fact]
    public Task FeedRecoversDuringALoad_CycleComesBack() =>
        // feed settles and recovers while a is still loading: a hears of it, but is still held by b.
        RaceAsync("race-feed", TestTopologies.ClosedCycle,
            client => DownUntilBAsync(client, "A/s/feed"),
            held: "A/s/a", settledFirst: "A/s/feed",
            during: async client =>
            {
                await client.ReportAsync(Obs("A/s/feed", NodeStatus.Healthy, 2));
                await Eventually.HoldsAsync(async () => !(await client.GetNodeAsync("A/s/a")).FailedDependencies.Contains("A/s/feed"),
                    "a to hear that feed recovered");
            },
            after: MatchesOracleAsync);

    /// <summary>A scada node y that depends on a power plant x.</summary>
    private const string PlantAndScada = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: x, kind: power-plant, owner: civilian, criticality: 2}
                  - {id: y, kind: scada, owner: civilian, criticality: 4, depends: [{all-of: [x]}]}
        """;

    [Fact]
    public Task NoticeDuringALoad_IsInTheHistoryOnce() =>
        // x goes down after it settled, before y has: y hears of it during the load.
        RaceAsync("race-history", PlantAndScada,
            _ => Task.CompletedTask,
            held: "A/s/y", settledFirst: "A/s/x",
            during: async client =>
            {
                await client.ReportAsync(Obs("A/s/x", NodeStatus.Down, 1));
                await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/s/y")).FailedDependencies.Contains("A/s/x"),
                    "y to hear that x is down");
            },
            after: async (client, _) =>
            {
                var entry = Assert.Single((await client.GetNodeAsync("A/s/y")).History);
                Assert.Equal((NodeStatus.Healthy, NodeStatus.Degraded, "dependency:A/s/x"), (entry.From, entry.To, entry.Source));
            });

    [Fact]
    public Task ObservationDuringALoadThatDropsTheNodesDependency_HistoryGoesOnFromWhereItStood() =>
        // y is degraded by x; the load drops y's dependency, and y is reported compromised before it has settled. Its
        // history must go on from degraded, where it stood, not from the healthy the new definition reads.
        RaceAsync("race-history-dropped", PlantAndScada,
            async client =>
            {
                await client.ReportAsync(Obs("A/s/x", NodeStatus.Down, 1));
                await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/s/y")).Status == NodeStatus.Degraded, "y degraded by x");
            },
            held: "A/s/y", settledFirst: null,
            during: client => client.ReportAsync(Obs("A/s/y", NodeStatus.Compromised, 2)),
            after: async (client, _) =>
            {
                var view = await client.GetNodeAsync("A/s/y");
                Assert.Equal(NodeStatus.Compromised, view.Status);
                Assert.Equal(
                    [(NodeStatus.Healthy, NodeStatus.Degraded, "dependency:A/s/x"), (NodeStatus.Degraded, NodeStatus.Compromised, "test")],
                    view.History.Select(e => (e.From, e.To, e.Source)));
            },
            reload: PlantAndScada.Replace(", depends: [{all-of: [x]}]", "", StringComparison.Ordinal));

    [Fact]
    public Task CycleMemberReportsDownDuringARecovery_ItsDependantsHearIt() =>
        // b's own recovery call makes it tell its state again, under a new version: a and ws go down with it.
        RecoveryRaceAsync("race-unlatch", (_, b) => b.Release.TrySetResult());

    [Fact]
    public Task RecoveryCallFailsAfterACycleMemberWentDown_TheRetrySettlesTheWholeWorld() =>
        // b's own call fails. a, now up, is asked again: no node that asked is held down, but after a failed recovery
        // the world settles the whole world all the same, and a and ws go down with b.
        RecoveryRaceAsync("race-unlatch-fails", (key, b) =>
        {
            UnlatchGate.Held.TryRemove(key, out _);
            b.Release.TrySetException(new InvalidOperationException("b cannot be reached (test)"));
        });

    /// <summary>
    /// In the closed cycle held down by itself, the recovery's calls to a and b are held. b reports
    /// down after the world read it; a is freed on the world's word that b is up (and ws, which is
    /// not held, too). Then <paramref name="endB"/> ends b's call; a and ws must end down with b.
    /// </summary>
    private static async Task RecoveryRaceAsync(string world, Action<string, UnlatchGate.Gate> endB)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await using var cluster = await ClusterAsync();
        try
        {
            var client = new BulwarkClient(cluster.Client, world);
            var topology = TestTopologies.Parse(TestTopologies.ClosedCycle);
            await client.LoadTopologyAsync(topology, cancellationToken);
            await DownUntilBAsync(client, "A/s/feed");
            var a = UnlatchGate.Hold($"{world}/A/s/a");
            var b = UnlatchGate.Hold($"{world}/A/s/b");

            // feed comes back: a and b hold each other down, and a asks for a cycle check.
            await client.ReportAsync(Obs("A/s/feed", NodeStatus.Healthy, 2), cancellationToken);
            await Task.WhenAll(a.Reached.Task, b.Reached.Task).WaitAsync(TimeSpan.FromSeconds(20), cancellationToken);

            // The world has read b reporting healthy and tells a that b is operational. Meanwhile b reports down:
            // held down already, it does not flip, so it tells no one.
            await client.ReportAsync(Obs("A/s/b", NodeStatus.Down, 3), cancellationToken);
            a.Release.TrySetResult();
            await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/s/a")).Operational, "a freed by the world's answer");

            endB($"{world}/A/s/b", b);
            await MatchesOracleAsync(client, topology);
            string[] ids = ["A/s/a", "A/s/b", "A/s/ws"];
            var views = await Task.WhenAll(ids.Select(id => client.GetNodeAsync(id, cancellationToken)));
            Assert.Equal([(NodeStatus.Degraded, false), (NodeStatus.Down, false), (NodeStatus.Degraded, false)],
                views.Select(v => (v.Status, v.Operational)));
        }
        finally
        {
            UnlatchGate.Clear();
            await cluster.StopAllSilosAsync(cancellationToken);
        }
    }

    [Fact]
    public async Task CycleCheckRequestLost_TheNodeAsksAgainOnceItHasExpired()
    {
        const string World = "lost-ask";
        var cancellationToken = TestContext.Current.CancellationToken;
        // Requests expire after ten delays: 1 s here.
        await using var cluster = await ClusterAsync(TimeSpan.FromMilliseconds(100));
        try
        {
            var client = new BulwarkClient(cluster.Client, World);
            var topology = TestTopologies.Parse(TestTopologies.ClosedCycle);
            await client.LoadTopologyAsync(topology, cancellationToken);
            await DownUntilBAsync(client, "A/s/feed");

            // feed comes back: a, held down by b alone, asks for a check, and the request is lost.
            Interlocked.Exchange(ref s_dropNextAsk, 1);
            await client.ReportAsync(Obs("A/s/feed", NodeStatus.Healthy, 2), cancellationToken);
            await Eventually.HoldsAsync(() => Task.FromResult(Volatile.Read(ref s_dropNextAsk) == 0), "the request dropped");
            await Task.Delay(TimeSpan.FromSeconds(1.5), cancellationToken);
            Assert.False((await client.GetNodeAsync("A/s/a", cancellationToken)).Operational);

            // feed goes down and comes back: a asks again, its first request having expired, and the cycle comes back.
            await client.ReportAsync(Obs("A/s/feed", NodeStatus.Down, 3), cancellationToken);
            await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/s/a")).FailedDependencies.Contains("A/s/feed"), "a hears feed is down");
            await client.ReportAsync(Obs("A/s/feed", NodeStatus.Healthy, 4), cancellationToken);
            await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0, "the cycle back up");
            await MatchesOracleAsync(client, topology);
        }
        finally
        {
            Interlocked.Exchange(ref s_dropNextAsk, 0);
            await cluster.StopAllSilosAsync(cancellationToken);
        }
    }

}
