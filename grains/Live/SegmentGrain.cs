using System.Collections.Immutable;
using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Streams;

namespace Bulwark.Grains.Live;

/// <summary>
/// A segment's aggregate, kept incrementally from its nodes' changes, and the publisher of their
/// changes on the posture stream. Reentrant: a change is applied before the await that forwards
/// it, and the domain keeps only the newest tally version, so interleaved changes cannot lose or
/// double-count a node. One forward is in flight at a time; the changes that arrive meanwhile go
/// up together in the next one, and their posture changes are published as one stream batch with
/// the capabilities that forward returned. When the stream does not take them (its queue is full
/// under a burst, or its provider fails), the changes wait for a later forward, one per node, and
/// the callers that shared the forward are not failed: their changes are applied and counted.
/// </summary>
[GrainType("bulwark.segment"), Reentrant, KeepAlive]
public sealed partial class SegmentGrain : Grain, ISegmentGrain
{
    /// <summary>How long after a failed publish the segment tries again, if no change sends a forward before.</summary>
    private static readonly TimeSpan RepublishDelay = TimeSpan.FromSeconds(1);

    /// <summary>Refused publishes are logged at most this often in a silo: a burst into a large world reaches hundreds of segments at once.</summary>
    private static readonly TimeSpan RefusalWarningInterval = TimeSpan.FromSeconds(10);

    private static long s_lastRefusalWarning = long.MinValue;
    private static int s_refusalsNotLogged;

    private readonly ILogger<SegmentGrain> _logger;
    private readonly SortedDictionary<string, NodeBrief> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, INodeGrain> _nodeGrains = new(StringComparer.Ordinal);
    private string _world = "";
    private string _id = "";
    private long _generation;
    private long _version;
    private PostureTally _tally = PostureTally.Empty;
    private IAsyncStream<PostureChange>? _stream;
    private IDomainGrain? _domain;
    private List<Unpublished> _unpublished = [];
    private readonly Coalescer<ChainCapability> _forward;
    private IGrainTimer? _republish;
    private int _publishFailures;

    /// <summary>A node's change of effective status, waiting for the forward that publishes it.</summary>
    private readonly record struct Unpublished(string Node, NodeStatus From, bool FromOperational, NodeStatus To, bool ToOperational,
        DateTimeOffset Time, string? Technique, string? Source)
    {
        /// <summary>False for a node back where its watchers last saw it.</summary>
        public bool IsChange => From != To || FromOperational != ToOperational;
    }

    private readonly IOptions<LiveOptions> _options;
    private readonly TimeProvider _clock;

