using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Bulwark;

/// <summary>
/// Counts of nodes by effective status plus the criticality weights behind capability. Sums and
/// differences are exact (integers), so aggregates built from deltas equal a recount.
/// </summary>
[GenerateSerializer, Immutable, Alias("bulwark.tally")]
public sealed record PostureTally(ImmutableArray<int> ByStatus, long TotalWeight, long OperationalWeight)
{
    private static readonly int StatusCount = Enum.GetValues<NodeStatus>().Length;

    /// <summary>No nodes.</summary>
    public static readonly PostureTally Empty = new([.. new int[StatusCount]], 0, 0);

    /// <summary>The tally of one node.</summary>
    public static PostureTally Of(NodeStatus status, bool operational, int weight)
    {
        var counts = new int[StatusCount];
        counts[(int)status] = 1;
        return new(ImmutableCollectionsMarshal.AsImmutableArray(counts), weight, operational ? weight : 0);
    }

    /// <summary>Number of nodes.</summary>
    public int Nodes => ByStatus.IsDefault ? 0 : ByStatus.Sum();

    /// <summary>Criticality-weighted share of operational nodes; 1 for an empty scope.</summary>
    public double Capability => TotalWeight == 0 ? 1.0 : (double)OperationalWeight / TotalWeight;

    /// <summary>Nodes with <paramref name="status"/>.</summary>
    public int Count(NodeStatus status) => ByStatus[(int)status];

    /// <summary><c>this + other</c>.</summary>
    public PostureTally Plus(PostureTally other) => Replace(Empty, other);

    /// <summary><c>this - other</c>.</summary>
    public PostureTally Minus(PostureTally other) => Replace(other, Empty);

    /// <summary><c>this - removed + added</c>, in one step: an aggregate replaces a part's tally with its newer one.</summary>
    public PostureTally Replace(PostureTally removed, PostureTally added)
    {
        var counts = new int[StatusCount];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = ByStatus[i] - removed.ByStatus[i] + added.ByStatus[i];
        }
        return new(ImmutableCollectionsMarshal.AsImmutableArray(counts), TotalWeight - removed.TotalWeight + added.TotalWeight,
            OperationalWeight - removed.OperationalWeight + added.OperationalWeight);
    }

    /// <summary>
    /// <c>this</c> with one node moved from (<paramref name="fromStatus"/>, <paramref name="fromOperational"/>) to
    /// (<paramref name="toStatus"/>, <paramref name="toOperational"/>), its weight from <paramref name="fromWeight"/>
    /// to <paramref name="toWeight"/>: what a segment does for each change of one of its nodes.
    /// </summary>
    public PostureTally Move(NodeStatus fromStatus, bool fromOperational, int fromWeight, NodeStatus toStatus, bool toOperational, int toWeight)
    {
        var counts = ByStatus.ToArray();
        counts[(int)fromStatus]--;
        counts[(int)toStatus]++;
        return new(ImmutableCollectionsMarshal.AsImmutableArray(counts), TotalWeight - fromWeight + toWeight,
            OperationalWeight - (fromOperational ? fromWeight : 0) + (toOperational ? toWeight : 0));
    }

    /// <inheritdoc />
    public bool Equals(PostureTally? other) =>
        other is not null && TotalWeight == other.TotalWeight && OperationalWeight == other.OperationalWeight
        && ByStatus.SequenceEqual(other.ByStatus);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(TotalWeight, OperationalWeight, Nodes);
}

/// <summary>The posture of one scope: the alliance, a domain or a segment.</summary>
/// <param name="World">The world, <c>live</c> or a run id.</param>
/// <param name="Scope"><c>alliance</c>, <c>domain</c> or <c>segment</c>.</param>
/// <param name="Id">The scope's id; empty for the alliance.</param>
/// <param name="Tally">Counts and weights.</param>
/// <param name="Children">Domains of the alliance or segments of a domain, by id.</param>
/// <param name="Nodes">Nodes of a segment, by id; empty otherwise.</param>
[GenerateSerializer, Immutable, Alias("bulwark.posture")]
public sealed record PostureSnapshot(
    string World,
    string Scope,
    string Id,
    PostureTally Tally,
    ImmutableArray<PostureSnapshot> Children,
    ImmutableArray<NodeBrief> Nodes);

/// <summary>A node's effective status as its segment sees it; <see cref="Sequence"/> orders a node's changes.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.node-brief")]
public sealed record NodeBrief(string Id, NodeStatus Status, bool Operational, int Criticality, long Sequence = 0);

/// <summary>What a batch of observations did to one node, returned to its segment.</summary>
/// <param name="Result">Counts of the batch.</param>
/// <param name="Change">The node's new brief when its effective status or operational state changed, else null.</param>
/// <param name="From">Effective status before the batch.</param>
/// <param name="Time">Time of the newest observation.</param>
/// <param name="Technique">Its technique.</param>
/// <param name="Source">Its reporter.</param>
[GenerateSerializer, Immutable, Alias("bulwark.node-outcome")]
public sealed record NodeOutcome(IngestResult Result, NodeBrief? Change, NodeStatus From, DateTimeOffset Time, string? Technique, string? Source);

