namespace Bulwark.Bench;

/// <summary>Latency of posture reads in one phase, in milliseconds.</summary>
internal sealed record LatencySummary(int Count, double P50, double P90, double P99, double Max, double Mean);

/// <summary>What the silo said it did with the observations of one phase's window.</summary>
internal sealed record IngestTotals(long Accepted, long Applied, long Stale, long Changed);

/// <summary>One phase of one repeat.</summary>
/// <param name="Phase">Phase name.</param>
/// <param name="Unit"><c>calls</c>, <c>reads</c> or <c>observations</c>.</param>
/// <param name="Seconds">Measured window.</param>
/// <param name="Units">Units credited to the window (pro rata to each call's time inside it).</param>
/// <param name="Calls">Calls completed in the window (batches for batched phases).</param>
/// <param name="Rate">Units per second.</param>
/// <param name="Errors">Failed calls in the whole phase, warm-up included.</param>
/// <param name="FirstError">The first failure's type and message.</param>
/// <param name="Reads">Posture read latency, when a read loop ran.</param>
/// <param name="Cpu">How the machine's CPU was spent in the window.</param>
/// <param name="Ingest">Ingest counters, for ingest phases.</param>
/// <param name="Attempts">Runs of the phase it took to get a window not disturbed by other processes.</param>
/// <param name="ClientGc">The bench process's own garbage collections in the window: its pauses delay the reads it times.</param>
internal sealed record PhaseSample(
    string Phase,
    string Unit,
    double Seconds,
    double Units,
    long Calls,
    double Rate,
    long Errors,
    string? FirstError,
    LatencySummary? Reads,
    CpuShare? Cpu,
    IngestTotals? Ingest,
    int Attempts = 1,
    GcWindow? ClientGc = null);

/// <summary>Garbage collections of one process over a window: how many, and how long they paused it.</summary>
internal sealed record GcWindow(int Gen0, int Gen1, int Gen2, double PauseMs)
{
    /// <summary>The process's counters now, to subtract from a later reading.</summary>
    public static GcWindow Now() => new(GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration().TotalMilliseconds);

    /// <summary>What happened between <paramref name="start"/> and this reading.</summary>
    public GcWindow Since(GcWindow start) => new(Gen0 - start.Gen0, Gen1 - start.Gen1, Gen2 - start.Gen2, PauseMs - start.PauseMs);
}

/// <summary>A phase over all repeats: medians, and the per-repeat samples.</summary>
internal sealed record PhaseSummary(
    string Phase,
    string Unit,
    double MedianRate,
    double RatioToRaw,
    LatencySummary? MedianReads,
    CpuShare? MedianCpu,
    long Errors,
    IReadOnlyList<PhaseSample> Samples);

/// <summary>Where and how the benchmark ran.</summary>
internal sealed record MachineFacts(
    int ProcessorCount,
    string Os,
    string Runtime,
    string Architecture,
    DateTimeOffset Date,
    bool ServerGc,
    double? LoadAverageAtStart);

/// <summary>The settings of the run.</summary>
internal sealed record RunSettings(
    int Seconds,
    int Warmup,
    int InitialWarmup,
    int Concurrency,
    int BatchConcurrency,
    int Repeat,
    int MaxOther,
    int Retries,
    string PacedLoad,
    string Topology,
    int Domains,
    int Segments,
    int Nodes);

/// <summary>A target from the spec and whether the run met it.</summary>
internal sealed record TargetCheck(string Target, bool Met, string Detail);

/// <summary>The silo's complaints during the run.</summary>
internal sealed record SiloLog(int Errors, int Warnings, IReadOnlyList<string> FirstProblems);

/// <summary>Everything the benchmark reports.</summary>
internal sealed record BenchReport(
    MachineFacts Machine,
    RunSettings Settings,
    IReadOnlyList<PhaseSummary> Phases,
    IReadOnlyList<TargetCheck> Targets,
    SiloLog Silo);

/// <summary>Percentiles and medians.</summary>
internal static class Statistics
{
    /// <summary>Nearest-rank percentile of an ascending array; NaN when empty.</summary>
    public static double Percentile(double[] sorted, double percent)
    {
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(percent / 100.0 * sorted.Length);
        return sorted[Math.Clamp(rank, 1, sorted.Length) - 1];
    }

    /// <summary>The median; the mean of the middle two for an even count; NaN when empty.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        if (sorted.Length == 0)
        {
            return double.NaN;
        }
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>Summary of latencies in milliseconds.</summary>
    public static LatencySummary Summarize(IReadOnlyCollection<double> latencies)
    {
        var sorted = latencies.Order().ToArray();
        return new LatencySummary(
            sorted.Length,
            Percentile(sorted, 50),
            Percentile(sorted, 90),
            Percentile(sorted, 99),
            sorted.Length == 0 ? double.NaN : sorted[^1],
            sorted.Length == 0 ? double.NaN : sorted.Average());
    }

    /// <summary>Per-field medians of several CPU shares.</summary>
    public static CpuShare? MedianOf(IReadOnlyList<CpuShare?> shares)
    {
        var present = shares.OfType<CpuShare>().ToList();
        return present.Count == 0
            ? null
            : new CpuShare(Median(present.Select(s => s.Silo)), Median(present.Select(s => s.Client)), Median(present.Select(s => s.Other)));
    }

    /// <summary>Per-field medians of several latency summaries.</summary>
    public static LatencySummary? MedianOf(IReadOnlyList<LatencySummary?> summaries)
    {
        var present = summaries.OfType<LatencySummary>().ToList();
        if (present.Count == 0)
        {
            return null;
        }
        return new LatencySummary(
            (int)Median(present.Select(s => (double)s.Count)),
            Median(present.Select(s => s.P50)),
            Median(present.Select(s => s.P90)),
            Median(present.Select(s => s.P99)),
            Median(present.Select(s => s.Max)),
            Median(present.Select(s => s.Mean)));
    }
}
