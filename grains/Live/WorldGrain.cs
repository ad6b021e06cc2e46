using System.Collections.Frozen;
using System.Collections.Immutable;
using Bulwark.Grains.Simulation;
using Microsoft.Extensions.Logging;

namespace Bulwark.Grains.Live;

/// <summary>Stored state of a world grain.</summary>
[GenerateSerializer, Alias("bulwark.world-state")]
public sealed class WorldState
{
    /// <summary>Increments with every load; 0 before the first.</summary>
    [Id(0)] public long Generation { get; set; }

    /// <summary>The loaded topology.</summary>
    [Id(1)] public TopologyDefinition? Topology { get; set; }
}

/// <summary>
/// A world's registry. Loading a topology initialises the alliance, domain, segment and node
/// grains (all healthy) and retires nodes the new topology no longer has.
/// </summary>
/// <remarks>
/// Aggregates (segment, domain, alliance) are initialised before any node, so a node change can
/// always find its segment ready. Aggregates are kept in memory and their grains are kept alive.
/// </remarks>
[GrainType("bulwark.world")]
public sealed partial class WorldGrain(
    [PersistentState("world", BulwarkStorage.Name)] IPersistentState<WorldState> state,
    ILogger<WorldGrain> logger) : Grain, IWorldGrain
{
    /// <summary>How many node grains are initialised at once while loading.</summary>
    private const int LoadParallelism = 512;

    private ImmutableArray<string> _nodeIds = [];
    private FrozenSet<string> _nodeSet = FrozenSet<string>.Empty;

    private string World => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Index(state.State.Topology);
        return Task.CompletedTask;
    }

    public async Task<WorldInfo> LoadTopologyAsync(TopologyDefinition topology, CancellationToken cancellationToken = default)
    {
        var previous = _nodeIds;
        var generation = state.State.Generation + 1;
        var world = World;
        var dependants = NodeRules.Dependants(topology.AllNodes);

        var domainTallies = new List<PostureTally>();
        var inits = new List<Task>();
        foreach (var domain in topology.Domains)
        {
            var segmentTallies = new List<PostureTally>();
            foreach (var segment in domain.Segments)
            {
                var briefs = segment.Nodes.Select(n => new NodeBrief(n.Id, NodeStatus.Healthy, true, n.Criticality)).ToImmutableArray();
                segmentTallies.Add(briefs.Aggregate(PostureTally.Empty,
                    (t, b) => t.Plus(PostureTally.Of(b.Status, b.Operational, b.Criticality))));
                inits.Add(GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(world, segment.Id)).InitializeAsync(generation, briefs));
            }
            var domainTally = segmentTallies.Aggregate(PostureTally.Empty, (t, s) => t.Plus(s));
            domainTallies.Add(domainTally);
            inits.Add(GrainFactory.GetGrain<IDomainGrain>(EntityId.Key(world, domain.Id))
                .InitializeAsync(generation, domain, [.. segmentTallies]));
        }
        inits.Add(GrainFactory.GetGrain<IAllianceGrain>(world)
            .InitializeAsync(generation, [.. topology.Domains.Select(d => d.Id)], [.. domainTallies]));
        await Task.WhenAll(inits);

        await Parallel.ForEachAsync(topology.AllNodes,
            new ParallelOptions { MaxDegreeOfParallelism = LoadParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
            async (node, _) => await GrainFactory.GetGrain<INodeGrain>(EntityId.Key(world, node.Id))
                .InitializeAsync(generation, node, dependants.GetValueOrDefault(node.Id, [])));

        state.State.Generation = generation;
        state.State.Topology = topology;
        await state.WriteStateAsync(cancellationToken);
        Index(topology);

        var retired = previous.Except(_nodeIds, StringComparer.Ordinal).ToList();
        await Parallel.ForEachAsync(retired,
            new ParallelOptions { MaxDegreeOfParallelism = LoadParallelism, CancellationToken = cancellationToken, TaskScheduler = TaskScheduler.Current },
            async (id, _) => await GrainFactory.GetGrain<INodeGrain>(EntityId.Key(world, id)).RetireAsync(generation));

        var info = Info();
        LogLoaded(logger, world, info.Name, generation, info.Domains, info.Segments, info.Nodes, retired.Count);
        return info;
    }

    public ValueTask<WorldInfo> GetInfoAsync() => ValueTask.FromResult(Info());

    public ValueTask<long> GetGenerationAsync() => ValueTask.FromResult(state.State.Generation);

    public ValueTask<ImmutableArray<string>> GetNodeIdsAsync() => ValueTask.FromResult(_nodeIds);

    public ValueTask<ImmutableArray<string>> FindUnknownAsync(ImmutableArray<string> nodes) =>
        ValueTask.FromResult(nodes.Where(n => !_nodeSet.Contains(n)).Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal).ToImmutableArray());

    private WorldInfo Info()
    {
        var topology = state.State.Topology ?? throw new NoTopologyException(World);
        return new WorldInfo(World, topology.Name, state.State.Generation, topology.Domains.Length,
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
}
