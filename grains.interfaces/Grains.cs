using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Bulwark;

/// <summary>
/// A world's registry: the loaded topology, its generation and the set of node ids. Key: the
/// world (<c>live</c>, or a run id).
/// </summary>
[Alias("bulwark.world")]
public interface IWorldGrain : IGrainWithStringKey
{
    /// <summary>
    /// Replaces the world's topology. A node that was in the previous topology keeps its reported
    /// status, last observation and history, unless <paramref name="reset"/> is true; new nodes
    /// start healthy. Dependency cascades and every aggregate are worked out again for the new
    /// topology; nodes it no longer has are retired. <paramref name="cancellationToken"/> is looked
    /// at only before the load starts: once it has, it runs to the end.
    /// </summary>
    /// <remarks>
    /// A topology of 100,000 nodes takes tens of seconds to load, longer than Orleans's default
    /// 30 s response timeout: a caller would be told the load failed while it went on.
    /// </remarks>
    [Alias("load"), ResponseTimeout("00:10:00")]
    Task<WorldInfo> LoadTopologyAsync(TopologyDefinition topology, bool reset = false, CancellationToken cancellationToken = default);

    /// <summary>The loaded topology's summary; throws <see cref="NoTopologyException"/> when none is.</summary>
    [Alias("info"), AlwaysInterleave]
    ValueTask<WorldInfo> GetInfoAsync();

    /// <summary>
    /// The generation the world's grains are in, 0 before the first load. It moves with every
    /// topology load, and with a cycle recovery that has to settle the whole world again (after a
    /// load or a recovery failed part-way, or when much of the world is held down);
    /// <see cref="WorldInfo.Generation"/> counts loads only.
    /// </summary>
    [Alias("generation"), AlwaysInterleave]
    ValueTask<long> GetGenerationAsync();

    /// <summary>Topology loads so far (<see cref="WorldInfo.Generation"/>), 0 when none: what changes the node ids.</summary>
    [Alias("loads"), AlwaysInterleave]
    ValueTask<long> GetLoadsAsync();

    /// <summary>
    /// Asked by a node on a dependency cycle that is still held down by its dependencies after one of
    /// them, or its own report, recovered. A cycle can hold itself down after every failure that
    /// fed it has cleared, each member degraded only by the next; notices alone never lift that.
    /// Once no node has asked for <c>Bulwark:Live:CycleRecoveryDelay</c> (but at most five times
    /// that after the first request, and no sooner than four times as long as the last recovery
    /// took; requests meanwhile are one), the world asks the nodes that
    /// asked whether they are still held down. When none is (notices freed them meanwhile, as when
    /// a whole world is restored at once), that is all: a recovery reads every node, seconds of
    /// work in a large world. Otherwise it reads every node's reported status, failed dependencies
    /// and notice version, works the cascades out from the reports alone, and calls the nodes that
    /// hold a dependency failed which is up by that count, or that are held down and should not be
    /// (<see cref="INodeGrain.UnlatchAsync"/>); they tell their dependants and push a change with
    /// source <c>cycle-recovery</c>. Nothing else is touched: no aggregate is set again and the
    /// generation stays. When more than an eighth of the world's nodes (and more than 64) that
    /// asked are held down, or would need freeing, or when a node is in another generation (a load
    /// failed part-way), or the last recovery failed part-way, the recovery settles the whole world
    /// again instead, as a load of the same topology does. Requests from another generation are ignored.
    /// </summary>
    [Alias("check-cycles"), AlwaysInterleave, OneWay]
    Task CheckCyclesAsync(long generation, string node);

    /// <summary>
    /// A node on a dependency cycle has flipped many times on its dependencies' notices alone, with
    /// no report of its own: a change shorter than the time a notice takes round the cycle keeps
    /// going round it, each node passing on the down and the up in turn. The world settles itself
    /// whole, in a new generation (whose nodes ignore the old one's notices), from what the nodes
    /// report, as the next recovery; requests from another generation are ignored.
    /// </summary>
    [Alias("settle-cycles"), AlwaysInterleave, OneWay]
    Task SettleCyclesAsync(long generation, string node);

