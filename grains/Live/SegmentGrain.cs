using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Bulwark.Grains.Live;

/// <summary>
/// A segment's aggregate, kept incrementally from its nodes' changes. Reentrant: a change is
/// applied before the await that forwards it, and the domain keeps only the newest tally version,
/// so interleaved changes cannot lose or double-count a node.
/// </summary>
[GrainType("bulwark.segment"), Reentrant, KeepAlive]
public sealed class SegmentGrain : Grain, ISegmentGrain
{
    private readonly SortedDictionary<string, NodeBrief> _nodes = new(StringComparer.Ordinal);
    private string _world = "";
    private string _id = "";
    private long _generation;
    private long _version;
    private PostureTally _tally = PostureTally.Empty;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_world, _id) = EntityId.SplitKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task InitializeAsync(long generation, ImmutableArray<NodeBrief> nodes)
    {
        _generation = generation;
        _version = 0;
        _nodes.Clear();
        _tally = PostureTally.Empty;
        foreach (var node in nodes)
        {
            _nodes[node.Id] = node;
            _tally = _tally.Plus(Tally(node));
        }
        return Task.CompletedTask;
    }

    public async ValueTask<ChainCapability> NodeChangedAsync(long generation, NodeBrief node)
    {
        if (generation != _generation || !_nodes.TryGetValue(node.Id, out var old))
        {
            return new ChainCapability(_tally.Capability, double.NaN, double.NaN);
        }
        _nodes[node.Id] = node;
        _tally = _tally.Minus(Tally(old)).Plus(Tally(node));
        var tally = _tally;
        var version = ++_version;
        var domain = GrainFactory.GetGrain<IDomainGrain>(EntityId.Key(_world, EntityId.DomainOf(_id)));
        var (domainCapability, allianceCapability) = await domain.SegmentChangedAsync(generation, _id, version, tally);
        return new ChainCapability(tally.Capability, domainCapability, allianceCapability);
    }

    public ValueTask<PostureSnapshot> GetPostureAsync()
    {
        if (_generation == 0)
        {
            DeactivateOnIdle();
            throw new UnknownScopeException(_world, "segment", _id);
        }
        return ValueTask.FromResult(new PostureSnapshot(_world, "segment", _id, _tally, [], [.. _nodes.Values]));
    }

    private static PostureTally Tally(NodeBrief node) => PostureTally.Of(node.Status, node.Operational, node.Criticality);
}
