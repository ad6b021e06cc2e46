using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Bulwark.Grains.Live;

/// <summary>
/// A domain's aggregate: the newest tally of each of its segments and their sum. One update to the
/// alliance is in flight at a time; segment changes that arrive meanwhile go up together in the next.
/// </summary>
[GrainType("bulwark.domain"), Reentrant, KeepAlive]
public sealed class DomainGrain : Grain, IDomainGrain
{
    private readonly SortedDictionary<string, (long Version, PostureTally Tally)> _segments = new(StringComparer.Ordinal);
    private string _world = "";
    private string _id = "";
    private long _generation;
    private long _version;
    private PostureTally _tally = PostureTally.Empty;
    private IAllianceGrain? _alliance;
    private readonly Coalescer<(double Domain, double Alliance)> _forward;

    public DomainGrain() => _forward = new(SendAsync);

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_world, _id) = EntityId.SplitKey(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task InitializeAsync(long generation, DomainDefinition definition, ImmutableArray<PostureTally> segmentTallies)
    {
        _generation = generation;
        _version = 0;
        _segments.Clear();
        _tally = PostureTally.Empty;
        for (var i = 0; i < definition.Segments.Length; i++)
        {
            _segments[definition.Segments[i].Id] = (0, segmentTallies[i]);
            _tally = _tally.Plus(segmentTallies[i]);
        }
        return Task.CompletedTask;
    }

    public Task RetireAsync(long generation)
    {
        // A later load that has the domain again has initialised it already.
        if (_generation < generation)
        {
            _generation = 0;
            _segments.Clear();
            _tally = PostureTally.Empty;
            DeactivateOnIdle();
        }
        return Task.CompletedTask;
    }

    public async ValueTask<(double Domain, double Alliance)> SegmentChangedAsync(long generation, string segment, long version, PostureTally tally)
    {
        if (generation != _generation || !_segments.TryGetValue(segment, out var old) || old.Version >= version)
        {
            return (_tally.Capability, double.NaN);
        }
        _segments[segment] = (version, tally);
        _tally = _tally.Replace(old.Tally, tally);
        return await _forward.RequestAsync();
    }

    /// <summary>Sends the domain's current tally to the alliance.</summary>
    private async Task<(double Domain, double Alliance)> SendAsync()
    {
        var mine = _tally;
        var version = ++_version;
        var alliance = _alliance ??= GrainFactory.GetGrain<IAllianceGrain>(_world);
        var allianceCapability = await alliance.DomainChangedAsync(_generation, _id, version, mine);
        return (mine.Capability, allianceCapability);
    }

    public ValueTask<PostureSnapshot> GetPostureAsync()
    {
        if (_generation == 0)
        {
            return NotInWorldAsync();
        }
        return ValueTask.FromResult(new PostureSnapshot(_world, "domain", _id, _tally,
            [.. _segments.Select(p => new PostureSnapshot(_world, "segment", p.Key, p.Value.Tally, [], []))], []));
    }

    /// <summary>
    /// What to tell a reader of a domain the topology does not have: that the world has no topology at all,
    /// when it has none, or else that it has no such domain. The activation goes when idle.
    /// </summary>
    private async ValueTask<PostureSnapshot> NotInWorldAsync()
    {
        DeactivateOnIdle();
        throw await NotInTopology.ExceptionAsync(GrainFactory, _world, () => new UnknownScopeException(_world, "domain", _id));
    }
}
