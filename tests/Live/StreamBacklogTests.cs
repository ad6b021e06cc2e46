using Bulwark.Client;
using Bulwark.Silo.Hosting;
using Bulwark.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Providers;
using Orleans.TestingHost;

namespace Bulwark.Tests.Live;

/// <summary>
/// A posture stream that does not take changes, as the in-memory stream's queue does when a burst
/// fills it (it refuses more than 16,384 waiting batches). One silo whose stream queue fails on demand.
/// </summary>
public sealed class StreamBacklogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static volatile bool s_refusing;
    private static volatile bool s_domainFailing;

    /// <summary>
    /// When set, a dependency notice to this node goes only once the node has applied its batch, and
    /// the segment gets the node's answer to the batch only once the node has taken the notice.
    /// </summary>
    private static volatile string? s_holdUntilNoticed;
    private static TaskCompletionSource s_observed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static TaskCompletionSource s_noticed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private static async Task<InProcessTestCluster> ClusterAsync()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddBulwarkGrainServices();
            silo.AddIncomingGrainCallFilter(async call =>
            {
                if (s_refusing && call.Grain is MemoryStreamQueueGrain && call.MethodName == nameof(MemoryStreamQueueGrain.Enqueue))
                {
                    throw new InvalidOperationException("the stream queue is full (test)");
                }
                if (s_domainFailing && call.MethodName == nameof(IDomainGrain.SegmentChangedAsync))
                {
                    throw new InvalidOperationException("the domain is away (test)");
                }
                await call.Invoke();
                var held = call.TargetId.Key.ToString() == s_holdUntilNoticed;
                if (held && call.MethodName == nameof(INodeGrain.ObserveForSegmentAsync))
                {
                    s_observed.TrySetResult();
                }
                if (held && call.MethodName == nameof(INodeGrain.DependencyChangedAsync))
                {
                    s_noticed.TrySetResult();
                }
            });
            silo.AddOutgoingGrainCallFilter(async call =>
            {
                var held = call.TargetId.Key.ToString() == s_holdUntilNoticed;
                if (held && call.MethodName == nameof(INodeGrain.DependencyChangedAsync))
                {
                    await s_observed.Task.WaitAsync(TimeSpan.FromSeconds(10));
                }
                await call.Invoke();
                if (held && call.MethodName == nameof(INodeGrain.ObserveForSegmentAsync))
                {
                    await s_noticed.Task.WaitAsync(TimeSpan.FromSeconds(10));
                }
            });
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(BulwarkStreams.Provider));
        var cluster = builder.Build();
        await cluster.DeployAsync(TestContext.Current.CancellationToken);
        return cluster;
    }

    private static async Task<IAsyncDisposable> CollectAsync(BulwarkClient client, List<PostureChange> received) =>
        await client.SubscribeAsync(change =>
        {
            lock (received)
            {
                received.Add(change);
            }
            return Task.CompletedTask;
        });

    /// <summary>Runs <paramref name="body"/> against a fresh world of the cross-domain topology, with every posture change collected.</summary>
    private static async Task WatchedWorldAsync(string world, Func<BulwarkClient, List<PostureChange>, Task> body)
    {
        await using var cluster = await ClusterAsync();
        try
        {
            var client = new BulwarkClient(cluster.Client, world);
            await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
            var received = new List<PostureChange>();
            await using var subscription = await CollectAsync(client, received);
            await body(client, received);
        }
        finally
        {
            (s_refusing, s_domainFailing, s_holdUntilNoticed) = (false, false, null);
            await cluster.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task PostureStreamCache_KeepsAMinuteBehindTheNewestChange_NotHalfAnHour()
    {
        // Orleans's default (30 minutes) grew a silo under steady reports by about 3.5 MB a second (docs/BENCHMARKS.md).
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddBulwarkGrainServices());
        await using var cluster = builder.Build();
        await cluster.DeployAsync(TestContext.Current.CancellationToken);
        try
        {
            var options = cluster.Silos[0].ServiceProvider.GetRequiredService<IOptionsMonitor<StreamCacheEvictionOptions>>().Get(BulwarkStreams.Provider);
            Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(1)), (options.DataMinTimeInCache, options.DataMaxAgeInCache));
        }
        finally
        {
            await cluster.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task StreamRefusingChanges_ReportsStillSucceed_AndWatchersGetOneChangePerNodeOnceItTakesThemAgain()
    {
        await WatchedWorldAsync("t-backlog", async (client, received) =>
        {
            s_refusing = true;
            // A batch through the segments, a single report with a cascade to c2 and ws, and a second change of cable-1.
            await client.ReportAsync([new Observation("B/telecom/cable-1", NodeStatus.Down, T0.AddMinutes(1), null, "test")], TestContext.Current.CancellationToken);
            await client.ReportAsync(new Observation("A/power/sub-1", NodeStatus.Down, T0.AddMinutes(2), null, "test"));
            await client.ReportAsync([new Observation("B/telecom/cable-1", NodeStatus.Compromised, T0.AddMinutes(3), "T1190", "test")],
                TestContext.Current.CancellationToken);

            // Applied and counted although no watcher has them: c2 and ws are down a dependency.
            await Eventually.HoldsAsync(async () =>
            {
                var tally = (await client.GetAlliancePostureAsync()).Tally;
                return (tally.Count(NodeStatus.Down), tally.Count(NodeStatus.Degraded), tally.Count(NodeStatus.Compromised), tally.OperationalWeight)
                    == (1, 2, 1, 22 - 4 - 5 - 1);
            }, "the alliance to count sub-1 down, c2 and ws degraded, cable-1 compromised");
            lock (received)
            {
                Assert.Empty(received);
            }

            s_refusing = false;
            await Eventually.HoldsAsync(() => Task.FromResult(Count(received) >= 4), "the four nodes' changes on the stream");
            // Anything published twice would have come with the same forward.
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            List<PostureChange> changes;
            lock (received)
            {
                changes = [.. received.OrderBy(c => c.Node, StringComparer.Ordinal)];
            }
            Assert.Equal(
                [
                    ("A/mil/c2", NodeStatus.Healthy, NodeStatus.Degraded, "dependency:A/power/sub-1"),
                    ("A/mil/ws", NodeStatus.Healthy, NodeStatus.Degraded, "dependency:A/mil/c2"),
                    ("A/power/sub-1", NodeStatus.Healthy, NodeStatus.Down, "test"),
                    // Down and then compromised while the stream refused: one change, from what watchers last saw to the newest.
                    ("B/telecom/cable-1", NodeStatus.Healthy, NodeStatus.Compromised, "test"),
                ],
                changes.Select(c => (c.Node, c.From, c.To, c.Source)));
            var cable = changes[3];
            Assert.Equal((T0.AddMinutes(3), "T1190"), (cable.Time, cable.Technique));
            // The capabilities are those of the forward that published them: every change is in.
            Assert.All(changes, c => Assert.Equal(12.0 / 22, c.AllianceCapability));
        });
    }

    [Fact]
    public async Task SegmentForwardFailing_TallyAndChangeGoUpASecondLater_WithoutAnotherReport()
    {
        await WatchedWorldAsync("t-domain-away", async (client, received) =>
        {
            s_domainFailing = true;
            // The node has the observation, but the segment could not send it up: the reporter is told.
            await Assert.ThrowsAnyAsync<Exception>(() => client.ReportAsync(
                [new Observation("B/telecom/cable-2", NodeStatus.Down, T0.AddMinutes(1), null, "test")], TestContext.Current.CancellationToken));
            Assert.Equal(NodeStatus.Down, (await client.GetNodeAsync("B/telecom/cable-2")).Status);
            Assert.Equal(0, (await client.GetAlliancePostureAsync()).Tally.Count(NodeStatus.Down));
            s_domainFailing = false;

            // No other report: the segment's retry carries the tally up and publishes the change.
            await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Count(NodeStatus.Down) == 1,
                "the alliance to count cable-2 down");
            await Eventually.HoldsAsync(() => Task.FromResult(Count(received) >= 1), "cable-2's change on the stream");
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            lock (received)
            {
                var change = Assert.Single(received);
                Assert.Equal(("B/telecom/cable-2", NodeStatus.Healthy, NodeStatus.Down, 19.0 / 22), (change.Node, change.From, change.To, change.AllianceCapability));
            }
        });
    }

    [Fact]
    public async Task NodeAndItsDependencyInOneBatch_NoticeOvertakesTheSegment_WatchersStillGetTheNodesChange()
    {
        await WatchedWorldAsync("t-overtaken", async (client, received) =>
        {
            // c2 is reported detected and, in the same batch, sub-1 (which c2 depends on) down. Held here: sub-1's
            // notice reaches c2 and c2 pushes its newer brief before the segment has c2's answer to the batch.
            (s_observed, s_noticed) = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
            s_holdUntilNoticed = "t-overtaken/A/mil/c2";
            await client.ReportAsync(
                [
                    new Observation("A/mil/c2", NodeStatus.Detected, T0.AddMinutes(1), "T1190", "test"),
                    new Observation("A/power/sub-1", NodeStatus.Down, T0.AddMinutes(1), null, "test"),
                ], TestContext.Current.CancellationToken);
            Assert.True(s_noticed.Task.IsCompleted, "the notice reached c2 while the segment waited");

            await Eventually.HoldsAsync(() => Task.FromResult(Count(received) >= 3), "the three nodes' changes on the stream");
            await Task.Delay(TimeSpan.FromMilliseconds(500), TestContext.Current.CancellationToken);
            lock (received)
            {
                // c2 stays detected (its own report) but is no longer operational; ws, which needs c2, degrades.
                Assert.Equal(
                    [
                        ("A/mil/c2", NodeStatus.Healthy, NodeStatus.Detected),
                        ("A/mil/ws", NodeStatus.Healthy, NodeStatus.Degraded),
                        ("A/power/sub-1", NodeStatus.Healthy, NodeStatus.Down),
                    ],
                    received.OrderBy(c => c.Node, StringComparer.Ordinal).Select(c => (c.Node, c.From, c.To)));
            }
        });
    }

    private static int Count(List<PostureChange> received)
    {
        lock (received)
        {
            return received.Count;
        }
    }
}