    /// <summary>How many cycle recoveries the world ran, and how many it spared because the nodes that asked were up again.</summary>
    [Alias("cycle-checks"), AlwaysInterleave]
    ValueTask<CycleChecks> GetCycleChecksAsync();

    /// <summary>The node ids of the loaded topology, sorted ordinally.</summary>
    [Alias("node-ids"), AlwaysInterleave]
    ValueTask<ImmutableArray<string>> GetNodeIdsAsync();

    /// <summary>Those of <paramref name="nodes"/> that the topology lacks, sorted; empty when all are known.</summary>
    [Alias("unknown"), AlwaysInterleave]
    ValueTask<ImmutableArray<string>> FindUnknownAsync(ImmutableArray<string> nodes);
}

/// <summary>One infrastructure node of a world. Key: <c>world/DOM/seg/node</c>.</summary>
[Alias("bulwark.node")]
public interface INodeGrain : IGrainWithStringKey
{
    /// <summary>
    /// First step of a topology load: sets the node's definition and dependants. It keeps its
    /// reported status, last observation and history when it had a definition before and
    /// <paramref name="reset"/> is false; otherwise it starts healthy. Its failed dependencies stay
    /// until the settling step replaces them, so that it reads as before meanwhile. Returns its
    /// brief as if every dependency held (the status is the reported one).
    /// <paramref name="inCycle"/>: the node is on a dependency cycle (see <see cref="IWorldGrain.CheckCyclesAsync"/>).
    /// </summary>
    [Alias("init")]
    Task<NodeBrief> InitializeAsync(long generation, NodeDefinition definition, ImmutableArray<string> dependants, bool reset, bool inCycle);

    /// <summary>
    /// Second step of a topology load, after the aggregates were set from <paramref name="assumed"/>:
    /// sets the dependencies the world found not operational, telling no one. True when the node
    /// changed during the load or differs from the assumed brief: it must then be resumed. A kept
    /// node whose effective status the load changed records that in its history, at
    /// <paramref name="time"/>, with <paramref name="source"/>.
    /// </summary>
    [Alias("settle")]
    Task<bool> SettleAsync(long generation, ImmutableArray<string> failedDependencies, NodeBrief assumed, string source, DateTimeOffset time);

    /// <summary>
    /// Last step of a topology load, for a node whose settling returned true (it changed during the
    /// load, or differs from the assumed brief): tells its dependants its state and pushes its
    /// brief up the chain, as after any change; <paramref name="source"/> names the cause on the
    /// posture stream (<c>topology-load</c>, <c>cycle-recovery</c>).
    /// </summary>
    [Alias("resume")]
    Task ResumeAsync(long generation, NodeBrief assumed, string source, DateTimeOffset time);

    /// <summary>Removes the node from its world (a new topology no longer has it).</summary>
    [Alias("retire")]
    Task RetireAsync(long generation);

    /// <summary>
    /// Applies observations of this node in time order; throws <see cref="UnknownNodesException"/>
    /// when the node is not in the topology, <see cref="NoTopologyException"/> when the world has
    /// none, and <see cref="InvalidRequestException"/> for a bad value or a time too far ahead of
    /// the silo's clock.
    /// </summary>
    [Alias("observe")]
    ValueTask<IngestResult> ObserveAsync(ImmutableArray<Observation> observations);

    /// <summary>
    /// Applies a batch for this node on behalf of its segment: like <see cref="ObserveAsync"/>, but
    /// the change is returned for the segment to apply with the rest of the batch, and published by it.
    /// </summary>
    /// <remarks>Every observation of <paramref name="batch"/> must be of this node.</remarks>
    [Alias("observe-batch")]
    ValueTask<NodeOutcome> ObserveForSegmentAsync(ObservationBatch batch);

    /// <summary>A dependency's operational state changed. <paramref name="version"/> orders notices from one dependency.</summary>
    [Alias("dependency"), OneWay]
    Task DependencyChangedAsync(long generation, string dependency, bool operational, long version, DateTimeOffset time);

