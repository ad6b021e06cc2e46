namespace Bulwark.Grains.Live;

/// <summary>Settings of the live world, section <c>Bulwark:Live</c>.</summary>
public sealed class LiveOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Bulwark:Live";

    /// <summary>
    /// How long a node may hold changed state before writing it to grain storage; zero writes on
    /// every update. The state is also written when the node deactivates. Default 1 s.
    /// </summary>
    public TimeSpan PersistInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How many segments one batch of observations updates at once. A batch fans out to its
    /// segments and their nodes; bounding that, and letting the requests that wait in the silo's
    /// queue go first before each next segment, keeps posture reads that arrive during ingest from
    /// waiting behind whole batches. Default 2; 0 means no bound.
    /// </summary>
    public int IngestFanOut { get; set; } = 2;

    /// <summary>
    /// How long after the last of the nodes on dependency cycles asks (see
    /// <c>IWorldGrain.CheckCyclesAsync</c>) the world checks whether they are still held down, and
    /// if so works the cascades out again: the notices still under way land first, and the requests
    /// of one recovery become one. Default 1 s. While nodes keep asking, the check comes at most
    /// five times this after the first request, and never sooner than four times as long as the
    /// last recovery took, so that in a large world under steady churn recoveries take at most a
    /// fifth of the world's time.
    /// </summary>
    public TimeSpan CycleRecoveryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How far ahead of the silo's clock an observation may be dated. A node's newest report sets its
    /// status, so one dated days ahead (a reporter's wrong clock, a mistyped time) would leave every
    /// report after it stale; such a report is refused, with the whole call. Default 1 h; zero or
    /// less accepts any time.
    /// </summary>
    public TimeSpan FutureTolerance { get; set; } = TimeSpan.FromHours(1);

    /// <summary>What is wrong with the values, each said once; empty when nothing is.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (PersistInterval < TimeSpan.Zero)
        {
            problems.Add($"{Section}:PersistInterval must not be negative");
        }
        if (IngestFanOut < 0)
        {
            problems.Add($"{Section}:IngestFanOut must not be negative");
        }
        if (FutureTolerance < TimeSpan.Zero)
        {
            problems.Add($"{Section}:FutureTolerance must not be negative (0 accepts any time)");
        }
        if (CycleRecoveryDelay <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:CycleRecoveryDelay must be longer than 0");
        }
        return problems;
    }
}