    public SegmentGrain(ILogger<SegmentGrain> logger, IOptions<LiveOptions> options, TimeProvider clock)
    {
        _logger = logger;
        _options = options;
        _clock = clock;
        _forward = new(SendAsync);
    }

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_world, _id) = EntityId.SplitKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task InitializeAsync(long generation, ImmutableArray<NodeBrief> nodes, DateTimeOffset time, string source)
    {
        _generation = generation;
        _version = 0;
        var before = new Dictionary<string, NodeBrief>(_nodes, StringComparer.Ordinal);
        _nodes.Clear();
        _tally = PostureTally.Empty;
        foreach (var node in nodes)
        {
            _nodes[node.Id] = node;
            _tally = _tally.Plus(Tally(node));
            // What the load changed for a node the segment had: watchers go from what they last saw to it.
            if (before.TryGetValue(node.Id, out var old) && (old.Status != node.Status || old.Operational != node.Operational))
            {
                _unpublished.Add(new Unpublished(node.Id, old.Status, old.Operational, node.Status, node.Operational, time, null, source));
            }
        }
        // Changes not yet published stay real across a load or a whole-world recovery (for nodes the segment still has):
        // the watchers get them with the first forward of the new generation, which goes now, since the domain
        // above was initialised before this segment.
        _unpublished = _unpublished.FindAll(c => _nodes.ContainsKey(c.Node));
        if (_unpublished.Count > 0)
        {
            _ = _forward.RequestAsync();
        }
        return Task.CompletedTask;
    }

    public Task RetireAsync(long generation)
    {
        // A later load that has the segment again has initialised it already.
        if (_generation < generation)
        {
            _generation = 0;
            _nodes.Clear();
            _tally = PostureTally.Empty;
            _unpublished.Clear();
            _republish?.Dispose();
            _republish = null;
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    public async ValueTask<ChainCapability> NodeChangedAsync(long generation, NodeBrief node, DateTimeOffset time, string? technique, string? source)
    {
        if (generation != _generation || !Apply(node, time, technique, source))
        {
            return new ChainCapability(_tally.Capability, double.NaN, double.NaN);
        }
        return await _forward.RequestAsync();
    }

    public ValueTask<IngestResult> ObserveNodesAsync(ImmutableArray<ObservationBatch> nodes)
    {
        if (nodes.IsDefault)
        {
            throw new InvalidRequestException("no node batches were given");
        }
        var given = new HashSet<string>(StringComparer.Ordinal);
        var now = _clock.GetUtcNow();
        var parts = ImmutableArray.CreateBuilder<ObservationBatch>(nodes.Length);
        for (var i = 0; i < nodes.Length; i++)
        {
            var part = nodes[i];
            ObservationRules.ThrowIfInvalid(part);
            if (part.Count == 0)
            {
                continue;
            }
            ObservationClock.ThrowIfAhead(part, now, _options.Value.FutureTolerance);
            if (part.Nodes.Length != 1)
            {
                throw new InvalidRequestException($"node batch {i + 1} has {part.Nodes.Length} nodes, not one");
            }
            var node = part.Nodes[0];
            if (!InSegment(node))
            {
                throw new InvalidRequestException($"node batch {i + 1}: '{Echo.Of(node)}' is not a node of segment '{_id}'");
            }
            if (!given.Add(node))
            {
                throw new InvalidRequestException($"node batch {i + 1}: '{Echo.Of(node)}' is given more than once");
            }
            parts.Add(part);
        }
        return ApplyAsync(parts.DrainToImmutable());
    }

    /// <summary>True when <paramref name="node"/> is <c>segment/name</c> for this segment, by its id alone.</summary>
    private bool InSegment(string node) =>
        node.Length > _id.Length + 1 && node[_id.Length] == '/' && node.StartsWith(_id, StringComparison.Ordinal)
        && node.IndexOf('/', _id.Length + 1) < 0;

    /// <summary>Applies one-node batches, checked, each of another node: each node once, then one update up the chain.</summary>
    private async ValueTask<IngestResult> ApplyAsync(ImmutableArray<ObservationBatch> nodes)
    {
        if (nodes.IsEmpty)
        {
            return IngestResult.Empty;
        }
        // If a topology load reset the segment meanwhile, a node's brief still applies only when newer than the one the
        // load set: a node that changed before the load is in the load's brief already, and one still loading returns none.
        var calls = new Task<NodeOutcome>[nodes.Length];
        for (var i = 0; i < nodes.Length; i++)
        {
            calls[i] = Node(nodes[i].Nodes[0]).ObserveForSegmentAsync(nodes[i]).AsTask();
        }
        var outcomes = await Task.WhenAll(calls);

        var applied = false;
        int accepted = 0, fresh = 0, stale = 0, changed = 0;
        foreach (var o in outcomes)
        {
            if (o.Change is { } change && Apply(change, o.Time, o.Technique, o.Source))
            {
                applied = true;
            }
            (accepted, fresh, stale, changed) = (accepted + o.Result.Accepted, fresh + o.Result.Applied, stale + o.Result.Stale, changed + o.Result.Changed);
        }
        if (applied)
        {
            await _forward.RequestAsync();
        }
        return new IngestResult(accepted, fresh, stale, changed);
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

    /// <summary>
    /// Applies a node's brief unless a newer one is already in, and keeps a change of status for the
    /// next forward to publish; true when it was applied.
    /// </summary>
    /// <remarks>
    /// The change published goes from the status the segment had for the node, not the one the node
    /// changed from: briefs can arrive out of order (a dependency notice that reaches the node while
    /// the segment waits for the node's answer to a batch pushes a newer brief first, and the older
    /// one is then dropped), and watchers must still go from what they last saw to the newest.
    /// </remarks>
    private bool Apply(NodeBrief node, DateTimeOffset time, string? technique, string? source)
    {
        if (!_nodes.TryGetValue(node.Id, out var old) || old.Sequence >= node.Sequence)
        {
            return false;
        }
        _nodes[node.Id] = node;
        _tally = _tally.Move(old.Status, old.Operational, old.Criticality, node.Status, node.Operational, node.Criticality);
        if (node.Status != old.Status || node.Operational != old.Operational)
        {
            _unpublished.Add(new Unpublished(node.Id, old.Status, old.Operational, node.Status, node.Operational, time, technique, source));
        }
        return true;
    }

    /// <summary>
    /// Sends the segment's current tally up the chain, then publishes the changes it carries. NaN
    /// comes back when the aggregates belong to another generation (a topology load, or a cycle
    /// recovery that settles the whole world, raced the changes); those changes wait for the new generation's first forward.
    /// Changes that could not go out (the forward failed, or the stream did not take them) wait
    /// for a later forward; one is tried a second later if no change sends one before.
    /// </summary>
    private async Task<ChainCapability> SendAsync()
    {
        var tally = _tally;
        var version = ++_version;
        var changes = _unpublished;
        _unpublished = [];
        var generation = _generation;
        var domain = _domain ??= GrainFactory.GetGrain<IDomainGrain>(EntityId.Key(_world, EntityId.DomainOf(_id)));
        double domainCapability, allianceCapability;
        try
        {
            (domainCapability, allianceCapability) = await domain.SegmentChangedAsync(generation, _id, version, tally);
        }
        catch
        {
            Requeue(changes, merge: false);
            RetryLater();
            throw;
        }
        if (changes.Count == 0)
        {
            return new ChainCapability(tally.Capability, domainCapability, allianceCapability);
        }
        if (double.IsNaN(domainCapability) || double.IsNaN(allianceCapability))
        {
            // A load or whole-world recovery is re-initialising the aggregates. If it has reached this segment, the changes go
            // with the new generation's next forward; if not yet, with the forward its initialisation asks for.
            Requeue(changes, merge: false);
            if (_generation != generation && _unpublished.Count > 0)
            {
                _ = _forward.RequestAsync();
            }
            return new ChainCapability(tally.Capability, domainCapability, allianceCapability);
        }

        _stream ??= this.GetStreamProvider(BulwarkStreams.Provider)
            .GetStream<PostureChange>(StreamId.Create(BulwarkStreams.PostureNamespace, _world));
        try
        {
            await _stream.OnNextBatchAsync(changes.ConvertAll(c => new PostureChange(_world, c.Node, c.From, c.To, c.Time, c.Technique, c.Source,
                tally.Capability, domainCapability, allianceCapability, c.ToOperational)));
            if (_publishFailures > 0)
            {
                LogPublishedAgain(_logger, _world, _id, _publishFailures);
                _publishFailures = 0;
            }
        }
        catch (Exception e)
        {
            // The aggregates have the changes; only the watchers wait for them (nothing cancels a publish on purpose).
            if (_publishFailures++ == 0)
            {
                WarnRefused(e);
            }
            Requeue(changes, merge: true);
            RetryLater();
        }
        return new ChainCapability(tally.Capability, domainCapability, allianceCapability);
    }

    /// <summary>Logs a refused publish, unless another segment of this silo did less than <see cref="RefusalWarningInterval"/> ago.</summary>
    private void WarnRefused(Exception e)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref s_lastRefusalWarning);
        if ((last != long.MinValue && Stopwatch.GetElapsedTime(last, now) < RefusalWarningInterval)
            || Interlocked.CompareExchange(ref s_lastRefusalWarning, now, last) != last)
        {
            Interlocked.Increment(ref s_refusalsNotLogged);
            return;
        }
        LogPublishFailed(_logger, e, _world, _id, Interlocked.Exchange(ref s_refusalsNotLogged, 0));
    }

    /// <summary>Arms a forward a second from now, for a tally or changes that did not go out.</summary>
    private void RetryLater()
    {
        _republish ??= this.RegisterGrainTimer(_ => _forward.RequestAsync(),
            new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        _republish.Change(RepublishDelay, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Puts changes that did not go out back in front of those made since, for the nodes the
    /// segment still has. With <paramref name="merge"/> (the stream did not take them), a node
    /// keeps one change, in the place of its newest, from the status its watchers last saw to its
    /// newest, so that while the stream stays away a segment holds at most one change per node; a
    /// node back where its watchers last saw it has none (its history has every change).
    /// </summary>
    private void Requeue(List<Unpublished> failed, bool merge)
    {
        var all = failed.Concat(_unpublished).Where(c => _nodes.ContainsKey(c.Node));
        if (!merge)
        {
            _unpublished = [.. all];
            return;
        }
        var merged = new Dictionary<string, (Unpublished Change, int Newest)>(StringComparer.Ordinal);
        var position = 0;
        foreach (var change in all)
        {
            merged[change.Node] = (merged.TryGetValue(change.Node, out var old)
                ? change with { From = old.Change.From, FromOperational = old.Change.FromOperational }
                : change, position++);
        }
        _unpublished = [.. merged.Values.Where(m => m.Change.IsChange).OrderBy(m => m.Newest).Select(m => m.Change)];
    }

    public ValueTask<PostureSnapshot> GetPostureAsync()
    {
        if (_generation == 0)
        {
            return NotInWorldAsync();
        }
        return ValueTask.FromResult(new PostureSnapshot(_world, "segment", _id, _tally, [], [.. _nodes.Values]));
    }

    /// <summary>
    /// What to tell a reader of a segment the topology does not have: that the world has no topology at all,
    /// when it has none, or else that it has no such segment. The activation goes when idle.
    /// </summary>
    private async ValueTask<PostureSnapshot> NotInWorldAsync()
    {
        DeactivateOnIdle();
        throw await NotInTopology.ExceptionAsync(GrainFactory, _world, () => new UnknownScopeException(_world, "segment", _id));
    }

    private static PostureTally Tally(NodeBrief node) => PostureTally.Of(node.Status, node.Operational, node.Criticality);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "{World}/{Segment}: the posture stream did not take the segment's changes; they are applied, and go out to watchers, one per node, when it does ({Others} other segments were refused since the last of these warnings)")]
    private static partial void LogPublishFailed(ILogger logger, Exception exception, string world, string segment, int others);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{World}/{Segment}: the posture stream takes the segment's changes again, after {Failures} failed publishes")]
    private static partial void LogPublishedAgain(ILogger logger, string world, string segment, int failures);
}