    /// <summary>The node's state and recent history.</summary>
    [Alias("view"), ReadOnly]
    ValueTask<NodeView> GetViewAsync();

    /// <summary>
    /// True when the node reports itself operational but its dependencies hold it down: what a
    /// node on a cycle asks the world to check (<see cref="IWorldGrain.CheckCyclesAsync"/>). A node
    /// asks once until the world has looked at it with this or <see cref="GetDependencyStateAsync"/>,
    /// or until ten recovery delays have passed without that (a request lost on its way).
    /// </summary>
    [Alias("held-down"), AlwaysInterleave]
    ValueTask<bool> IsHeldDownAsync();

    /// <summary>
    /// What a cycle recovery reads of the node: its generation, reported status, whether it is
    /// operational and the version of that, and the dependencies it holds failed. Like
    /// <see cref="IsHeldDownAsync"/>, it tells the node the world has looked at it: a recovery of
    /// a dependency or of its own report after this asks for another check.
    /// </summary>
    [Alias("dependency-state"), AlwaysInterleave]
    ValueTask<DependencyState> GetDependencyStateAsync();

    /// <summary>
    /// Cycle recovery, for a node the world found wrongly held down, or holding wrongly failed
    /// dependencies: the world worked the cascades out from every node's report and found each of
    /// <paramref name="operational"/> operational, as of the notice version it read. The node drops
    /// each from its failed dependencies unless it has heard of a newer version since, and then
    /// tells its dependants its state again under a new version, whether it changed or not: the
    /// world may have told them this node is operational, and if its report changed since, they
    /// must hear otherwise. A change is recorded and pushed with <paramref name="source"/>; a node
    /// still held down asks for another check. Nothing happens while the node is loading or in
    /// another generation. True when the node's status or operational state changed.
    /// </summary>
    [Alias("unlatch")]
    Task<bool> UnlatchAsync(long generation, ImmutableArray<DependencyClaim> operational, string source, DateTimeOffset time);
}

/// <summary>A network segment's aggregate. Key: <c>world/DOM/seg</c>.</summary>
[Alias("bulwark.segment")]
public interface ISegmentGrain : IGrainWithStringKey
{
    /// <summary>
    /// Sets the segment's nodes as the topology load (or whole-world recovery, <paramref name="source"/>) worked them
    /// out at <paramref name="time"/>; a node whose status or operational state that changes goes out to watchers.
    /// </summary>
    [Alias("init")]
    Task InitializeAsync(long generation, ImmutableArray<NodeBrief> nodes, DateTimeOffset time, string source);

    /// <summary>Removes the segment from its world (the topology of <paramref name="generation"/> no longer has it): it then reads as unknown.</summary>
    [Alias("retire")]
    Task RetireAsync(long generation);

    /// <summary>
    /// Applies observations of this segment's nodes, cut one batch per node as
    /// <see cref="ObservationBatch.ByNode"/> cuts them (the ingest grain sends them so): each node
    /// once, in the order given, then one update up the chain. Parts without observations are
    /// skipped. Every part is checked first, and nothing is applied when one is wrong (not one node,
    /// a node of another segment or given twice, or a bad observation).
    /// </summary>
    [Alias("observe-nodes")]
    ValueTask<IngestResult> ObserveNodesAsync(ImmutableArray<ObservationBatch> nodes);

    /// <summary>
    /// A node's effective status or operational state changed (at <paramref name="time"/>, reported
    /// with <paramref name="technique"/> by <paramref name="source"/>); returns capabilities up the
    /// chain once they include the change, and once a change of status is on the posture stream.
    /// The change published goes from the status the segment last had for the node.
    /// </summary>
    [Alias("node-changed")]
    ValueTask<ChainCapability> NodeChangedAsync(long generation, NodeBrief node, DateTimeOffset time, string? technique, string? source);

