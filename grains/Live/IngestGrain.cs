using System.Collections.Frozen;
using System.Collections.Immutable;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;

namespace Bulwark.Grains.Live;

/// <summary>
/// Takes batches of observations: checks every value and node id first, so a batch is applied
/// whole or not at all, then calls each segment once with its nodes' observations, in the
/// compact form of <see cref="ObservationBatch"/>.
/// </summary>
[GrainType("bulwark.ingest"), StatelessWorker]
public sealed class IngestGrain(IOptions<LiveOptions> options, TimeProvider clock) : Grain, IIngestGrain
{
    private long _loads;
    private FrozenSet<string> _nodes = FrozenSet<string>.Empty;
    private readonly Dictionary<string, ISegmentGrain> _segments = new(StringComparer.Ordinal);

    public ValueTask<IngestResult> ReportAsync(ImmutableArray<Observation> observations) =>
        observations.IsDefaultOrEmpty ? ValueTask.FromResult(IngestResult.Empty) : ReportBatchAsync(ObservationBatch.From(observations));

    public async ValueTask<IngestResult> ReportBatchAsync(ObservationBatch batch)
    {
        ObservationRules.ThrowIfInvalid(batch);
        if (batch.Count == 0)
        {
            return IngestResult.Empty;
        }
        ObservationClock.ThrowIfAhead(batch, clock.GetUtcNow(), options.Value.FutureTolerance);

        var world = this.GetPrimaryKeyString();
        var worldGrain = GrainFactory.GetGrain<IWorldGrain>(world);
        // The node ids change with a topology load only.
        var loads = await worldGrain.GetLoadsAsync();
        if (loads == 0)
        {
            throw new NoTopologyException(world);
        }
        if (loads != _loads)
        {
            _nodes = (await worldGrain.GetNodeIdsAsync()).ToFrozenSet(StringComparer.Ordinal);
            _loads = loads;
        }
        var unknown = batch.Nodes.Where(n => !_nodes.Contains(n)).Order(StringComparer.Ordinal).ToImmutableArray();
        if (!unknown.IsEmpty)
        {
            throw new UnknownNodesException(world, unknown);
        }

        // One call per segment: each segment updates its nodes and sends one tally up the chain.
        var parts = SplitBySegment(batch);
        var fanOut = options.Value.IngestFanOut is > 0 and var bound ? Math.Min(bound, parts.Count) : parts.Count;
        var total = IngestResult.Empty;
        var next = 0;
        Exception? failure = null;
        // A fixed number of callers take the next segment in turn; the grain runs one turn at a time, so they share next and total safely.
        // Every segment is called even when one fails (the batch was checked whole before), and the first failure is reported.
        // Between segments a caller lets the requests waiting in the silo's global queue (posture reads) go first: see QueueYield.
        async Task CallerAsync()
        {
            while (next < parts.Count)
            {
                var (segment, part) = parts[next++];
                try
                {
                    // Await first, then add: the other callers change total while this one waits.
                    var result = await Segment(world, segment).ObserveNodesAsync(part);
                    total = total.Plus(result);
                }
                catch (Exception e)
                {
                    failure ??= e;
                }
                if (next < parts.Count)
                {
                    await QueueYield.ToGlobalQueue();
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, fanOut).Select(_ => CallerAsync()));
        if (failure is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
        }
        return total;
    }

    public ValueTask<(DateTimeOffset Now, TimeSpan Tolerance)> GetClockAsync() =>
        ValueTask.FromResult((clock.GetUtcNow(), options.Value.FutureTolerance));

    /// <summary>A segment's grain; references are kept, since every batch calls the same segments again.</summary>
    private ISegmentGrain Segment(string world, string segment)
    {
        if (!_segments.TryGetValue(segment, out var grain))
        {
            _segments[segment] = grain = GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(world, segment));
        }
        return grain;
    }

    /// <summary>
    /// The batch cut once into one batch per node (<see cref="ObservationBatch.ByNode"/>), grouped by
    /// segment in the order the segments first appear, each segment's nodes in ordinal order of id.
    /// </summary>
    private static List<(string Segment, ImmutableArray<ObservationBatch> Nodes)> SplitBySegment(ObservationBatch batch)
    {
        var byNode = batch.ByNode();
        var parts = new List<(string Segment, List<int> Nodes)>();
        var partOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < batch.Nodes.Length; i++)
        {
            if (byNode[i].Count == 0)
            {
                continue;
            }
            var segment = EntityId.SegmentOf(batch.Nodes[i]);
            if (!partOf.TryGetValue(segment, out var part))
            {
                partOf[segment] = part = parts.Count;
                parts.Add((segment, []));
            }
            parts[part].Nodes.Add(i);
        }
        return parts.ConvertAll(p =>
        {
            p.Nodes.Sort((a, b) => string.CompareOrdinal(batch.Nodes[a], batch.Nodes[b]));
            return (p.Segment, p.Nodes.Select(i => byNode[i]).ToImmutableArray());
        });
    }
}

/// <summary>A grain that answers at once: the raw call rate yardstick for benchmarks.</summary>
[GrainType("bulwark.ping")]
public sealed class PingGrain : Grain, IPingGrain
{
    public ValueTask<int> PingAsync(int value) => ValueTask.FromResult(value);

    public async Task<double> FanOutAsync(int calls, int parallel)
    {
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        var next = 0;
        var self = this.GetPrimaryKeyLong();
        async Task Worker(int worker)
        {
            var target = GrainFactory.GetGrain<IPingGrain>(1_000_000 + self * 1_000 + worker);
            while (next++ < calls)
            {
                await target.PingAsync(worker);
            }
        }
        await Task.WhenAll(Enumerable.Range(0, parallel).Select(Worker));
        return System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
