using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Bulwark.Grains.Simulation;

/// <summary>What a node of a run needs to know: its definition, dependants and its domain's playbook in ticks.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.node-setup")]
public sealed record NodeSetup(NodeDefinition Definition, ImmutableArray<string> Dependants, ulong Seed,
    long ContainTicks, long RecoverTicks, bool Patch, int AlertLevel);

/// <summary>What a segment of a run needs: the exposures of its members and of the nodes in linked segments.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.segment-setup")]
public sealed record SegmentSetup(string Id, ImmutableArray<NodeExposures> Members, ImmutableArray<NodeExposures> Linked,
    ulong Seed, long SpreadMin, long SpreadMax);

/// <summary>A node id with the techniques it is exposed to.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.node-exposures")]
public sealed record NodeExposures(string Node, ImmutableArray<string> Techniques);

/// <summary>
/// What a domain of a run needs: its agreements in ticks and its playbook. It does not list its
/// nodes: what it tells them goes out as one broadcast that the calendar hands on.
/// </summary>
[GenerateSerializer, Immutable, Alias("bulwark.domain-setup")]
public sealed record DomainSetup(string Id, DomainKind Kind, ImmutableArray<(string Partner, long DelayTicks, Tlp Tlp)> Sharing,
    double IndicatorHardening, bool RaiseAlertOnIndicator, int AlertLevel);

/// <summary>
/// A scenario compiled for running: lookups, per-entity setups and durations in ticks. Both the
/// reference engine and the cluster build their entities from the same plan.
/// </summary>
public sealed class RunPlan
{
    // Plain dictionaries: a frozen one costs more to build, for 100k nodes, than a run's lookups save.
    private readonly Dictionary<string, NodeDefinition> _nodes;
    private readonly FrozenDictionary<string, SegmentDefinition> _segments;
    private readonly FrozenDictionary<string, DomainDefinition> _domains;
    private readonly FrozenDictionary<string, Playbook> _playbooks;
    private readonly IReadOnlyDictionary<string, ImmutableArray<string>> _dependants;
    // Per domain: its node count, and per technique how many of its nodes are exposed to it.
    private readonly Dictionary<string, (int Nodes, Dictionary<string, int> Exposed)> _reach;

    public RunPlan(ScenarioDefinition scenario)
    {
        Scenario = scenario;
        _nodes = scenario.Topology.AllNodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        _segments = scenario.Topology.AllSegments.ToFrozenDictionary(s => s.Id, StringComparer.Ordinal);
        _domains = scenario.Topology.Domains.ToFrozenDictionary(d => d.Id, StringComparer.Ordinal);
        _playbooks = scenario.Playbooks.ToFrozenDictionary(p => p.Domain, StringComparer.Ordinal);
        _dependants = NodeRules.Dependants(scenario.Topology.AllNodes);
        _reach = new Dictionary<string, (int, Dictionary<string, int>)>(StringComparer.Ordinal);
        foreach (var domain in scenario.Topology.Domains)
        {
            var (nodes, exposed) = (0, new Dictionary<string, int>(StringComparer.Ordinal));
            foreach (var node in domain.Segments.SelectMany(s => s.Nodes))
            {
                nodes++;
                for (var i = 0; i < node.Exposures.Length; i++)
                {
                    // A node exposed twice to a technique counts once.
                    var technique = node.Exposures[i].Technique;
                    if (!node.Exposures.Take(i).Any(e => e.Technique == technique))
                    {
                        CollectionsMarshal.GetValueRefOrAddDefault(exposed, technique, out _)++;
                    }
                }
            }
            _reach[domain.Id] = (nodes, exposed);
        }
        NodeIds = [.. _nodes.Keys.Order(StringComparer.Ordinal)];
        SegmentIds = [.. _segments.Keys.Order(StringComparer.Ordinal)];
        DomainIds = [.. _domains.Keys.Order(StringComparer.Ordinal)];
        SpreadMin = TicksOf(scenario.Adversary.SpreadDelayMin);
        SpreadMax = Math.Max(SpreadMin, TicksOf(scenario.Adversary.SpreadDelayMax));
    }

