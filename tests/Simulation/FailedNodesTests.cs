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
}
