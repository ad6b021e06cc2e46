using Bulwark.Grains.Simulation;
using Bulwark.Scenarios;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

public sealed class FailedNodesTests
{
    private static readonly NodeStatus[] Statuses = Enum.GetValues<NodeStatus>();

    [Fact]
    public void FailedNodes_LibraryTopologyWithScatteredReports_EqualsTheFixedPointOracle()
    {
        var topology = TopologyFile.Load(TestTopologies.LibraryPath()).GetValueOrThrow();
        var nodes = topology.AllNodes.ToList();
        var cascaded = 0;
        for (var round = 0; round < 20; round++)
        {
            // Every seventh-or-so node reports something other than healthy; which and what change with the round.
            var reported = new Dictionary<string, NodeStatus>(StringComparer.Ordinal);
            for (var i = 0; i < nodes.Count; i++)
            {
                var mix = (uint)(i * 2654435761u + (uint)round * 40503u);
                if (mix % 7 == 0)
                {
                    reported[nodes[i].Id] = Statuses[mix / 7 % (uint)Statuses.Length];
                }
            }

            var failed = NodeRules.FailedNodes(nodes, id => reported.GetValueOrDefault(id, NodeStatus.Healthy));

            var expected = DependencyOracle.Evaluate(topology, reported).Where(p => !p.Value.Operational).Select(p => p.Key).Order(StringComparer.Ordinal);
            Assert.Equal(expected, failed.Order(StringComparer.Ordinal));
            cascaded += failed.Count(id => NodeRules.IsOperational(reported.GetValueOrDefault(id, NodeStatus.Healthy), dependenciesSatisfied: true));
        }
        Assert.True(cascaded > 0, "some nodes must have failed through their dependencies alone");
    }

    [Fact]
    public void FailedNodes_CycleWithAnyOfAlternative_FailsOnlyWhatLostEveryAlternative()
    {
        var topology = TestTopologies.Parse(TestTopologies.PowerCycle);
        var nodes = topology.AllNodes.ToList();

        // Nothing reported down: the cycle holds itself up.
        Assert.Empty(NodeRules.FailedNodes(nodes, _ => NodeStatus.Healthy));
        // Telecom down takes scada; power still has backup.
        Assert.Equal(["A/s/scada", "A/s/telecom"],
            NodeRules.FailedNodes(nodes, id => id == "A/s/telecom" ? NodeStatus.Down : NodeStatus.Healthy).Order(StringComparer.Ordinal));
        // Backup down as well: power loses both alternatives, and the whole cycle is down.
        Assert.Equal(["A/s/backup", "A/s/power", "A/s/scada", "A/s/telecom"],
            NodeRules.FailedNodes(nodes, id => id is "A/s/telecom" or "A/s/backup" ? NodeStatus.Down : NodeStatus.Healthy).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NodesInCycles_LibraryTopology_AreExactlyTheNodesThatReachThemselves()
    {
        var nodes = TopologyFile.Load(TestTopologies.LibraryPath()).GetValueOrThrow().AllNodes.ToList();
        var byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);

        // Independently: a node is on a cycle when a walk along its dependencies comes back to it.
        bool ReachesItself(string start)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var pending = new Stack<string>(byId[start].Dependencies.SelectMany(g => g.Nodes));
            while (pending.TryPop(out var id))
            {
                if (id == start)
                {
                    return true;
                }
                if (seen.Add(id))
                {
                    foreach (var next in byId[id].Dependencies.SelectMany(g => g.Nodes))
                    {
                        pending.Push(next);
                    }
                }
            }
            return false;
        }

        var expected = nodes.Select(n => n.Id).Where(ReachesItself).Order(StringComparer.Ordinal).ToList();
        Assert.True(expected.Count >= 10, $"the library topology has dependency cycles; found {expected.Count} nodes on them");
        Assert.Equal(expected, NodeRules.NodesInCycles(nodes).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NodesInCycles_ChainOffACycle_OnlyTheCycle()
    {
        var nodes = TestTopologies.Parse("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes:
                      - {id: a, kind: server, owner: civilian, depends: [{all-of: [b]}]}
                      - {id: b, kind: server, owner: civilian, depends: [{any-of: [c, x]}]}
                      - {id: c, kind: server, owner: civilian, depends: [{all-of: [a]}]}
                      - {id: tail, kind: server, owner: civilian, depends: [{all-of: [a]}]}
                      - {id: x, kind: server, owner: civilian}
            """).AllNodes.ToList();

        Assert.Equal(["A/s/a", "A/s/b", "A/s/c"], NodeRules.NodesInCycles(nodes).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void NodesInCycles_RandomGraphs_MatchAWalkBackToTheStart()
    {
        var mix = new Bulwark.Scenarios.Generators.SplitMix64(7);
        for (var round = 0; round < 2_000; round++)
        {
            var n = 1 + mix.Below(11);
            var edges = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, n).Where(_ => mix.Chance(0.18)).ToArray()).ToArray();
            var nodes = Enumerable.Range(0, n).Select(i => new NodeDefinition($"n{i}", default, default, 1, [],
                edges[i].Length == 0 ? [] : [new DependencyGroup(mix.Chance(0.5) ? DependencyMode.AllOf : DependencyMode.AnyOf, [.. edges[i].Select(j => $"n{j}")])],
                [], 0.1, 0)).ToList();

            var inCycles = NodeRules.NodesInCycles(nodes);

            for (var i = 0; i < n; i++)
            {
                var seen = new bool[n];
                var pending = new Stack<int>(edges[i]);
                var back = false;
                while (!back && pending.TryPop(out var v))
                {
                    back = v == i;
                    if (!seen[v])
                    {
                        seen[v] = true;
                        foreach (var w in edges[v])
                        {
                            pending.Push(w);
                        }
                    }
                }
                Assert.True(back == inCycles.Contains($"n{i}"), $"round {round}, node n{i}");
            }
        }
    }
}
