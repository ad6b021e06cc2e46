using System.Collections.Immutable;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// How a node's reported status and its dependencies make its effective status and whether it is
/// operational. One place for the rule, shared by the live world and exercises.
/// </summary>
public static class NodeRules
{
    /// <summary>
    /// The status a node shows: what was reported, except that a healthy node whose dependencies
    /// fail shows as degraded. A compromised node with failed dependencies stays compromised (the
    /// security state is what the watch officer must see) but is not operational.
    /// </summary>
    public static NodeStatus Effective(NodeStatus reported, bool dependenciesSatisfied) =>
        reported == NodeStatus.Healthy && !dependenciesSatisfied ? NodeStatus.Degraded : reported;

    /// <summary>Operational = not down, not isolated, not degraded, and its dependencies satisfied.</summary>
    public static bool IsOperational(NodeStatus reported, bool dependenciesSatisfied) =>
        dependenciesSatisfied && reported is not (NodeStatus.Down or NodeStatus.Isolated or NodeStatus.Degraded);

    /// <summary>True when every group holds: all-of with none failed, any-of with at least one not failed.</summary>
    public static bool DependenciesSatisfied(ImmutableArray<DependencyGroup> groups, IReadOnlySet<string> failed)
    {
        foreach (var group in groups)
        {
            if (!GroupHolds(group, failed))
            {
                return false;
            }
        }
        return true;
    }

    private static bool GroupHolds(DependencyGroup group, IReadOnlySet<string> failed)
    {
        var allOf = group.Mode == DependencyMode.AllOf;
        foreach (var node in group.Nodes)
        {
            var isFailed = failed.Contains(node);
            if (allOf == isFailed)
            {
                // all-of: one failed breaks it; any-of: one working holds it.
                return !allOf;
            }
        }
        return allOf;
    }

    /// <summary>
    /// The nodes that are not operational when each node shows its <paramref name="reported"/>
    /// status: those down, isolated or degraded by report, and then every node whose dependencies
    /// no longer hold, until nothing more fails. A cycle with none of its members failed by report
    /// stays up.
    /// </summary>
    public static HashSet<string> FailedNodes(IReadOnlyCollection<NodeDefinition> nodes, Func<string, NodeStatus> reported)
    {
        var failed = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<string>();
        foreach (var node in nodes)
        {
            if (!IsOperational(reported(node.Id), dependenciesSatisfied: true) && failed.Add(node.Id))
            {
                pending.Enqueue(node.Id);
            }
        }
        var byId = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        var dependants = Dependants(nodes);
        while (pending.TryDequeue(out var down))
        {
            foreach (var dependant in dependants.GetValueOrDefault(down, []))
            {
                if (!failed.Contains(dependant) && !DependenciesSatisfied(byId[dependant].Dependencies, failed))
                {
                    failed.Add(dependant);
                    pending.Enqueue(dependant);
                }
            }
        }
        return failed;
    }

    /// <summary>
    /// The nodes on a dependency cycle: members of a strongly connected component of more than one
    /// node, or depending on themselves. Only such nodes can be held down by each other alone.
    /// Iterative (Tarjan's algorithm), so a long dependency chain cannot overflow the stack.
    /// </summary>
    public static HashSet<string> NodesInCycles(IReadOnlyList<NodeDefinition> nodes) =>
        new(Cycles(nodes).SelectMany(c => c), StringComparer.Ordinal);

    /// <summary>
    /// The dependency cycles: each strongly connected component of more than one node (or of one node that depends on
    /// itself), its members in ordinal order, the components in ordinal order of their first member.
    /// </summary>
    public static List<ImmutableArray<string>> Cycles(IReadOnlyList<NodeDefinition> nodes)
    {
        var index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            index[nodes[i].Id] = i;
        }
        var edges = new int[nodes.Count][];
        var selfLoop = new bool[nodes.Count];
        for (var i = 0; i < nodes.Count; i++)
        {
            edges[i] = [.. nodes[i].Dependencies.SelectMany(g => g.Nodes).Where(index.ContainsKey).Select(d => index[d]).Distinct()];
            selfLoop[i] = edges[i].Contains(i);
        }

        var order = new int[nodes.Count];
        var low = new int[nodes.Count];
        var onStack = new bool[nodes.Count];
        Array.Fill(order, -1);
        var stack = new Stack<int>();
        var calls = new Stack<(int Node, int Edge)>();
        var next = 0;
        var cycles = new List<ImmutableArray<string>>();
        for (var root = 0; root < nodes.Count; root++)
        {
            if (order[root] >= 0)
            {
                continue;
            }
            calls.Push((root, 0));
            order[root] = low[root] = next++;
            stack.Push(root);
            onStack[root] = true;
            while (calls.TryPop(out var frame))
            {
                var (v, e) = frame;
                if (e < edges[v].Length)
                {
                    calls.Push((v, e + 1));
                    var w = edges[v][e];
                    if (order[w] < 0)
                    {
                        order[w] = low[w] = next++;
                        stack.Push(w);
                        onStack[w] = true;
                        calls.Push((w, 0));
                    }
                    else if (onStack[w])
                    {
                        low[v] = Math.Min(low[v], order[w]);
                    }
                    continue;
                }
                // v is done: pass its low link to its caller, and close its component if it is the root of one.
                if (calls.TryPeek(out var caller))
                {
                    low[caller.Node] = Math.Min(low[caller.Node], low[v]);
                }
                if (low[v] == order[v])
                {
                    var component = new List<int>();
                    int w;
                    do
                    {
                        w = stack.Pop();
                        onStack[w] = false;
                        component.Add(w);
                    }
                    while (w != v);
                    if (component.Count > 1 || selfLoop[v])
                    {
                        cycles.Add([.. component.Select(c => nodes[c].Id).Order(StringComparer.Ordinal)]);
                    }
                }
            }
        }
        cycles.Sort((a, b) => string.CompareOrdinal(a[0], b[0]));
        return cycles;
    }

    /// <summary>For each node, the nodes that depend on it, sorted ordinally and without repeats.</summary>
    public static IReadOnlyDictionary<string, ImmutableArray<string>> Dependants(IEnumerable<NodeDefinition> nodes)
    {
        var map = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            foreach (var group in node.Dependencies)
            {
                foreach (var dependency in group.Nodes)
                {
                    if (!map.TryGetValue(dependency, out var list))
                    {
                        map[dependency] = list = [];
                    }
                    list.Add(node.Id);
                }
            }
        }
        // Sorted, each dependant once (a node may name a dependency in more than one group).
        return map.ToDictionary(p => p.Key, p =>
        {
            p.Value.Sort(StringComparer.Ordinal);
            return ImmutableArray.CreateRange(p.Value.Where((id, i) => i == 0 || !string.Equals(id, p.Value[i - 1], StringComparison.Ordinal)));
        }, StringComparer.Ordinal);
    }
}
