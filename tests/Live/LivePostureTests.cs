using System.Collections.Immutable;
using Bulwark.Client;
using Bulwark.Grains;
using Bulwark.Grains.Live;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Bulwark.Scenarios.Generators;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Live;

[Collection(ClusterTests.Name)]
public sealed class LivePostureTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private async Task<(BulwarkClient Client, TopologyDefinition Topology)> WorldAsync(string world, string yaml = TestTopologies.CrossDomain)
    {
        var client = new BulwarkClient(fixture.Client, world);
        var topology = TestTopologies.Parse(yaml);
        await client.LoadTopologyAsync(topology, TestContext.Current.CancellationToken);
        return (client, topology);
    }

    private static Observation Obs(string node, NodeStatus status, int minute, string? technique = null) =>
        new(node, status, T0.AddMinutes(minute), technique, "test");

    private static Task<IngestResult> ReportBatchAsync(BulwarkClient client, Observation[] observations) =>
        client.ReportAsync(observations, TestContext.Current.CancellationToken);

    /// <summary>Waits until every node's state is what the fixed-point oracle works out from the reported statuses.</summary>
    private static async Task MatchesOracleAsync(BulwarkClient client, TopologyDefinition topology, string because)
    {
        List<string> wrong = [];
        try
        {
            await Eventually.HoldsAsync(async () =>
            {
                var views = await Recount.NodesAsync(client, topology);
                var expected = DependencyOracle.Evaluate(topology, views.ToDictionary(p => p.Key, p => p.Value.Reported, StringComparer.Ordinal));
                wrong = [.. views.Values.Where(v => expected[v.Definition.Id] != (v.Status, v.Operational))
                    .Select(v => $"{v.Definition.Id}: {v.Status}/{v.Operational}, expected {expected[v.Definition.Id]}")];
                return wrong.Count == 0;
            }, $"every node as the oracle works it out from the reports {because}");
        }
        catch (Exception e) when (wrong.Count > 0)
        {
            throw new Xunit.Sdk.XunitException($"{e.Message}; still different: {string.Join("; ", wrong.Take(10))}");
        }
    }

    private static async Task SettledAsync(BulwarkClient client, TopologyDefinition topology, string because)
    {
        string? difference = null;
        try
        {
            await Eventually.HoldsAsync(async () => (difference = await Recount.DifferenceAsync(client, topology)) is null,
                $"posture to equal the recount from node states {because}");
        }
        catch (Exception e) when (difference is not null)
        {
            Assert.Fail($"{e.Message} (last difference: {difference})");
        }
    }

    [Fact]
    public async Task LoadTopology_AllHealthy_CapabilityOne()
    {
        var (client, _) = await WorldAsync("t-load");

        var posture = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);

        Assert.Equal(7, posture.Tally.Nodes);
        Assert.Equal(7, posture.Tally.Count(NodeStatus.Healthy));
        Assert.Equal((22L, 22L), (posture.Tally.TotalWeight, posture.Tally.OperationalWeight));
        Assert.Equal(1.0, posture.Tally.Capability);
        Assert.Equal(["A", "B"], posture.Children.Select(c => c.Id));
        var info = await client.GetWorldAsync(TestContext.Current.CancellationToken);
        Assert.Equal(new WorldInfo("t-load", "cross-domain", 1, 2, 3, 7, 5), info);
    }

    [Fact]
    public async Task Observe_Compromise_CountsAndKeepsCapability()
    {
        var (client, topology) = await WorldAsync("t-compromise");

        var result = await client.ReportAsync(Obs("B/telecom/router", NodeStatus.Compromised, 1, "T1190"), TestContext.Current.CancellationToken);

        Assert.Equal(new IngestResult(1, 1, 0, 1), result);
        var b = await client.GetDomainPostureAsync("B", TestContext.Current.CancellationToken);
        Assert.Equal(1, b.Tally.Count(NodeStatus.Compromised));
        Assert.Equal(1.0, b.Tally.Capability);
        var view = await client.GetNodeAsync("B/telecom/router", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Compromised, NodeStatus.Compromised, true), (view.Reported, view.Status, view.Operational));
        var entry = Assert.Single(view.History);
        Assert.Equal(new HistoryEntry(T0.AddMinutes(1), NodeStatus.Healthy, NodeStatus.Compromised, NodeStatus.Compromised, "T1190", "test", false, true), entry);
        await SettledAsync(client, topology, "after one compromise");
    }

    [Fact]
    public async Task Observe_SubstationDown_CascadesAcrossDomainsAndRecovers()
    {
        var (client, topology) = await WorldAsync("t-cascade");

        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 1), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/mil/ws")).Status == NodeStatus.Degraded,
            "A/mil/ws degraded two hops down from A/power/sub-1");
        await SettledAsync(client, topology, "after sub-1 went down");
        var alliance = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal([4, 0, 0, 0, 2, 1, 0], alliance.Tally.ByStatus);
        Assert.Equal(12.0 / 22.0, alliance.Tally.Capability);
        Assert.Equal(4.0 / 14.0, (await client.GetDomainPostureAsync("A", TestContext.Current.CancellationToken)).Tally.Capability);

        // B's router depends on A's other substation: a cascade from A into B.
        await client.ReportAsync(Obs("A/power/sub-2", NodeStatus.Down, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("B/telecom/router")).Status == NodeStatus.Degraded,
            "B/telecom/router degraded by A/power/sub-2");
        await SettledAsync(client, topology, "after sub-2 went down");
        Assert.Equal(6.0 / 8.0, (await client.GetDomainPostureAsync("B", TestContext.Current.CancellationToken)).Tally.Capability);

        // Both cables down keep c2 degraded even once its substation is back.
        await ReportBatchAsync(client, [Obs("B/telecom/cable-1", NodeStatus.Down, 3), Obs("B/telecom/cable-2", NodeStatus.Down, 3),
            Obs("A/power/sub-1", NodeStatus.Healthy, 4)]);
        await SettledAsync(client, topology, "after the cables went down and sub-1 came back");
        var c2 = await client.GetNodeAsync("A/mil/c2", TestContext.Current.CancellationToken);
        Assert.Equal(NodeStatus.Degraded, c2.Status);
        Assert.Equal(["B/telecom/cable-1", "B/telecom/cable-2"], c2.FailedDependencies);

        // One cable back satisfies the any-of group: c2 and ws recover.
        await client.ReportAsync(Obs("B/telecom/cable-2", NodeStatus.Healthy, 5), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/mil/ws")).Status == NodeStatus.Healthy,
            "A/mil/ws healthy again once c2 has power and a cable");
        await ReportBatchAsync(client, [Obs("A/power/sub-2", NodeStatus.Healthy, 6), Obs("B/telecom/cable-1", NodeStatus.Healthy, 6)]);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0,
            "alliance capability back to 1 once everything is restored");
        await SettledAsync(client, topology, "after full recovery");
        Assert.Equal([7, 0, 0, 0, 0, 0, 0], (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally.ByStatus);
        // ws only ever changed through c2, and ended healthy through it.
        var ws = await client.GetNodeAsync("A/mil/ws", TestContext.Current.CancellationToken);
        Assert.All(ws.History, h => Assert.Equal("dependency:A/mil/c2", h.Source));
        Assert.Equal((NodeStatus.Degraded, NodeStatus.Healthy), (ws.History[^1].From, ws.History[^1].To));
    }

    [Fact]
    public async Task Observe_CompromisedNodeLosesDependency_StaysCompromisedButNotOperational()
    {
        var (client, topology) = await WorldAsync("t-compromised-dep");

        await ReportBatchAsync(client, [Obs("A/mil/c2", NodeStatus.Compromised, 1, "T1078"), Obs("A/power/sub-1", NodeStatus.Isolated, 2)]);

        await Eventually.HoldsAsync(async () => !(await client.GetNodeAsync("A/mil/c2")).Operational, "c2 not operational");
        var c2 = await client.GetNodeAsync("A/mil/c2", TestContext.Current.CancellationToken);
        Assert.Equal(NodeStatus.Compromised, c2.Status);
        await SettledAsync(client, topology, "after isolation");
        Assert.Equal(1, (await client.GetDomainPostureAsync("A", TestContext.Current.CancellationToken)).Tally.Count(NodeStatus.Compromised));
    }

    [Fact]
    public async Task Observe_DependencyCycle_DoesNotDeadlockAndRecoversThroughAlternative()
    {
        var (client, topology) = await WorldAsync("t-cycle", TestTopologies.PowerCycle);

        // Both ends of the cycle reported at once from two reporters.
        await Task.WhenAll(
            client.ReportAsync(Obs("A/s/power", NodeStatus.Down, 1), TestContext.Current.CancellationToken),
            client.ReportAsync(Obs("A/s/telecom", NodeStatus.Down, 1), TestContext.Current.CancellationToken));
        await SettledAsync(client, topology, "after the cycle broke");
        Assert.Equal(NodeStatus.Degraded, (await client.GetNodeAsync("A/s/scada", TestContext.Current.CancellationToken)).Status);

        await ReportBatchAsync(client, [Obs("A/s/power", NodeStatus.Healthy, 2), Obs("A/s/telecom", NodeStatus.Healthy, 2)]);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0,
            "the cycle to restart through its any-of alternative (backup)");
        await SettledAsync(client, topology, "after the cycle restarted");
    }

    [Fact]
    public async Task Observe_CycleHeldDownOnlyByItself_RecoversWhenWhatBrokeItDoes()
    {
        var (client, topology) = await WorldAsync("t-stuck-cycle", TestTopologies.ClosedCycle);

        await client.ReportAsync(Obs("A/s/feed", NodeStatus.Down, 1), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 0.0, "the cycle and ws down with feed");
        Assert.Equal(["A/s/b", "A/s/feed"], (await client.GetNodeAsync("A/s/a", TestContext.Current.CancellationToken)).FailedDependencies);

        // feed comes back: a is then held down by b alone, and b by a alone.
        await client.ReportAsync(Obs("A/s/feed", NodeStatus.Healthy, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0,
            "the cycle to come back once nothing it reports holds it down");
        await SettledAsync(client, topology, "after the cycle came back");
        foreach (var id in new[] { "A/s/a", "A/s/b", "A/s/ws" })
        {
            var node = await client.GetNodeAsync(id, TestContext.Current.CancellationToken);
            Assert.Equal((NodeStatus.Healthy, true, 0), (node.Status, node.Operational, node.FailedDependencies.Length));
        }
        // The recovery frees a and b at once; one of them may hear the other's notice before its own call and be freed
        // by that notice. At least one is freed by the recovery.
        var a = (await client.GetNodeAsync("A/s/a", TestContext.Current.CancellationToken)).History[^1];
        var b = (await client.GetNodeAsync("A/s/b", TestContext.Current.CancellationToken)).History[^1];
        Assert.Equal([(NodeStatus.Degraded, NodeStatus.Healthy), (NodeStatus.Degraded, NodeStatus.Healthy)], new[] { (a.From, a.To), (b.From, b.To) });
        Assert.True(a.Source is "cycle-recovery" or "dependency:A/s/b", a.Source);
        Assert.True(b.Source is "cycle-recovery" or "dependency:A/s/a", b.Source);
        Assert.Contains("cycle-recovery", new[] { a.Source, b.Source });

        // A topology load counts as a generation; the recovery does not, and freed a and b without settling the whole world.
        Assert.Equal(1L, (await client.GetWorldAsync(TestContext.Current.CancellationToken)).Generation);
        Assert.Equal(1L, await fixture.Client.GetGrain<IWorldGrain>("t-stuck-cycle").GetGenerationAsync());
        // a asked when feed came back, and was still held down (by b) when the world checked.
        await Eventually.HoldsAsync(async () => await CycleChecksAsync("t-stuck-cycle") == new CycleChecks(1, 0), "one recovery, none spared");
    }

    [Fact]
    public async Task Observe_CycleMemberFreedByNoticesBeforeTheCheck_SparesTheRecovery()
    {
        var (client, topology) = await WorldAsync("t-freed-cycle", TestTopologies.CycleWithWayOut);

        await ReportBatchAsync(client, [Obs("A/s/a", NodeStatus.Down, 1), Obs("A/s/feed", NodeStatus.Down, 1)]);
        await Eventually.HoldsAsync(async () => !(await client.GetNodeAsync("A/s/b")).Operational, "b held down by a and feed");

        // a comes back but is held down by b, which is held down by a: a asks for a cycle check. Within the check's
        // delay (1 s) feed comes back, b is up through its alternative, and b's notice frees a.
        await client.ReportAsync(Obs("A/s/a", NodeStatus.Healthy, 2), TestContext.Current.CancellationToken);
        Assert.True(await fixture.Client.GetGrain<INodeGrain>(EntityId.Key("t-freed-cycle", "A/s/a")).IsHeldDownAsync());
        await client.ReportAsync(Obs("A/s/feed", NodeStatus.Healthy, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0, "feed to free b and a");

        // When the check comes, the node that asked is up: no recovery, which would have changed nothing.
        await Eventually.HoldsAsync(async () => await CycleChecksAsync("t-freed-cycle") != new CycleChecks(0, 0), "the cycle check");
        Assert.Equal(new CycleChecks(0, 1), await CycleChecksAsync("t-freed-cycle"));
        Assert.DoesNotContain((await client.GetNodeAsync("A/s/a", TestContext.Current.CancellationToken)).History, h => h.Source == "cycle-recovery");
        await SettledAsync(client, topology, "after feed came back");
    }

    [Fact]
    public async Task Observe_CycleCheckedWhileRightlyDown_IsCheckedAgainWhenTheLastFeedReturns()
    {
        var (client, topology) = await WorldAsync("t-fed-twice", TestTopologies.CycleFedTwice);

        await ReportBatchAsync(client, [Obs("A/s/feed1", NodeStatus.Down, 1), Obs("A/s/feed2", NodeStatus.Down, 1)]);
        await Eventually.HoldsAsync(async () => !(await client.GetNodeAsync("A/s/b")).Operational, "a and b down with the feeds");

        // feed1 comes back: a asks, and the check finds it rightly down (feed2 still is): nothing to free.
        await client.ReportAsync(Obs("A/s/feed1", NodeStatus.Healthy, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => await CycleChecksAsync("t-fed-twice") != new CycleChecks(0, 0), "the first check");
        Assert.False((await client.GetNodeAsync("A/s/a", TestContext.Current.CancellationToken)).Operational);

        // feed2 comes back: a is held down by b alone, and b by a alone. a must ask again.
        await client.ReportAsync(Obs("A/s/feed2", NodeStatus.Healthy, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0,
            "the cycle to come back once both feeds have");
        await SettledAsync(client, topology, "after both feeds came back");
        await Eventually.HoldsAsync(async () => await CycleChecksAsync("t-fed-twice") == new CycleChecks(2, 0), "two recoveries, none spared");
    }

    [Fact]
    public async Task Observe_RingOfEightyHeldDownByItself_TheWholeWorldIsSettledAgain()
    {
        // n00 needs n01, n01 needs n02, ... n79 needs n00: one cycle of 80 nodes.
        var nodes = Enumerable.Range(0, 80).Select(i =>
            $"              - {{id: n{i:00}, kind: power-substation, owner: civilian, criticality: 1, depends: [{{all-of: [n{(i + 1) % 80:00}]}}]}}");
        var yaml = "domains:\n  - id: A\n    kind: nation\n    segments:\n      - id: s\n        sector: energy\n        nodes:\n"
            + string.Join("\n", nodes) + "\n";
        var (client, topology) = await WorldAsync("t-ring", yaml);

        await client.ReportAsync(Obs("A/s/n00", NodeStatus.Down, 1), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 0.0, "the whole ring down");

        // n00 comes back, held down by n01, which the ring holds down: all 80 nodes must be freed, more than the 64
        // a recovery frees one by one, so the world is settled whole, as a load does (its grains' generation moves).
        await client.ReportAsync(Obs("A/s/n00", NodeStatus.Healthy, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0, "the ring back up");
        await SettledAsync(client, topology, "after the ring came back");
        // The world counts the recovery once the settling has written its state, a little after the nodes settled.
        await Eventually.HoldsAsync(async () => await CycleChecksAsync("t-ring") == new CycleChecks(1, 0), "one recovery, none spared");
        Assert.Equal((1L, 2L), ((await client.GetWorldAsync(TestContext.Current.CancellationToken)).Generation,
            await fixture.Client.GetGrain<IWorldGrain>("t-ring").GetGenerationAsync()));
        var n40 = await client.GetNodeAsync("A/s/n40", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Degraded, NodeStatus.Healthy, "cycle-recovery"), (n40.History[^1].From, n40.History[^1].To, n40.History[^1].Source));
    }

    private async Task<CycleChecks> CycleChecksAsync(string world) =>
        await fixture.Client.GetGrain<IWorldGrain>(world).GetCycleChecksAsync();

    [Fact]
    public async Task Observe_OlderThanNewest_IsStaleAndKeptInHistoryOnly()
    {
        var (client, _) = await WorldAsync("t-stale");

        await client.ReportAsync(Obs("B/telecom/cable-1", NodeStatus.Down, 10), TestContext.Current.CancellationToken);
        var result = await client.ReportAsync(Obs("B/telecom/cable-1", NodeStatus.Healthy, 5), TestContext.Current.CancellationToken);

        Assert.Equal(new IngestResult(1, 0, 1, 0), result);
        var view = await client.GetNodeAsync("B/telecom/cable-1", TestContext.Current.CancellationToken);
        Assert.Equal(NodeStatus.Down, view.Status);
        Assert.Equal(T0.AddMinutes(10), view.LastObserved);
        Assert.Equal([false, true], view.History.Select(h => h.Stale));
    }

    [Fact]
    public async Task Report_BatchOutOfOrder_AppliesInTimeOrder()
    {
        var (client, _) = await WorldAsync("t-order");

        var result = await ReportBatchAsync(client, [Obs("B/telecom/cable-1", NodeStatus.Healthy, 3), Obs("B/telecom/cable-1", NodeStatus.Down, 1),
            Obs("B/telecom/cable-1", NodeStatus.Isolated, 2)]);

        Assert.Equal(new IngestResult(3, 3, 0, 0), result);
        var view = await client.GetNodeAsync("B/telecom/cable-1", TestContext.Current.CancellationToken);
        Assert.Equal(NodeStatus.Healthy, view.Status);
        Assert.Equal([NodeStatus.Down, NodeStatus.Isolated, NodeStatus.Healthy], view.History.Select(h => h.To));
    }

    [Fact]
    public async Task Report_UnknownNode_ThrowsAndAppliesNothing()
    {
        var (client, _) = await WorldAsync("t-unknown");

        var single = await Assert.ThrowsAsync<UnknownNodesException>(() => client.ReportAsync(Obs("A/power/sub-9", NodeStatus.Down, 1), TestContext.Current.CancellationToken));
        Assert.Equal("unknown node 'A/power/sub-9' in world 't-unknown'", single.Message);

        var batch = await Assert.ThrowsAsync<UnknownNodesException>(() => ReportBatchAsync(client,
            [Obs("A/power/sub-1", NodeStatus.Down, 1), Obs("Z/x/y", NodeStatus.Down, 1), Obs("A/power/nope", NodeStatus.Down, 1)]));
        Assert.Equal(["A/power/nope", "Z/x/y"], batch.Nodes);
        Assert.Equal("unknown nodes in world 't-unknown': A/power/nope, Z/x/y", batch.Message);

        Assert.Equal(1.0, (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally.Capability);
        Assert.Empty((await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken)).History);
    }

    [Fact]
    public async Task Reads_UnknownScopesAndBadIds_AreClearErrors()
    {
        var (client, _) = await WorldAsync("t-reads");

        Assert.Equal("unknown domain 'C' in world 't-reads'",
            (await Assert.ThrowsAsync<UnknownScopeException>(() => client.GetDomainPostureAsync("C", TestContext.Current.CancellationToken))).Message);
        Assert.Equal("unknown segment 'A/nothing' in world 't-reads'",
            (await Assert.ThrowsAsync<UnknownScopeException>(() => client.GetSegmentPostureAsync("A/nothing", TestContext.Current.CancellationToken))).Message);
        Assert.Equal("unknown node 'A/mil/none' in world 't-reads'",
            (await Assert.ThrowsAsync<UnknownNodesException>(() => client.GetNodeAsync("A/mil/none", TestContext.Current.CancellationToken))).Message);
        await Assert.ThrowsAsync<InvalidRequestException>(() => client.GetNodeAsync("A/mil", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<InvalidRequestException>(() => client.ReportAsync(new Observation("A/mil/c2", NodeStatus.Down, T0, "TX"), TestContext.Current.CancellationToken));
        var empty = new BulwarkClient(fixture.Client, "t-empty");
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetAlliancePostureAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetDomainPostureAsync("A", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetSegmentPostureAsync("A/mil", TestContext.Current.CancellationToken));
        // A node of a world without a topology says so, as the aggregates do, not that the node is unknown.
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetNodeAsync("A/mil/c2", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.ReportAsync(new Observation("A/mil/c2", NodeStatus.Down, T0), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task DependencyNotices_FlippingACycleMemberOftenEnough_SettleTheWorldOnce()
    {
        // A ring of three (n0 needs n1, n1 needs n2, n2 needs n0). The test plays n1's notices to n0 as a pulse going
        // round would: down, up, down, … with versions above any n1 sends, so n1's own notices are stale at n0.
        const string name = "t-flip-settle";
        var yaml = "name: Flips\ndomains:\n  - id: R\n    kind: nation\n    segments:\n      - id: s\n        sector: energy\n        nodes:\n"
            + string.Concat(Enumerable.Range(0, 3).Select(i =>
                $"          - {{id: n{i}, kind: server, owner: civilian, depends: [{{all-of: [R/s/n{(i + 1) % 3}]}}]}}\n"));
        var (client, _) = await WorldAsync(name, yaml);
        var world = fixture.Client.GetGrain<IWorldGrain>(name);
        var generation = await world.GetGenerationAsync();
        var checks = await world.GetCycleChecksAsync();
        var n0 = fixture.Client.GetGrain<INodeGrain>(EntityId.Key(name, "R/s/n0"));

        for (var flip = 1; flip <= NodeGrain.NoticeFlipsBeforeSettling; flip++)
        {
            var operational = flip % 2 == 0;
            await n0.DependencyChangedAsync(generation, "R/s/n1", operational, 1_000 + flip, T0.AddMinutes(flip));
            // One at a time: a notice is one-way, and one overtaken by the next would be stale and no flip.
            await Eventually.HoldsAsync(async () => (await n0.GetDependencyStateAsync()).Operational == operational,
                $"n0 to take flip {flip}");
        }

        // The 64th flip asked the world to settle: one recovery, in a new generation, every node up from what it reports.
        await Eventually.HoldsAsync(async () => await world.GetGenerationAsync() > generation,
            "the world to settle itself in a new generation", TimeSpan.FromSeconds(30));
        Assert.Equal(generation + 1, await world.GetGenerationAsync());
        Assert.Equal(checks with { Recovered = checks.Recovered + 1 }, await world.GetCycleChecksAsync());
        var state = await n0.GetDependencyStateAsync();
        Assert.Equal((generation + 1, true, 0), (state.Generation, state.Operational, state.FailedDependencies.Length));
        var posture = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal((1.0, 3), (posture.Tally.Capability, posture.Tally.Count(NodeStatus.Healthy)));
    }

    [Fact]
    public async Task Observe_DownAndUpAtOnceOnARing_EndsWithTheRingUpAndQuiet()
    {
        // A ring of 2,000 nodes, each depending on the next, and n0 down and up again at once. What follows depends on
        // timing, and each outcome has its own cure: the pair of notices goes round (the world settles itself, above),
        // or the down comes back before the up and the ring latches (the cycle recovery frees it), or a node takes the
        // up before the down, which is then stale, and the pulse ends there. In every case the ring ends up and quiet.
        const int size = 2_000;
        var yaml = "name: Ring\ndomains:\n  - id: R\n    kind: nation\n    segments:\n      - id: s\n        sector: energy\n        nodes:\n"
            + string.Concat(Enumerable.Range(0, size).Select(i =>
                $"          - {{id: n{i}, kind: server, owner: civilian, depends: [{{all-of: [R/s/n{(i + 1) % size}]}}]}}\n"));
        var (client, _) = await WorldAsync("t-pulse-ring", yaml);
        var n0 = fixture.Client.GetGrain<INodeGrain>(EntityId.Key("t-pulse-ring", "R/s/n0"));

        // Both reports are queued at n0 before it takes the first, so it takes the up one turn after the down.
        var down = n0.ObserveAsync([Obs("R/s/n0", NodeStatus.Down, 0)]);
        var up = n0.ObserveAsync([Obs("R/s/n0", NodeStatus.Healthy, 1)]);
        await down;
        await up;

        var half = fixture.Client.GetGrain<INodeGrain>(EntityId.Key("t-pulse-ring", $"R/s/n{size / 2}"));
        await Eventually.HoldsAsync(async () =>
        {
            var before = await half.GetDependencyStateAsync();
            await Task.Delay(TimeSpan.FromSeconds(1), TestContext.Current.CancellationToken);
            var after = await half.GetDependencyStateAsync();
            return before.OperationalVersion == after.OperationalVersion && before.Generation == after.Generation && after.Operational;
        }, "the notices to stop going round", TimeSpan.FromSeconds(90));
        var posture = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal((1.0, size), (posture.Tally.Capability, posture.Tally.Count(NodeStatus.Healthy)));
    }

    [Fact]
    public async Task MistypedWorld_ReadAndReportedTo_LeavesNoGrainActive()
    {
        var empty = new BulwarkClient(fixture.Client, "t-typo");
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetAlliancePostureAsync(TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetDomainPostureAsync("A", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetSegmentPostureAsync("A/mil", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetNodeAsync("A/mil/c2", TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.ReportAsync(new Observation("A/mil/c2", NodeStatus.Down, T0), TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.ReportAsync([new Observation("A/mil/c2", NodeStatus.Down, T0)], TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<NoTopologyException>(() => empty.GetWorldAsync(TestContext.Current.CancellationToken));

        // The world, its aggregates and the node are kept alive once loaded, but not for a name that has no topology.
        // (The ingest grain is a stateless worker, collected when idle like any other grain.)
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var active = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            active = [.. (await management.GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken))
                .Where(s => s.GrainId.Key.ToString()!.StartsWith("t-typo", StringComparison.Ordinal) && s.GrainId.Type.ToString() != "bulwark.ingest")
                .Select(s => s.GrainId.ToString()).Order(StringComparer.Ordinal)];
            return active.Count == 0;
        }, "no grain of world t-typo active but the ingest worker");

        // And the world is still one a load can give a topology.
        var (client, _) = await WorldAsync("t-typo");
        Assert.Equal(1.0, (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally.Capability);
    }

    [Fact]
    public async Task Report_EightConcurrentReporters_PostureEqualsRecount()
    {
        var yaml = File.ReadAllText(TestTopologies.LibraryPath());
        var (client, topology) = await WorldAsync("t-concurrent", yaml);
        var nodes = topology.AllNodes.Select(n => n.Id).ToArray();
        var statuses = Enum.GetValues<NodeStatus>();

        var reporters = Enumerable.Range(0, 8).Select(async reporter =>
        {
            var mix = new SplitMix64((ulong)reporter + 1);
            var sent = 0;
            for (var batch = 0; batch < 25; batch++)
            {
                // Each reporter alternates single calls and batches.
                var observations = Enumerable.Range(0, 50).Select(i => new Observation(nodes[mix.Below(nodes.Length)],
                    statuses[mix.Below(statuses.Length)], T0.AddSeconds(mix.Below(100_000)), "T1190", $"reporter-{reporter}")).ToArray();
                if (batch % 2 == 0)
                {
                    sent += (await ReportBatchAsync(client, observations)).Accepted;
                }
                else
                {
                    foreach (var observation in observations)
                    {
                        sent += (await client.ReportAsync(observation)).Accepted;
                    }
                }
            }
            return sent;
        }).ToArray();

        Assert.Equal(10_000, (await Task.WhenAll(reporters)).Sum());
        await SettledAsync(client, topology, "after 10,000 observations from 8 reporters");
        // The library topology has dependency cycles: those the reports leave down only through themselves come back up.
        await MatchesOracleAsync(client, topology, "after 10,000 observations from 8 reporters");
        await SettledAsync(client, topology, "after the cycles were checked");
        var alliance = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal(373, alliance.Tally.Nodes);
        Assert.True(alliance.Tally.Count(NodeStatus.Healthy) < 373, "random observations must have changed some nodes");
    }

    [Fact]
    public async Task Watch_OperationalChangeWithoutStatusChange_IsStreamed()
    {
        // The router (2 of B/telecom's 8) depends on A/power/sub-2. Compromised, it stays compromised when sub-2 fails,
        // but no longer counts: watchers must get the new figures, and again when sub-2 is back.
        var (client, _) = await WorldAsync("t-watch-operational");
        await using var watcher = await Watcher.StartAsync(client);
        List<PostureChange> Router() => [.. watcher.Received.Where(c => c.Node == "B/telecom/router")];

        await client.ReportAsync(Obs("B/telecom/router", NodeStatus.Compromised, 1, "T1190"), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(() => Task.FromResult(Router().Count == 1), "the router's compromise on the stream");
        await client.ReportAsync(Obs("A/power/sub-2", NodeStatus.Down, 2), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(() => Task.FromResult(Router().Count == 2), "the router no longer operational, on the stream");
        await client.ReportAsync(Obs("A/power/sub-2", NodeStatus.Healthy, 3), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(() => Task.FromResult(Router().Count == 3), "the router operational again, on the stream");

        Assert.Equal(
            [
                (NodeStatus.Healthy, NodeStatus.Compromised, true, 1.0, "test"),
                (NodeStatus.Compromised, NodeStatus.Compromised, false, 6.0 / 8, "dependency:A/power/sub-2"),
                (NodeStatus.Compromised, NodeStatus.Compromised, true, 1.0, "dependency:A/power/sub-2"),
            ],
            Router().Select(c => (c.From, c.To, c.Operational, c.SegmentCapability, c.Source)));
    }

    [Fact]
    public async Task TopologyLoad_StatusItChanges_IsStreamedAndInTheNodesHistory()
    {
        // c2 depends on sub-1 (all-of) and ws on c2: sub-1 down degrades both. A load of the topology without that
        // dependency brings both back, and watchers and the nodes' history must say so.
        var (client, _) = await WorldAsync("t-watch-load");
        await using var watcher = await Watcher.StartAsync(client);
        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 1), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(() => Task.FromResult(watcher.Received.Count == 3), "sub-1, c2 and ws on the stream");
        watcher.Clear();
        var without = System.Text.RegularExpressions.Regex.Replace(TestTopologies.CrossDomain, @"\n *- all-of: \[power/sub-1\]", "");
        Assert.NotEqual(TestTopologies.CrossDomain, without);

        await client.LoadTopologyAsync(TestTopologies.Parse(without), TestContext.Current.CancellationToken);

        await Eventually.HoldsAsync(() => Task.FromResult(watcher.Received.Count >= 2), "the load's two changes on the stream");
        Assert.Equal(
            [
                ("A/mil/c2", NodeStatus.Degraded, NodeStatus.Healthy, true, "topology-load", 1.0),
                ("A/mil/ws", NodeStatus.Degraded, NodeStatus.Healthy, true, "topology-load", 1.0),
            ],
            watcher.Received.OrderBy(c => c.Node, StringComparer.Ordinal).Select(c => (c.Node, c.From, c.To, c.Operational, c.Source, c.SegmentCapability)));
        foreach (var id in new[] { "A/mil/c2", "A/mil/ws" })
        {
            var view = await client.GetNodeAsync(id, TestContext.Current.CancellationToken);
            Assert.Equal(NodeStatus.Healthy, view.Status);
            Assert.Equal((NodeStatus.Degraded, NodeStatus.Healthy, "topology-load"), (view.History[^1].From, view.History[^1].To, view.History[^1].Source));
        }
    }

    /// <summary>The posture changes a subscription has received, read safely while it runs.</summary>
    private sealed class Watcher : IAsyncDisposable
    {
        private readonly List<PostureChange> _received = [];
        private IAsyncDisposable? _subscription;

        public static async Task<Watcher> StartAsync(BulwarkClient client)
        {
            var watcher = new Watcher();
            watcher._subscription = await client.SubscribeAsync(change =>
            {
                lock (watcher._received)
                {
                    watcher._received.Add(change);
                }
                return Task.CompletedTask;
            }, TestContext.Current.CancellationToken);
            return watcher;
        }

        /// <summary>What has come so far, in order of arrival.</summary>
        public List<PostureChange> Received
        {
            get
            {
                lock (_received)
                {
                    return [.. _received];
                }
            }
        }

        public void Clear()
        {
            lock (_received)
            {
                _received.Clear();
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_subscription is not null)
            {
                await _subscription.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Watch_PostureChange_IsStreamedWithCapabilities()
    {
        var (client, _) = await WorldAsync("t-watch");
        var received = new List<PostureChange>();
        await using (await client.SubscribeAsync(change =>
        {
            lock (received)
            {
                received.Add(change);
            }
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken))
        {
            await client.ReportAsync(Obs("B/telecom/cable-1", NodeStatus.Compromised, 1), TestContext.Current.CancellationToken);
            await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 2), TestContext.Current.CancellationToken);
            await Eventually.HoldsAsync(() => Task.FromResult(received.Count >= 4), "four changes on the stream: cable-1, sub-1, and the cascade to c2 and ws");
            // A batch goes through the segments, which publish its changes.
            await ReportBatchAsync(client, [Obs("B/telecom/cable-2", NodeStatus.Down, 3)]);
            await Eventually.HoldsAsync(() => Task.FromResult(received.Count >= 5), "the batch's change on the stream");
        }

        var batched = received.Single(c => c.Node == "B/telecom/cable-2");
        Assert.Equal(new PostureChange("t-watch", "B/telecom/cable-2", NodeStatus.Healthy, NodeStatus.Down, T0.AddMinutes(3), null, "test",
            5.0 / 8, 5.0 / 8, 9.0 / 22, Operational: false), batched);
        received.Remove(batched);

        Assert.Equal(new PostureChange("t-watch", "B/telecom/cable-1", NodeStatus.Healthy, NodeStatus.Compromised, T0.AddMinutes(1), null, "test",
            1.0, 1.0, 1.0, Operational: true), received[0]);
        var rest = received.Skip(1).OrderBy(c => c.Node, StringComparer.Ordinal).ToArray();
        Assert.Equal(["A/mil/c2", "A/mil/ws", "A/power/sub-1"], rest.Select(c => c.Node));
        Assert.Equal((NodeStatus.Healthy, NodeStatus.Down), (rest[2].From, rest[2].To));
        Assert.Equal((NodeStatus.Healthy, NodeStatus.Degraded, "dependency:A/mil/c2"), (rest[1].From, rest[1].To, rest[1].Source));
        Assert.Equal((NodeStatus.Healthy, NodeStatus.Degraded, "dependency:A/power/sub-1"), (rest[0].From, rest[0].To, rest[0].Source));
    }

    [Fact]
    public async Task Watch_BatchChangingSeveralNodesOfASegment_EachChangeStreamedWithTheCapabilitiesAfterTheBatch()
    {
        var (client, _) = await WorldAsync("t-watch-batch");
        var received = new List<PostureChange>();
        await using (await client.SubscribeAsync(change =>
        {
            lock (received)
            {
                received.Add(change);
            }
            return Task.CompletedTask;
        }, TestContext.Current.CancellationToken))
        {
            // Both cables are in B/telecom; a compromised cable still carries c2's any-of, so nothing cascades.
            await ReportBatchAsync(client, [Obs("B/telecom/cable-1", NodeStatus.Down, 1), Obs("B/telecom/cable-2", NodeStatus.Compromised, 1, "T1190")]);
            await Eventually.HoldsAsync(() => Task.FromResult(received.Count >= 2), "both changes of the batch on the stream");
        }

        // Segment and domain B: router 2 + cable-2 3 of 8; alliance: 19 of 22.
        Assert.Equal(
            [
                new PostureChange("t-watch-batch", "B/telecom/cable-1", NodeStatus.Healthy, NodeStatus.Down, T0.AddMinutes(1), null, "test", 5.0 / 8, 5.0 / 8, 19.0 / 22, false),
                new PostureChange("t-watch-batch", "B/telecom/cable-2", NodeStatus.Healthy, NodeStatus.Compromised, T0.AddMinutes(1), "T1190", "test", 5.0 / 8, 5.0 / 8, 19.0 / 22, true),
            ],
            received.OrderBy(c => c.Node, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Observe_NodeDeactivated_StateSurvivesInStorage()
    {
        var (client, _) = await WorldAsync("t-persist");
        await client.ReportAsync(Obs("A/power/sub-2", NodeStatus.Isolated, 1, "T1133"), TestContext.Current.CancellationToken);
        var node = fixture.Client.GetGrain<INodeGrain>(EntityId.Key("t-persist", "A/power/sub-2"));

        // Writes are deferred by up to Bulwark:Live:PersistInterval; deactivation writes what is pending.
        await fixture.Cluster.DeactivateAsync(node);
        var view = await client.GetNodeAsync("A/power/sub-2", TestContext.Current.CancellationToken);

        Assert.Equal((NodeStatus.Isolated, T0.AddMinutes(1)), (view.Status, view.LastObserved));
        Assert.Equal("T1133", Assert.Single(view.History).Technique);
    }

    [Fact]
    public async Task Observe_NodeStaysActive_StateWrittenWithinPersistInterval()
    {
        var (client, _) = await WorldAsync("t-persist-behind");
        await client.ReportAsync(Obs("A/power/sub-2", NodeStatus.Down, 1, "T1485"), TestContext.Current.CancellationToken);
        var storage = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(BulwarkStorage.Name);
        var grainId = GrainId.Create("bulwark.node", EntityId.Key("t-persist-behind", "A/power/sub-2"));

        // The node stays active: only its write-behind timer can put the observation in storage.
        NodeState? stored = null;
        await Eventually.HoldsAsync(async () =>
        {
            var read = new GrainState<NodeState>(new NodeState());
            await storage.ReadStateAsync("node", grainId, read);
            stored = read.State;
            return read.State?.Reported == NodeStatus.Down;
        }, "the node's state to reach storage without a deactivation");

        Assert.Equal((NodeStatus.Down, (DateTimeOffset?)T0.AddMinutes(1), "T1485"), (stored!.Reported, stored.LastObserved, stored.History.Single().Technique ?? ""));
    }

    /// <summary>CrossDomain without B/telecom/router.</summary>
    private static TopologyDefinition WithoutRouter()
    {
        var full = TestTopologies.Parse(TestTopologies.CrossDomain);
        var telecom = full.Domains[1].Segments[0];
        return full with
        {
            Domains = [full.Domains[0], full.Domains[1] with { Segments = [telecom with { Nodes = telecom.Nodes.RemoveAt(2) }] }],
        };
    }

    [Fact]
    public async Task LoadTopology_Again_KeepsPostureOfKeptNodesAndRetiresRemovedOnes()
    {
        var (client, _) = await WorldAsync("t-reload");
        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 1, "T1485"), TestContext.Current.CancellationToken);
        await client.ReportAsync(Obs("B/telecom/router", NodeStatus.Compromised, 2, "T1190"), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/mil/ws")).Status == NodeStatus.Degraded, "the cascade to ws");

        var smaller = WithoutRouter();
        var info = await client.LoadTopologyAsync(smaller, TestContext.Current.CancellationToken);

        Assert.Equal((2L, 6), (info.Generation, info.Nodes));
        var sub1 = await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Down, NodeStatus.Down, (DateTimeOffset?)T0.AddMinutes(1)), (sub1.Reported, sub1.Status, sub1.LastObserved));
        Assert.Equal("T1485", Assert.Single(sub1.History).Technique);
        // The cascade is worked out again for the new topology: c2 needs sub-1, ws needs c2.
        var c2 = await client.GetNodeAsync("A/mil/c2", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Healthy, NodeStatus.Degraded, false), (c2.Reported, c2.Status, c2.Operational));
        Assert.Equal(["A/power/sub-1"], c2.FailedDependencies);
        Assert.Equal(NodeStatus.Degraded, (await client.GetNodeAsync("A/mil/ws", TestContext.Current.CancellationToken)).Status);
        // Operational: sub-2 (4) and the cables (3 + 3) of 20.
        var alliance = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal((6, 20L, 10L), (alliance.Tally.Nodes, alliance.Tally.TotalWeight, alliance.Tally.OperationalWeight));
        Assert.Equal((1, 2), (alliance.Tally.Count(NodeStatus.Down), alliance.Tally.Count(NodeStatus.Degraded)));
        Assert.Null(await Recount.DifferenceAsync(client, smaller));

        await Assert.ThrowsAsync<UnknownNodesException>(() => client.GetNodeAsync("B/telecom/router", TestContext.Current.CancellationToken));
        Assert.Equal(ImmutableArray.Create("B/telecom/router"), await client.FindUnknownAsync(["B/telecom/router", "A/mil/c2"], TestContext.Current.CancellationToken));

        // Later changes go through as usual: sub-1 back restores the cascade.
        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Healthy, 3), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetAlliancePostureAsync()).Tally.Capability == 1.0, "everything back after sub-1 recovered");
        await SettledAsync(client, smaller, "after sub-1 recovered");
    }

    [Fact]
    public async Task History_CompromisedNodeLosingADependency_SaysItIsNoLongerOperational()
    {
        var ct = TestContext.Current.CancellationToken;
        var (client, _) = await WorldAsync("t-history-operational");
        await client.ReportAsync(Obs("A/mil/c2", NodeStatus.Compromised, 1, "T1190"), ct);

        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 2), ct);
        await Eventually.HoldsAsync(async () => !(await client.GetNodeAsync("A/mil/c2")).Operational, "c2 to lose sub-1");
        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Healthy, 3), ct);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/mil/c2")).Operational, "c2 to have sub-1 back");

        var history = (await client.GetNodeAsync("A/mil/c2", ct)).History;
        Assert.Equal([
            (NodeStatus.Healthy, NodeStatus.Compromised, (bool?)true, "test"),
            (NodeStatus.Compromised, NodeStatus.Compromised, (bool?)false, "dependency:A/power/sub-1"),
            (NodeStatus.Compromised, NodeStatus.Compromised, (bool?)true, "dependency:A/power/sub-1"),
        ], history.Select(h => (h.From, h.To, h.Operational, h.Source)));
    }

    [Fact]
    public async Task LoadTopology_WithoutADomainOrSegment_TheyReadAsUnknownUntilLoadedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        var full = TestTopologies.Parse("""
            domains:
              - id: A
                kind: nation
                segments:
                  - {id: s, sector: energy, nodes: [{id: n, kind: server, owner: civilian}]}
                  - {id: t, sector: energy, nodes: [{id: m, kind: server, owner: civilian}]}
              - id: B
                kind: nation
                segments:
                  - {id: u, sector: telecom, nodes: [{id: r, kind: router, owner: civilian}]}
            """);
        var smaller = full with { Domains = [full.Domains[0] with { Segments = [full.Domains[0].Segments[0]] }] };
        var client = new BulwarkClient(fixture.Client, "t-reload-scopes");
        await client.LoadTopologyAsync(full, ct);
        await client.ReportAsync(Obs("B/u/r", NodeStatus.Down, 1), ct);
        Assert.Equal(0.0, (await client.GetDomainPostureAsync("B", ct)).Tally.Capability);

        await client.LoadTopologyAsync(smaller, ct);

        Assert.Equal("unknown domain 'B' in world 't-reload-scopes'",
            (await Assert.ThrowsAsync<UnknownScopeException>(() => client.GetDomainPostureAsync("B", ct))).Message);
        Assert.Equal("unknown segment 'B/u' in world 't-reload-scopes'",
            (await Assert.ThrowsAsync<UnknownScopeException>(() => client.GetSegmentPostureAsync("B/u", ct))).Message);
        Assert.Equal("unknown segment 'A/t' in world 't-reload-scopes'",
            (await Assert.ThrowsAsync<UnknownScopeException>(() => client.GetSegmentPostureAsync("A/t", ct))).Message);
        Assert.Equal(1, (await client.GetDomainPostureAsync("A", ct)).Tally.Nodes);

        // Loaded again, they are back, new (their nodes were retired with them).
        await client.LoadTopologyAsync(full, ct);
        Assert.Equal((1, 1.0), ((await client.GetDomainPostureAsync("B", ct)).Tally.Nodes, (await client.GetDomainPostureAsync("B", ct)).Tally.Capability));
        Assert.Equal(1, (await client.GetSegmentPostureAsync("A/t", ct)).Tally.Nodes);
    }

    [Fact]
    public async Task LoadTopology_DependencyDropped_DependantIsOperationalAgain()
    {
        var (client, _) = await WorldAsync("t-reload-deps");
        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 1), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/mil/c2")).Status == NodeStatus.Degraded, "the cascade to c2");

        // c2 keeps only its any-of on the cables.
        var full = TestTopologies.Parse(TestTopologies.CrossDomain);
        var mil = full.Domains[0].Segments[1];
        var c2 = mil.Nodes[0];
        var relaxed = full with
        {
            Domains = [full.Domains[0] with { Segments = [full.Domains[0].Segments[0], mil with { Nodes = mil.Nodes.SetItem(0, c2 with { Dependencies = c2.Dependencies.RemoveAt(0) }) }] }, full.Domains[1]],
        };
        await client.LoadTopologyAsync(relaxed, TestContext.Current.CancellationToken);

        var view = await client.GetNodeAsync("A/mil/c2", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Healthy, true), (view.Status, view.Operational));
        Assert.Empty(view.FailedDependencies);
        Assert.Equal(NodeStatus.Healthy, (await client.GetNodeAsync("A/mil/ws", TestContext.Current.CancellationToken)).Status);
        Assert.Equal(NodeStatus.Down, (await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken)).Status);
        Assert.Equal(18.0 / 22, (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally.Capability);
        Assert.Null(await Recount.DifferenceAsync(client, relaxed));
    }

    [Fact]
    public async Task LoadTopology_DuringIngest_SettlesConsistentAndAQuietLoadMatchesTheOracle()
    {
        var yaml = File.ReadAllText(TestTopologies.LibraryPath());
        var (client, topology) = await WorldAsync("t-reload-race", yaml);
        var nodes = topology.AllNodes.Select(n => n.Id).ToArray();
        var statuses = Enum.GetValues<NodeStatus>();
        var tick = 0;
        using var stop = new CancellationTokenSource();

        var reporters = Enumerable.Range(0, 4).Select(async reporter =>
        {
            var mix = new SplitMix64((ulong)reporter + 11);
            Observation Next() => new(nodes[mix.Below(nodes.Length)], statuses[mix.Below(statuses.Length)],
                T0.AddSeconds(Interlocked.Increment(ref tick)), null, $"reporter-{reporter}");
            while (!stop.IsCancellationRequested)
            {
                // Two reporters call nodes straight, two send batches through the segments.
                if (reporter % 2 == 0)
                {
                    await client.ReportAsync(Next());
                }
                else
                {
                    await ReportBatchAsync(client, [.. Enumerable.Range(0, 20).Select(_ => Next())]);
                }
            }
        }).ToArray();
        var loads = 0;
        // At least three loads, and on until the reporters sent 1,000 observations.
        while (loads < 3 || Volatile.Read(ref tick) < 1_000)
        {
            await client.LoadTopologyAsync(topology, TestContext.Current.CancellationToken);
            loads++;
        }
        await stop.CancelAsync();
        await Task.WhenAll(reporters);

        // What the loads raced with settles: each node's failed dependencies are those not operational, and the aggregates add up.
        var byId = topology.AllNodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var inconsistent = new List<string>();
        await Eventually.HoldsAsync(async () =>
        {
            var now = await Recount.NodesAsync(client, topology);
            inconsistent = [.. now.Values
                .Where(v => !byId[v.Definition.Id].Dependencies.SelectMany(g => g.Nodes).Where(d => !now[d].Operational)
                    .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).SequenceEqual(v.FailedDependencies))
                .Select(v => $"{v.Definition.Id} failed [{string.Join(",", v.FailedDependencies)}]")];
            return inconsistent.Count == 0;
        }, "every node's failed dependencies to be exactly those not operational")
            .ContinueWith(t => Assert.True(t.IsCompletedSuccessfully, string.Join("; ", inconsistent)),
                TestContext.Current.CancellationToken, TaskContinuationOptions.None, TaskScheduler.Default);
        await SettledAsync(client, topology, "after loads during ingest");

        // A load with no ingest running works everything out again from what the nodes report.
        var info = await client.LoadTopologyAsync(topology, TestContext.Current.CancellationToken);

        Assert.Equal(loads + 2L, info.Generation);
        var views = await Recount.NodesAsync(client, topology);
        var reported = views.ToDictionary(p => p.Key, p => p.Value.Reported, StringComparer.Ordinal);
        Assert.True(reported.Values.Count(r => r != NodeStatus.Healthy) > 100, "the reporters must have left many nodes unhealthy");
        var expected = DependencyOracle.Evaluate(topology, reported);
        var wrong = views.Values.Where(v => expected[v.Definition.Id] != (v.Status, v.Operational))
            .Select(v => $"{v.Definition.Id}: {v.Status}/{v.Operational}, expected {expected[v.Definition.Id]}").ToList();
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
        Assert.Equal(DependencyOracle.Tally(topology, expected), (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally);
        Assert.Null(await Recount.DifferenceAsync(client, topology));
    }

    [Fact]
    public async Task LoadTopology_Reset_EveryNodeStartsHealthy()
    {
        var (client, topology) = await WorldAsync("t-reload-reset");
        await client.ReportAsync(Obs("A/power/sub-1", NodeStatus.Down, 1), TestContext.Current.CancellationToken);
        await Eventually.HoldsAsync(async () => (await client.GetNodeAsync("A/mil/ws")).Status == NodeStatus.Degraded, "the cascade to ws");

        await client.LoadTopologyAsync(topology, reset: true, TestContext.Current.CancellationToken);

        var sub1 = await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Healthy, (DateTimeOffset?)null), (sub1.Status, sub1.LastObserved));
        Assert.Empty(sub1.History);
        Assert.Equal(NodeStatus.Healthy, (await client.GetNodeAsync("A/mil/ws", TestContext.Current.CancellationToken)).Status);
        Assert.Equal(1.0, (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally.Capability);
    }

    [Fact]
    public async Task Reads_CancelledToken_StopWithOperationCanceled_AndAReportCancelledBeforeSendingAppliesNothing()
    {
        var (client, _) = await WorldAsync("t-cancel");
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetAlliancePostureAsync(cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetNodeAsync("A/mil/c2", cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReportAsync(Obs("A/mil/c2", NodeStatus.Down, 1, null), cancelled.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReportAsync([Obs("A/mil/ws", NodeStatus.Down, 1, null)], cancelled.Token));

        var tally = (await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken)).Tally;
        Assert.Equal((7, 0), (tally.Count(NodeStatus.Healthy), tally.Count(NodeStatus.Down)));
    }
}
