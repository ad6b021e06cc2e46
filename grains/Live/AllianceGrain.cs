using System.Collections.Immutable;

namespace Bulwark.Grains.Live;

/// <summary>The alliance aggregate of a world: the newest tally of each domain and their sum.</summary>
[GrainType("bulwark.alliance"), KeepAlive]
public sealed class AllianceGrain : Grain, IAllianceGrain
{
    private readonly SortedDictionary<string, (long Version, PostureTally Tally)> _domains = new(StringComparer.Ordinal);
    private long _generation;
    private PostureTally _tally = PostureTally.Empty;

    private string World => this.GetPrimaryKeyString();

    public Task InitializeAsync(long generation, ImmutableArray<string> domains, ImmutableArray<PostureTally> domainTallies)
    {
        _generation = generation;
        _domains.Clear();
        _tally = PostureTally.Empty;
        for (var i = 0; i < domains.Length; i++)
        {
            _domains[domains[i]] = (0, domainTallies[i]);
            _tally = _tally.Plus(domainTallies[i]);
        }
        return Task.CompletedTask;
    }

    public ValueTask<double> DomainChangedAsync(long generation, string domain, long version, PostureTally tally)
    {
        if (generation == _generation && _domains.TryGetValue(domain, out var old) && old.Version < version)
        {
            _domains[domain] = (version, tally);
            _tally = _tally.Replace(old.Tally, tally);
        }
        return ValueTask.FromResult(_tally.Capability);
    }

    public ValueTask<PostureSnapshot> GetPostureAsync()
    {
        if (_generation == 0)
        {
            // Not kept alive for a world that has no topology (a mistyped name): a load initialises a new activation.
            DeactivateOnIdle();
            throw new NoTopologyException(World);
        }
        return ValueTask.FromResult(new PostureSnapshot(World, "alliance", "", _tally,
            [.. _domains.Select(p => new PostureSnapshot(World, "domain", p.Key, p.Value.Tally, [], []))], []));
    }
}
