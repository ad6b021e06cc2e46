using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Collections.Immutable;
using Bulwark.Grains.Simulation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bulwark.Grains.Live;

/// <summary>Stored state of a world grain.</summary>
[GenerateSerializer, Alias("bulwark.world-state")]
public sealed class WorldState
{
    /// <summary>Increments with every load, and with a cycle recovery that settles the whole world again; 0 before the first load.</summary>
    [Id(0)] public long Generation { get; set; }

    /// <summary>The loaded topology.</summary>
    [Id(1)] public TopologyDefinition? Topology { get; set; }

    /// <summary>Topology loads so far.</summary>
    [Id(2)] public long Loads { get; set; }
}

/// <summary>
/// A world's registry. Loading a topology gives every node its definition (a node the previous
/// topology had keeps its reported status and history, unless the load resets), works out the
/// dependency cascades for the whole topology, initialises the segment, domain and alliance
/// aggregates from the result, hands each node its failed dependencies, and retires nodes the new
/// topology no longer has.
/// </summary>
/// <remarks>
/// A node that changes while the load runs (an observation, or a notice of one, arriving between
/// the first step and the settling one) tells its dependants and pushes its change up the chain in
/// a last step, from the settled state, as after any change; so the aggregates end equal to the
/// nodes. Aggregates are kept in memory and their grains are kept alive.
/// </remarks>
[GrainType("bulwark.world"), KeepAlive]
public sealed partial class WorldGrain(
    [PersistentState("world", BulwarkStorage.Name)] IPersistentState<WorldState> state,
    IOptions<LiveOptions> options,
    TimeProvider clock,
    ILogger<WorldGrain> logger) : Grain, IWorldGrain
{
    /// <summary>How many node grains are initialised at once while loading.</summary>
    private const int LoadParallelism = 512;

    /// <summary>Sources of the changes a topology load and a cycle recovery make, on the posture stream and in node history.</summary>
    private const string LoadSource = "topology-load", RecoverySource = "cycle-recovery";

    private ImmutableArray<string> _nodeIds = [];
    private FrozenSet<string> _nodeSet = FrozenSet<string>.Empty;
    private IGrainTimer? _cycleTimer;
    private bool _cycleCheckArmed;
    private TimeSpan _lastRecovery;
    private int _loadsRunning;

    /// <summary>The nodes that asked for a cycle check since the last one began.</summary>
    private readonly HashSet<string> _askers = new(StringComparer.Ordinal);
    private long _recoveries, _spared;

    /// <summary>The last recovery failed part-way: the next one runs whatever the askers say.</summary>
    private bool _recoveryFailed;

    /// <summary>
    /// The generation whose notices a node reported going round a cycle (0: none): the next recovery settles the
    /// whole world, unless a settling or load since has made a new generation.
    /// </summary>
    private long _settleGeneration;

    /// <summary>When the first and the latest of those nodes asked (<see cref="TimeProvider"/> timestamps).</summary>
    private long _firstAsk, _lastAsk;

    /// <summary>A recovery that would call more than this share of the world's nodes (and at least <see cref="MinUnlatchLimit"/>) settles the whole world instead.</summary>
    private const int UnlatchShare = 8, MinUnlatchLimit = 64;

    private static int UnlatchLimit(int nodes) => Math.Max(MinUnlatchLimit, nodes / UnlatchShare);

    /// <summary>While nodes keep asking, the check waits for them to stop, but at most this many times the delay.</summary>
    private const int MaxQuietWaits = 5;

    private string World => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Index(state.State.Topology);
        return Task.CompletedTask;
    }

    public async Task<WorldInfo> LoadTopologyAsync(TopologyDefinition topology, bool reset = false, CancellationToken cancellationToken = default)
    {
        // A load that has started finishes: stopped half-way, it would leave nodes waiting to be settled.
        cancellationToken.ThrowIfCancellationRequested();
        var retired = await SettleWorldAsync(topology, reset, LoadSource);
        var info = Info();
        LogLoaded(logger, World, info.Name, info.Generation, info.Domains, info.Segments, info.Nodes, retired);
        return info;
    }

    public Task CheckCyclesAsync(long generation, string node)
    {
        // A request from a generation still being loaded counts: that load's nodes asked (the first load has no topology yet).
        if (generation >= state.State.Generation && (state.State.Topology is not null || _loadsRunning > 0))
        {
            _askers.Add(node);
            _lastAsk = clock.GetTimestamp();
            Arm();
        }
        return Task.CompletedTask;
    }

    public Task SettleCyclesAsync(long generation, string node)
    {
        // Not during a load or settling (it makes a new generation anyway), and once per generation: the members of the
        // cycle that ask while the settling runs are still in the old one.
        if (generation == state.State.Generation && state.State.Topology is not null && _loadsRunning == 0 && _settleGeneration == 0)
        {
            _settleGeneration = generation;
            LogWaveReported(logger, World, node);
            Arm();
        }
        return Task.CompletedTask;
    }

    public ValueTask<CycleChecks> GetCycleChecksAsync() => ValueTask.FromResult(new CycleChecks(_recoveries, _spared));

    /// <summary>Sets the timer of the next cycle check, unless it is set already.</summary>
    private void Arm()
    {
        if (!_cycleCheckArmed)
        {
            _cycleCheckArmed = true;
            _firstAsk = clock.GetTimestamp();
            _cycleTimer ??= this.RegisterGrainTimer(RecoverCyclesAsync,
                new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
            // At least four times as long as the last recovery took: under steady churn in a large world, recoveries
            // take at most a fifth of the world's time.
            var delay = options.Value.CycleRecoveryDelay;
            _cycleTimer.Change(delay > 4 * _lastRecovery ? delay : 4 * _lastRecovery, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>The cascades worked out again for the same topology, from what the nodes report (a timer turn: never during a load).</summary>
    private async Task RecoverCyclesAsync(CancellationToken cancellationToken)
    {
        // Nodes still asking means notices still under way (a whole world being restored asks all along): wait until
        // they stop for a delay, so that the check finds what the notices leave held down, but not for ever under churn.
        var delay = options.Value.CycleRecoveryDelay;
        var quiet = clock.GetElapsedTime(_lastAsk);
        if (quiet < delay && clock.GetElapsedTime(_firstAsk) < MaxQuietWaits * delay)
        {
            _cycleTimer!.Change(delay - quiet, Timeout.InfiniteTimeSpan);
            return;
        }
        _cycleCheckArmed = false;
        // Nodes that ask from here on are checked next time.
        var askers = _askers.Order(StringComparer.Ordinal).ToList();
        _askers.Clear();
        if (state.State.Topology is not { } topology)
        {
            return;
        }
        // Every asker is asked, before anything is read: the question also tells it the world has looked at it, so
        // that a recovery of its own after this asks again (a read made before that recovery would be stale).
        var held = await HeldDownAsync(askers);
        // After a recovery that failed part-way, some dependants may have been told a node is up whose own call, which
        // tells them its state again, never ran: the askers being up proves nothing then, and the dependants do not
        // hold the node failed, so only settling the whole world puts them right.
        // Notices going round a cycle, or a recovery that failed part-way: only a new generation puts them right.
        var retry = _recoveryFailed || _settleGeneration == state.State.Generation;
        _recoveryFailed = false;
        _settleGeneration = 0;
        if (!retry && held == 0)
        {
            _spared++;
            LogRecoverySpared(logger, World, askers.Count);
            return;
        }
        var started = clock.GetTimestamp();
        try
        {
            // After a failed recovery, or so many held down that freeing them one by one would cost more than settling the
            // whole world: settled whole, with no need to read it first. UnlatchAsync also settles the whole world when a
            // node is in another generation (a load failed part-way and left it initialised but not settled) or when
            // too many would need freeing.
            int? freed = retry || held > UnlatchLimit(_nodeIds.Length) ? null : await UnlatchAsync(topology);
            if (freed is null)
            {
                await SettleWorldAsync(topology, reset: false, RecoverySource);
            }
            _recoveries++;
            _lastRecovery = clock.GetElapsedTime(started);
            if (freed is { } changed)
            {
                LogCyclesChecked(logger, World, state.State.Generation, changed, (long)_lastRecovery.TotalMilliseconds);
            }
            else
            {
                LogWorldSettled(logger, World, state.State.Generation, (long)_lastRecovery.TotalMilliseconds);
            }
        }
        catch (Exception e)
        {
            // Some calls may not have been made: try again, by settling the whole world. What this activation keeps in
            // memory is lost with it, though: a world grain that is deactivated or whose silo fails meanwhile forgets it.
            _recoveryFailed = true;
            _lastRecovery = clock.GetElapsedTime(started);
            _askers.UnionWith(askers);
            Arm();
            if (e is OperationCanceledException)
            {
                throw;
            }
            LogRecoveryFailed(logger, e, World);
        }
    }

    /// <summary>
    /// How many of the nodes that asked are still held down by their dependencies, asking every
    /// one. A node freed since it asked was freed by notices, and asks again if it is held down
    /// again after it recovers. A node whose question fails counts as held down, so that the
    /// recovery runs.
    /// </summary>
    private async Task<int> HeldDownAsync(List<string> askers)
    {
        var held = 0;
        var unknown = 0;
        Exception? first = null;
        await Parallel.ForEachAsync(askers, Bounded(CancellationToken.None), async (id, _) =>
        {
            try
            {
                if (await Node(World, id).IsHeldDownAsync())
                {
                    Interlocked.Increment(ref held);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Interlocked.CompareExchange(ref first, e, null);
                Interlocked.Increment(ref unknown);
            }
        });
        if (first is not null)
        {
            LogHeldDownUnknown(logger, first, World, unknown);
        }
        return held + unknown;
    }

    /// <summary>
    /// Gives the world <paramref name="topology"/> in a new generation and works out every cascade
    /// and aggregate from what the nodes report; the nodes that changed tell their dependants and
    /// push with <paramref name="source"/>. Returns how many nodes were retired.
    /// </summary>
    private async Task<int> SettleWorldAsync(TopologyDefinition topology, bool reset, string source)
    {
        _loadsRunning++;
        try
        {
            return await SettleWorldCoreAsync(topology, reset, source);
        }
        finally
        {
            _loadsRunning--;
        }
    }

    /// <summary>The time a load or recovery stamps its changes with: the silo's clock to the millisecond, as reports are written.</summary>
    private DateTimeOffset Stamp()
    {
        var now = clock.GetUtcNow();
        return now.AddTicks(-(now.Ticks % TimeSpan.TicksPerMillisecond));
    }

    private async Task<int> SettleWorldCoreAsync(TopologyDefinition topology, bool reset, string source)
    {
        var cancellationToken = CancellationToken.None;
        var time = Stamp();
        var previous = _nodeIds;
        var previousTopology = state.State.Topology;
        var generation = state.State.Generation + 1;
        var world = World;
        var nodes = topology.AllNodes.ToList();
        var dependants = NodeRules.Dependants(nodes);
        var inCycles = NodeRules.NodesInCycles(nodes);

        // 1. Every node takes its new definition and says what it reports (healthy when new or reset).
        var prepared = new ConcurrentDictionary<string, NodeBrief>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(nodes, Bounded(cancellationToken),
            async (node, _) => prepared[node.Id] = await Node(world, node.Id)
                .InitializeAsync(generation, node, dependants.GetValueOrDefault(node.Id, []), reset, inCycles.Contains(node.Id)));

        // 2. Cascades worked out for the whole topology at once: which nodes are not operational, and so each node's brief.
        var failed = NodeRules.FailedNodes(nodes, id => prepared[id].Status);
        var briefs = new Dictionary<string, (NodeBrief Brief, ImmutableArray<string> Failed)>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            var reported = prepared[node.Id];
            var failedDependencies = node.Dependencies.SelectMany(g => g.Nodes).Where(failed.Contains)
                .Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToImmutableArray();
            var satisfied = failedDependencies.IsEmpty || NodeRules.DependenciesSatisfied(node.Dependencies, failed);
            var status = NodeRules.Effective(reported.Status, satisfied);
            var operational = NodeRules.IsOperational(reported.Status, satisfied);
            var changed = status != reported.Status || operational != reported.Operational;
            briefs[node.Id] = (new NodeBrief(node.Id, status, operational, node.Criticality, reported.Sequence + (changed ? 1 : 0)), failedDependencies);
        }

        // 3. The aggregates, from those briefs: the alliance first, then the domains, then the segments, so that a
        // change forwarded by an aggregate of the new generation always finds the next one up in the same generation.
        var domainTallies = new List<PostureTally>();
        var domainInits = new List<Func<Task>>();
        var segmentInits = new List<Func<Task>>();
        foreach (var domain in topology.Domains)
        {
            var segmentTallies = new List<PostureTally>();
            foreach (var segment in domain.Segments)
            {
                var segmentBriefs = segment.Nodes.Select(n => briefs[n.Id].Brief).ToImmutableArray();
                segmentTallies.Add(segmentBriefs.Aggregate(PostureTally.Empty,
                    (t, b) => t.Plus(PostureTally.Of(b.Status, b.Operational, b.Criticality))));
                var segmentGrain = GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(world, segment.Id));
                segmentInits.Add(() => segmentGrain.InitializeAsync(generation, segmentBriefs, time, source));
            }
            var domainTally = segmentTallies.Aggregate(PostureTally.Empty, (t, s) => t.Plus(s));
            domainTallies.Add(domainTally);
            var domainGrain = GrainFactory.GetGrain<IDomainGrain>(EntityId.Key(world, domain.Id));
            ImmutableArray<PostureTally> tallies = [.. segmentTallies];
            domainInits.Add(() => domainGrain.InitializeAsync(generation, domain, tallies));
        }
        await GrainFactory.GetGrain<IAllianceGrain>(world)
            .InitializeAsync(generation, [.. topology.Domains.Select(d => d.Id)], [.. domainTallies]);
        await Task.WhenAll(domainInits.Select(init => init()));
        await Task.WhenAll(segmentInits.Select(init => init()));

        // 4. Every node takes its failed dependencies. Nobody is told yet: together they are the state worked out in step 2.
        var resume = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(nodes, Bounded(cancellationToken), async (node, _) =>
        {
            if (await Node(world, node.Id).SettleAsync(generation, briefs[node.Id].Failed, briefs[node.Id].Brief, source, time))
            {
                resume.Add(node.Id);
            }
        });

        // 5. Nodes that changed while the load ran (an observation, or a notice of one) go on from that state as after any change.
        await Parallel.ForEachAsync(resume.Order(StringComparer.Ordinal), Bounded(cancellationToken),
            async (id, _) => await Node(world, id).ResumeAsync(generation, briefs[id].Brief, source, time));

        // With the node ids below: the ingest grains look at the count of loads to know when to fetch them again.
        state.State.Generation = generation;
        if (source == LoadSource)
        {
            state.State.Loads++;
        }
        state.State.Topology = topology;
        // Before the write: reads interleave with it, and a count of loads must never come with the previous node ids.
        Index(topology);
        await state.WriteStateAsync(cancellationToken);

        var retired = previous.Except(_nodeIds, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(retired, Bounded(cancellationToken), async (id, _) => await Node(world, id).RetireAsync(generation));
        // Segments and domains the new topology does not have read as unknown, not as they last stood.
        if (previousTopology is not null)
        {
            var segments = topology.Domains.SelectMany(d => d.Segments).Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
            await Task.WhenAll(previousTopology.Domains.SelectMany(d => d.Segments).Select(s => s.Id).Where(id => !segments.Contains(id))
                .Select(id => GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(world, id)).RetireAsync(generation)));
            var domains = topology.Domains.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
            await Task.WhenAll(previousTopology.Domains.Select(d => d.Id).Where(id => !domains.Contains(id))
                .Select(id => GrainFactory.GetGrain<IDomainGrain>(EntityId.Key(world, id)).RetireAsync(generation)));
        }
        return retired.Count;
    }

    /// <summary>
    /// A cycle recovery: reads every node's report, failed dependencies and notice version, works
    /// the cascades out from the reports alone, and calls only the nodes that hold a dependency
    /// failed which is operational by that count, or that are held down and should not be. Unlike
    /// a load it leaves the generation, the aggregates and every other node alone: the nodes it
    /// frees tell their dependants and push their changes as after any change. Returns how many
    /// nodes changed; or null, without calling any, when a node is in another generation (a load
    /// failed part-way) or more nodes than <see cref="UnlatchLimit"/> would be called: the world is
    /// then settled whole, as a load of the same topology does (also without this read when more
    /// than that many of the nodes that asked are held down).
    /// </summary>
    private async Task<int?> UnlatchAsync(TopologyDefinition topology)
    {
        var world = World;
        var generation = state.State.Generation;
        var time = Stamp();
        var nodes = topology.AllNodes.ToList();
        var states = new ConcurrentDictionary<string, DependencyState>(StringComparer.Ordinal);
        await Parallel.ForEachAsync(nodes, Bounded(CancellationToken.None),
            async (node, _) => states[node.Id] = await Node(world, node.Id).GetDependencyStateAsync());
        if (states.Values.Any(s => s.Generation != generation))
        {
            return null;
        }
        var failed = NodeRules.FailedNodes(nodes, id => states[id].Reported);
        var calls = new List<(string Node, ImmutableArray<DependencyClaim> Claims)>();
        foreach (var node in nodes)
        {
            var current = states[node.Id];
            ImmutableArray<DependencyClaim> claims = [.. current.FailedDependencies
                .Where(d => !failed.Contains(d) && states.ContainsKey(d))
                .Select(d => new DependencyClaim(d, states[d].OperationalVersion))];
            if (!claims.IsEmpty || (!current.Operational && !failed.Contains(node.Id)))
            {
                calls.Add((node.Id, claims));
            }
        }
        if (calls.Count > UnlatchLimit(nodes.Count))
        {
            // Most of the world (a whole world restored at once): one settling that sets every aggregate at once is
            // cheaper than pushing each node's change up the chain.
            return null;
        }
        var changed = 0;
        await Parallel.ForEachAsync(calls, Bounded(CancellationToken.None), async (call, _) =>
        {
            if (await Node(world, call.Node).UnlatchAsync(generation, call.Claims, RecoverySource, time))
            {
                Interlocked.Increment(ref changed);
            }
        });
        return changed;
    }

    private static ParallelOptions Bounded(CancellationToken cancellationToken) =>
        new() { MaxDegreeOfParallelism = LoadParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current };

    private INodeGrain Node(string world, string id) => GrainFactory.GetGrain<INodeGrain>(EntityId.Key(world, id));

    public ValueTask<WorldInfo> GetInfoAsync()
    {
        ReleaseIfEmpty();
        return ValueTask.FromResult(Info());
    }

    public ValueTask<long> GetGenerationAsync()
    {
        ReleaseIfEmpty();
        return ValueTask.FromResult(state.State.Generation);
    }

    public ValueTask<long> GetLoadsAsync()
    {
        ReleaseIfEmpty();
        return ValueTask.FromResult(state.State.Loads);
    }

    public ValueTask<ImmutableArray<string>> GetNodeIdsAsync()
    {
        ReleaseIfEmpty();
        return ValueTask.FromResult(_nodeIds);
    }

    public ValueTask<ImmutableArray<string>> FindUnknownAsync(ImmutableArray<string> nodes)
    {
        ReleaseIfEmpty();
        return ValueTask.FromResult(nodes.Where(n => !_nodeSet.Contains(n)).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToImmutableArray());
    }

    /// <summary>
    /// A world that has no topology and is not loading one (a mistyped world name, read or reported to)
    /// is let go once idle, rather than kept alive; its persisted state is all it has.
    /// </summary>
    private void ReleaseIfEmpty()
    {
        if (state.State.Topology is null && _loadsRunning == 0)
        {
            DeactivateOnIdle();
        }
    }

    private WorldInfo Info()
    {
        var topology = state.State.Topology ?? throw new NoTopologyException(World);
        return new WorldInfo(World, topology.Name, state.State.Loads, topology.Domains.Length,
            topology.AllSegments.Count(), _nodeIds.Length,
            topology.AllNodes.Sum(n => n.Dependencies.Sum(g => g.Nodes.Length)));
    }

    private void Index(TopologyDefinition? topology)
    {
        _nodeIds = topology is null ? [] : [.. topology.AllNodes.Select(n => n.Id).Order(StringComparer.Ordinal)];
        _nodeSet = _nodeIds.ToFrozenSet(StringComparer.Ordinal);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "World {World}: loaded topology '{Name}' generation {Generation}: {Domains} domains, {Segments} segments, {Nodes} nodes; {Retired} nodes retired")]
    private static partial void LogLoaded(ILogger logger, string world, string name, long generation, int domains, int segments, int nodes, int retired);

    [LoggerMessage(Level = LogLevel.Warning, Message = "World {World}: working the cascades out again for the dependency cycles failed; trying again")]
    private static partial void LogRecoveryFailed(ILogger logger, Exception exception, string world);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "World {World}: notices keep going round a dependency cycle (node {Node} flipped many times on them alone); settling the whole world")]
    private static partial void LogWaveReported(ILogger logger, string world, string node);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "World {World}: no cycle recovery needed: none of the {Askers} nodes that asked is held down any more")]
    private static partial void LogRecoverySpared(ILogger logger, string world, int askers);

    [LoggerMessage(Level = LogLevel.Warning, Message = "World {World}: could not ask {Nodes} nodes on a cycle whether they are still held down; working the cascades out again")]
    private static partial void LogHeldDownUnknown(ILogger logger, Exception exception, string world, int nodes);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "World {World}: cascades worked out again for the dependency cycles by settling the whole world (generation {Generation}), {Milliseconds} ms")]
    private static partial void LogWorldSettled(ILogger logger, string world, long generation, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "World {World}: cascades worked out again for the dependency cycles (generation {Generation}): {Changed} nodes held down by a cycle alone changed, {Milliseconds} ms")]
    private static partial void LogCyclesChecked(ILogger logger, string world, long generation, int changed, long milliseconds);
}
