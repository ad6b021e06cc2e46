namespace Bulwark.Bench;

/// <summary>
/// Deterministic observations: the <c>i</c>-th of a run is a pure function of <c>i</c>. Nodes go
/// round-robin through the topology (so concurrent single calls rarely meet on one node), status
/// and technique come from a SplitMix64 mix of <c>i</c>, and the time is a fixed base plus
/// <c>i</c> ticks, so that a later index is always newer and nothing is stale unless two calls
/// to one node overtake each other on the way.
/// </summary>
internal sealed class ObservationSource
{
    /// <summary>Time of observation 0.</summary>
    public static readonly DateTimeOffset BaseTime = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly NodeStatus[] Statuses =
    [
        NodeStatus.Compromised,
        NodeStatus.Detected,
        NodeStatus.Isolated,
        NodeStatus.Degraded,
        NodeStatus.Down,
        NodeStatus.Recovering,
        NodeStatus.Healthy,
    ];

    private static readonly string[] Techniques =
    [
        "T1190", "T1078", "T1078.002", "T1133", "T1566.001", "T1486", "T1498", "T0831", "T0814", "T1595.002",
    ];

    private readonly string[] _nodes;
    private long _next;

    public ObservationSource(IEnumerable<string> nodes)
    {
        _nodes = [.. nodes];
        if (_nodes.Length == 0)
        {
            throw new BenchException("the topology has no nodes");
        }
    }

    /// <summary>Number of distinct nodes observed.</summary>
    public int NodeCount => _nodes.Length;

    /// <summary>Observations handed out so far.</summary>
    public long Issued => Interlocked.Read(ref _next);

    /// <summary>The next observation.</summary>
    public Observation Next() => At(Interlocked.Increment(ref _next) - 1);

    /// <summary>The next <paramref name="count"/> observations, consecutive indices.</summary>
    public Observation[] NextBatch(int count)
    {
        var first = Interlocked.Add(ref _next, count) - count;
        var batch = new Observation[count];
        for (var i = 0; i < count; i++)
        {
            batch[i] = At(first + i);
        }
        return batch;
    }

    /// <summary>Observation number <paramref name="index"/>.</summary>
    public Observation At(long index)
    {
        var mix = SplitMix64((ulong)index);
        var status = Statuses[(int)(mix % (ulong)Statuses.Length)];
        var technique = status is NodeStatus.Compromised or NodeStatus.Detected
            ? Techniques[(int)((mix >> 32) % (ulong)Techniques.Length)]
            : null;
        return new Observation(
            _nodes[(int)(index % _nodes.Length)],
            status,
            BaseTime.AddTicks(index),
            technique,
            "bulwark-bench");
    }

    /// <summary>SplitMix64's output function: a bijective, well-mixed hash of a counter.</summary>
    public static ulong SplitMix64(ulong x)
    {
        x += 0x9E3779B97F4A7C15UL;
        x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL;
        x = (x ^ (x >> 27)) * 0x94D049BB133111EBUL;
        return x ^ (x >> 31);
    }
}
