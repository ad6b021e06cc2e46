using Bulwark.Grains.Simulation;

namespace Bulwark.Tests.Support;

/// <summary>
/// Works out every node's effective status from reported statuses by iterating the dependency
/// rule to a fixed point from an all-operational start: an independent recount for comparing
/// with what the grains reach incrementally.
/// </summary>
public static class DependencyOracle
{
    public static Dictionary<string, (NodeStatus Status, bool Operational)> Evaluate(
        TopologyDefinition topology, IReadOnlyDictionary<string, NodeStatus> reported)
    {
        var nodes = topology.AllNodes.ToList();
        var operational = nodes.ToDictionary(n => n.Id, _ => true, StringComparer.Ordinal);
        bool changed;
        do
        {
            changed = false;
            foreach (var node in nodes)
            {
                var status = reported.GetValueOrDefault(node.Id, NodeStatus.Healthy);
                var satisfied = NodeRules.DependenciesSatisfied(node.Dependencies, Failed(operational));
                var now = NodeRules.IsOperational(status, satisfied);
                if (now != operational[node.Id])
                {
                    operational[node.Id] = now;
                    changed = true;
                }
            }
        }
        while (changed);
        return nodes.ToDictionary(n => n.Id, n =>
        {
            var status = reported.GetValueOrDefault(n.Id, NodeStatus.Healthy);
            var satisfied = NodeRules.DependenciesSatisfied(n.Dependencies, Failed(operational));
            return (NodeRules.Effective(status, satisfied), operational[n.Id]);
        }, StringComparer.Ordinal);
    }

    private static HashSet<string> Failed(Dictionary<string, bool> operational) =>
        operational.Where(p => !p.Value).Select(p => p.Key).ToHashSet(StringComparer.Ordinal);

    public static PostureTally Tally(TopologyDefinition topology, IReadOnlyDictionary<string, (NodeStatus Status, bool Operational)> states, Func<NodeDefinition, bool>? where = null) =>
        topology.AllNodes.Where(where ?? (_ => true)).Aggregate(PostureTally.Empty,
            (t, n) => t.Plus(PostureTally.Of(states[n.Id].Status, states[n.Id].Operational, n.Criticality)));
}