/// <summary>One change in a node's history.</summary>
/// <param name="Time">Reporter's time of the observation, or the time the cascade reached the node.</param>
/// <param name="From">Effective status before.</param>
/// <param name="To">Effective status after.</param>
/// <param name="Reported">The status reported (for cascades: the node's reported status).</param>
/// <param name="Technique">Technique, if reported.</param>
/// <param name="Source">Reporter, or <c>dependency:&lt;node id&gt;</c> for a cascade.</param>
/// <param name="Stale">True when the observation was older than the node's newest and did not set its status.</param>
/// <param name="Operational">
/// Whether the node was operational after it (null for a stale observation): a change of operational state alone, when a
/// dependency of a node detected or compromised fails or recovers, leaves <paramref name="From"/> and <paramref name="To"/> the same.
/// </param>
[GenerateSerializer, Immutable, Alias("bulwark.history-entry")]
public readonly record struct HistoryEntry(
    DateTimeOffset Time,
    NodeStatus From,
    NodeStatus To,
    NodeStatus Reported,
    string? Technique,
    string? Source,
    bool Stale,
    bool? Operational = null);

/// <summary>A node's current state and recent history.</summary>
/// <param name="Definition">The node as the topology defines it.</param>
/// <param name="Reported">The newest reported status.</param>
/// <param name="Status">The effective status: reported, or degraded by a failed dependency.</param>
/// <param name="Operational">Not down, isolated or degraded, with its dependencies satisfied.</param>
/// <param name="FailedDependencies">Dependencies that are not operational now, by id.</param>
/// <param name="LastObserved">Time of the newest applied observation.</param>
/// <param name="History">Recent entries in the order the node received them: a stale observation comes after newer ones.</param>
[GenerateSerializer, Immutable, Alias("bulwark.node-view")]
public sealed record NodeView(
    NodeDefinition Definition,
    NodeStatus Reported,
    NodeStatus Status,
    bool Operational,
    ImmutableArray<string> FailedDependencies,
    DateTimeOffset? LastObserved,
    ImmutableArray<HistoryEntry> History);

/// <summary>A change of a node's effective status, as published on the posture stream.</summary>
/// <param name="World">The world.</param>
/// <param name="Node">Full node id.</param>
/// <param name="From">Effective status before.</param>
/// <param name="To">Effective status after.</param>
/// <param name="Time">Reporter's time, or cascade time.</param>
/// <param name="Technique">Technique, if reported.</param>
/// <param name="Source">Reporter; <c>dependency:&lt;node id&gt;</c> for a cascade; <c>topology-load</c> for a change a topology load made or that happened while it ran, sent when it settled; <c>cycle-recovery</c> for a dependency cycle that came back up (see <see cref="IWorldGrain.CheckCyclesAsync"/>).</param>
/// <param name="SegmentCapability">The segment's capability once the change reached it, with the changes of its other nodes that went up the chain together with it.</param>
/// <param name="DomainCapability">The domain's capability, likewise.</param>
/// <param name="AllianceCapability">The alliance's capability, likewise.</param>
/// <param name="Operational">Whether the node counts as operational after the change. A change can be of this alone, with
/// <paramref name="From"/> and <paramref name="To"/> equal: a compromised node whose dependency fails stays compromised
/// but no longer counts toward capability.</param>
[GenerateSerializer, Immutable, Alias("bulwark.posture-change")]
public sealed record PostureChange(
    string World,
    string Node,
    NodeStatus From,
    NodeStatus To,
    DateTimeOffset Time,
    string? Technique,
    string? Source,
    double SegmentCapability,
    double DomainCapability,
    double AllianceCapability,
    bool Operational);

/// <summary>Capabilities up the chain after a node's change reached the alliance.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.chain-capability")]
public sealed record ChainCapability(double Segment, double Domain, double Alliance);

/// <summary>A world's loaded topology, as the world grain reports it.</summary>
/// <param name="World">The world.</param>
/// <param name="Name">Topology name.</param>
/// <param name="Generation">Increments with every topology load.</param>
/// <param name="Domains">Number of domains.</param>
/// <param name="Segments">Number of segments.</param>
/// <param name="Nodes">Number of nodes.</param>
/// <param name="Dependencies">Number of dependency edges.</param>
[GenerateSerializer, Immutable, Alias("bulwark.world-info")]
public sealed record WorldInfo(string World, string Name, long Generation, int Domains, int Segments, int Nodes, int Dependencies);

/// <summary>What a cycle recovery reads of a node (<see cref="INodeGrain.GetDependencyStateAsync"/>).</summary>
/// <param name="Generation">The world generation the node belongs to.</param>
/// <param name="Reported">Its newest reported status.</param>
/// <param name="Operational">Whether it is operational now.</param>
/// <param name="OperationalVersion">The version its dependants' notices of that carry.</param>
/// <param name="FailedDependencies">The dependencies it holds not operational, in ordinal order.</param>
[GenerateSerializer, Immutable, Alias("bulwark.dependency-state")]
public sealed record DependencyState(long Generation, NodeStatus Reported, bool Operational, long OperationalVersion, ImmutableArray<string> FailedDependencies);

/// <summary>A dependency a cycle recovery found operational, and the notice version of the node's state it read.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.dependency-claim")]
public sealed record DependencyClaim(string Node, long Version);

/// <summary>A world's cycle checks since its grain activated.</summary>
/// <param name="Recovered">Recoveries run: the cascades worked out again from every node's report, and the nodes held down by a cycle alone freed.</param>
/// <param name="Spared">Checks that ran no recovery, since every node that asked was up again.</param>
[GenerateSerializer, Immutable, Alias("bulwark.cycle-checks")]
public sealed record CycleChecks(long Recovered, long Spared);

/// <summary>Names of the Orleans streams Bulwark publishes.</summary>
public static class BulwarkStreams
{
    /// <summary>The stream provider name.</summary>
    public const string Provider = "bulwark";

    /// <summary>Namespace of the posture-change stream; its key is the world.</summary>
    public const string PostureNamespace = "posture";
}