    /// <summary>The segment's posture with its nodes.</summary>
    [Alias("posture"), AlwaysInterleave]
    ValueTask<PostureSnapshot> GetPostureAsync();
}

/// <summary>A domain's aggregate. Key: <c>world/DOM</c>.</summary>
[Alias("bulwark.domain")]
public interface IDomainGrain : IGrainWithStringKey
{
    /// <summary>Sets the domain's segments and their initial tallies.</summary>
    [Alias("init")]
    Task InitializeAsync(long generation, DomainDefinition definition, ImmutableArray<PostureTally> segmentTallies);

    /// <summary>Removes the domain from its world (the topology of <paramref name="generation"/> no longer has it): it then reads as unknown.</summary>
    [Alias("retire")]
    Task RetireAsync(long generation);

    /// <summary>A segment's tally is now <paramref name="tally"/> (its <paramref name="version"/>-th); returns (domain, alliance) capability.</summary>
    [Alias("segment-changed")]
    ValueTask<(double Domain, double Alliance)> SegmentChangedAsync(long generation, string segment, long version, PostureTally tally);

    /// <summary>The domain's posture with its segments.</summary>
    [Alias("posture"), AlwaysInterleave]
    ValueTask<PostureSnapshot> GetPostureAsync();
}

/// <summary>The alliance aggregate of a world. Key: the world.</summary>
[Alias("bulwark.alliance")]
public interface IAllianceGrain : IGrainWithStringKey
{
    /// <summary>Sets the alliance's domains and their initial tallies.</summary>
    [Alias("init")]
    Task InitializeAsync(long generation, ImmutableArray<string> domains, ImmutableArray<PostureTally> domainTallies);

    /// <summary>A domain's tally is now <paramref name="tally"/> (its <paramref name="version"/>-th); returns alliance capability.</summary>
    [Alias("domain-changed")]
    ValueTask<double> DomainChangedAsync(long generation, string domain, long version, PostureTally tally);

    /// <summary>The alliance's posture with its domains.</summary>
    [Alias("posture"), AlwaysInterleave]
    ValueTask<PostureSnapshot> GetPostureAsync();
}

/// <summary>
/// Entry point for batches of observations: validates every node id first (all-or-nothing), then
/// hands each node its observations in one call. Key: the world.
/// </summary>
[Alias("bulwark.ingest")]
public interface IIngestGrain : IGrainWithStringKey
{
    /// <summary>Applies a batch; throws <see cref="UnknownNodesException"/> and applies nothing if any node is unknown.</summary>
    [Alias("report")]
    ValueTask<IngestResult> ReportAsync(ImmutableArray<Observation> observations);

    /// <summary>Like <see cref="ReportAsync"/>, with the batch in its compact form: the way to send thousands at once.</summary>
    [Alias("report-batch")]
    ValueTask<IngestResult> ReportBatchAsync(ObservationBatch batch);

    /// <summary>
    /// The silo's clock and how far ahead of it an observation may be dated
    /// (<c>Bulwark:Live:FutureTolerance</c>), for a client that sends a batch in several calls to check
    /// the whole batch first (<see cref="ObservationRules.ThrowIfAhead"/>).
    /// </summary>
    [Alias("clock"), AlwaysInterleave]
    ValueTask<(DateTimeOffset Now, TimeSpan Tolerance)> GetClockAsync();
}

/// <summary>A grain that does nothing: the yardstick for raw call rates in benchmarks. Key: any.</summary>
[Alias("bulwark.ping")]
public interface IPingGrain : IGrainWithIntegerKey
{
    /// <summary>Returns <paramref name="value"/>.</summary>
    [Alias("ping")]
    ValueTask<int> PingAsync(int value);

    /// <summary>
    /// Calls <see cref="PingAsync"/> on other ping grains <paramref name="calls"/> times with
    /// <paramref name="parallel"/> in flight and returns the seconds it took: the raw
    /// grain-to-grain call rate inside the cluster.
    /// </summary>
    [Alias("fan-out")]
    Task<double> FanOutAsync(int calls, int parallel);
}
