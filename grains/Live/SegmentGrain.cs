using System.Collections.Immutable;
using Orleans.Concurrency;
using Orleans.Streams;

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
    private readonly Dictionary<string, INodeGrain> _nodeGrains = new(StringComparer.Ordinal);
    private string _world = "";
    private string _id = "";
    private long _generation;
    private long _version;
    private PostureTally _tally = PostureTally.Empty;
    private IAsyncStream<PostureChange>? _stream;
    private IDomainGrain? _domain;

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
        if (generation != _generation || !Apply(node))
        {
            return new ChainCapability(_tally.Capability, double.NaN, double.NaN);
        }
        return await ForwardAsync();
    }

    public async ValueTask<IngestResult> ObserveAsync(ObservationBatch batch)
    {
        ObservationRules.ThrowIfInvalid(batch);
        if (batch.Count == 0)
        {
            return IngestResult.Empty;
        }
        var outcomes = await Task.WhenAll(SplitByNode(batch).Select(p => Node(p.Node).ObserveForSegmentAsync(p.Batch).AsTask()));

        var changes = outcomes.Where(o => o.Change is not null && Apply(o.Change)).ToList();
        if (changes.Count > 0)
        {
            var chain = await ForwardAsync();
            if (!double.IsNaN(chain.Domain) && !double.IsNaN(chain.Alliance))
            {
                _stream ??= this.GetStreamProvider(BulwarkStreams.Provider)
                    .GetStream<PostureChange>(StreamId.Create(BulwarkStreams.PostureNamespace, _world));
                foreach (var o in changes.Where(o => o.Change!.Status != o.From))
                {
                    await _stream.OnNextAsync(new PostureChange(_world, o.Change!.Id, o.From, o.Change.Status, o.Time, o.Technique, o.Source,
                        chain.Segment, chain.Domain, chain.Alliance));
                }
            }
        }
        return outcomes.Aggregate(IngestResult.Empty, (sum, o) => sum.Plus(o.Result));
    }

    /// <summary>The batch cut into one batch per node, in ordinal order of node id, each with only its own labels.</summary>
    private static IEnumerable<(string Node, ObservationBatch Batch)> SplitByNode(ObservationBatch batch)
    {
        var items = new List<ObservationItem>?[batch.Nodes.Length];
        foreach (var item in batch.Items)
        {
            (items[item.Node] ??= []).Add(item);
        }
        // Each part has one node: every node index of the batch maps to the part's node 0.
        var toFirst = new int[batch.Nodes.Length];
        var order = Enumerable.Range(0, batch.Nodes.Length).Where(i => items[i] is not null)
            .OrderBy(i => batch.Nodes[i], StringComparer.Ordinal);
        return order.Select(i => (batch.Nodes[i], batch.Part([batch.Nodes[i]], toFirst, items[i]!)));
    }

    /// <summary>The grain of one of this segment's nodes; references are kept, since a segment calls the same nodes again and again.</summary>
    private INodeGrain Node(string id)
    {
        if (!_nodeGrains.TryGetValue(id, out var grain))
        {
            _nodeGrains[id] = grain = GrainFactory.GetGrain<INodeGrain>(EntityId.Key(_world, id));
        }
        return grain;
    }

    /// <summary>Applies a node's brief unless a newer one is already in; true when it was applied.</summary>
    private bool Apply(NodeBrief node)
    {
        if (!_nodes.TryGetValue(node.Id, out var old) || old.Sequence >= node.Sequence)
        {
            return false;
        }
        _nodes[node.Id] = node;
        _tally = _tally.Minus(Tally(old)).Plus(Tally(node));
        return true;
    }

    /// <summary>Sends the segment's current tally up the chain.</summary>
    private async ValueTask<ChainCapability> ForwardAsync()
    {
        var tally = _tally;
        var version = ++_version;
        var domain = _domain ??= GrainFactory.GetGrain<IDomainGrain>(EntityId.Key(_world, EntityId.DomainOf(_id)));
        var (domainCapability, allianceCapability) = await domain.SegmentChangedAsync(_generation, _id, version, tally);
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
