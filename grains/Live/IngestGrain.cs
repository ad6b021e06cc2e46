using System.Collections.Frozen;
using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Bulwark.Grains.Live;

/// <summary>
/// Takes batches of observations: checks every value and node id first, so a batch is applied
/// whole or not at all, then calls each segment once with its nodes' observations.
/// </summary>
[GrainType("bulwark.ingest"), StatelessWorker]
public sealed class IngestGrain : Grain, IIngestGrain
{
    private long _generation;
    private FrozenSet<string> _nodes = FrozenSet<string>.Empty;

    public async ValueTask<IngestResult> ReportAsync(ImmutableArray<Observation> observations)
    {
        if (observations.IsDefaultOrEmpty)
        {
            return IngestResult.Empty;
        }
        ObservationRules.ThrowIfInvalid(observations);

        var world = this.GetPrimaryKeyString();
        var worldGrain = GrainFactory.GetGrain<IWorldGrain>(world);
        var generation = await worldGrain.GetGenerationAsync();
        if (generation == 0)
        {
            throw new NoTopologyException(world);
        }
        if (generation != _generation)
        {
            _nodes = (await worldGrain.GetNodeIdsAsync()).ToFrozenSet(StringComparer.Ordinal);
            _generation = generation;
        }

        // One call per segment: each segment updates its nodes and sends one tally up the chain.
        var bySegment = new Dictionary<string, ImmutableArray<Observation>.Builder>(StringComparer.Ordinal);
        SortedSet<string>? unknown = null;
        foreach (var observation in observations)
        {
            if (!_nodes.Contains(observation.Node))
            {
                (unknown ??= new SortedSet<string>(StringComparer.Ordinal)).Add(observation.Node);
                continue;
            }
            var segment = EntityId.SegmentOf(observation.Node);
            if (!bySegment.TryGetValue(segment, out var list))
            {
                bySegment[segment] = list = ImmutableArray.CreateBuilder<Observation>();
            }
            list.Add(observation);
        }
        if (unknown is not null)
        {
            throw new UnknownNodesException(world, unknown);
        }

        var results = await Task.WhenAll(bySegment.Select(p =>
            GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(world, p.Key)).ObserveAsync(p.Value.ToImmutable()).AsTask()));
        return results.Aggregate(IngestResult.Empty, (sum, r) => sum.Plus(r));
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