    public ScenarioDefinition Scenario { get; }

    public ulong Seed => Scenario.Seed;

    public long Ticks => Scenario.Ticks;

    public long SpreadMin { get; }

    public long SpreadMax { get; }

    public ImmutableArray<string> NodeIds { get; }

    public ImmutableArray<string> SegmentIds { get; }

    public ImmutableArray<string> DomainIds { get; }

    public NodeDefinition Node(string id) => _nodes[id];

    public bool IsNode(string id) => _nodes.ContainsKey(id);

    public bool IsSegment(string id) => _segments.ContainsKey(id);

    public bool IsDomain(string id) => _domains.ContainsKey(id);

    /// <summary>A duration in whole ticks, at least one.</summary>
    public long TicksOf(TimeSpan duration) => Math.Max(1, (duration.Ticks + Scenario.Tick.Ticks - 1) / Scenario.Tick.Ticks);

    /// <summary>The nodes a target (node, segment or domain id) covers, sorted; empty for an unknown id.</summary>
    public ImmutableArray<string> NodesIn(string target)
    {
        if (_nodes.ContainsKey(target))
        {
            return [target];
        }
        if (_segments.TryGetValue(target, out var segment))
        {
            return [.. segment.Nodes.Select(n => n.Id).Order(StringComparer.Ordinal)];
        }
        if (_domains.TryGetValue(target, out var domain))
        {
            return [.. domain.Segments.SelectMany(s => s.Nodes).Select(n => n.Id).Order(StringComparer.Ordinal)];
        }
        return [];
    }

    /// <summary>
    /// How many nodes a domain broadcast reaches: every node of the domain for an alert level, the
    /// nodes exposed to the technique for hardening.
    /// </summary>
    public int Reach(SimEvent broadcast)
    {
        var (nodes, exposed) = _reach[broadcast.Target];
        return broadcast.Kind == SimEventKind.Harden ? exposed.GetValueOrDefault(broadcast.Technique) : nodes;
    }

    /// <summary>Whether a domain broadcast applies to <paramref name="node"/> (a node of that domain).</summary>
    public bool Reaches(SimEvent broadcast, string node) =>
        broadcast.Kind != SimEventKind.Harden || _nodes[node].ExploitabilityOf(broadcast.Technique) is not null;

    public NodeSetup NodeSetupFor(string id)
    {
        var node = _nodes[id];
        var playbook = _playbooks[EntityId.DomainOf(id)];
        return new NodeSetup(node, _dependants.GetValueOrDefault(id, []), Seed,
            TicksOf(playbook.ContainAfter), TicksOf(playbook.RecoverAfter), playbook.Patch, playbook.AlertLevel);
    }

    public SegmentSetup SegmentSetupFor(string id)
    {
        var segment = _segments[id];
        static NodeExposures Exposures(NodeDefinition n) => new(n.Id, [.. n.Exposures.Select(e => e.Technique).Order(StringComparer.Ordinal)]);
        return new SegmentSetup(id,
            [.. segment.Nodes.Select(Exposures).OrderBy(e => e.Node, StringComparer.Ordinal)],
            [.. segment.Links.SelectMany(l => _segments[l].Nodes).Select(Exposures).OrderBy(e => e.Node, StringComparer.Ordinal)],
            Seed, SpreadMin, SpreadMax);
    }

    public DomainSetup DomainSetupFor(string id)
    {
        var domain = _domains[id];
        var playbook = _playbooks[id];
        return new DomainSetup(id, domain.Kind,
            [.. domain.Sharing.OrderBy(s => s.Partner, StringComparer.Ordinal).Select(s => (s.Partner, TicksOf(s.Delay), s.Tlp))],
            playbook.IndicatorHardening, playbook.RaiseAlertOnIndicator, playbook.AlertLevel);
    }
}
