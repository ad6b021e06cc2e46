using System.Collections.Immutable;

namespace Bulwark;

/// <summary>A capability value at a tick (Q(t) steps there and holds until the next point).</summary>
[GenerateSerializer, Immutable, Alias("bulwark.capability-point")]
public sealed record CapabilityPoint(long Tick, double Capability);

/// <summary>Resilience metrics of one scope (the alliance or a domain) over a run.</summary>
/// <param name="Scope"><c>alliance</c> or a domain id.</param>
/// <param name="ResilienceLossHours">∫(1 − Q(t))dt in hours.</param>
/// <param name="MinCapability">Lowest Q.</param>
/// <param name="FinalCapability">Q at the end.</param>
/// <param name="TimeToRecover95Hours">From the first drop below 95 % to the return from which Q stays at or above 95 % to the end; null if Q never dropped below 95 % or is below it at the end.</param>
/// <param name="Recovered95">False when Q dropped below 95 % and had not returned by the end.</param>
/// <param name="MttdHours">Mean time from compromise to detection; null without detections.</param>
/// <param name="MttcHours">Mean time from compromise to containment.</param>
/// <param name="MttrHours">Mean time from compromise to recovery.</param>
/// <param name="PeakCompromised">Most nodes compromised (detected or not, not yet contained) at once.</param>
/// <param name="TotalCompromised">Compromises over the run.</param>
/// <param name="LongestCascade">Longest chain of dependency failures.</param>
/// <param name="IndicatorPropagationHours">Mean time from an indicator's first detection to its arrival by sharing.</param>
/// <param name="IndicatorPropagationMaxHours">Longest such time.</param>
/// <param name="Series">Q(t) at every change.</param>
[GenerateSerializer, Immutable, Alias("bulwark.scope-metrics")]
public sealed record ScopeMetrics(
    string Scope,
    double ResilienceLossHours,
    double MinCapability,
    double FinalCapability,
    double? TimeToRecover95Hours,
    bool Recovered95,
    double? MttdHours,
    double? MttcHours,
    double? MttrHours,
    int PeakCompromised,
    int TotalCompromised,
    int LongestCascade,
    double? IndicatorPropagationHours,
    double? IndicatorPropagationMaxHours,
    ImmutableArray<CapabilityPoint> Series);

/// <summary>
/// An objective's outcome: passed or not, and the value it was judged on. <paramref name="Pending"/>:
/// the run has not got far enough to judge it (a report of a running or stopped run); Passed is then false.
/// </summary>
[GenerateSerializer, Immutable, Alias("bulwark.objective-result")]
public sealed record ObjectiveResult(string Id, string Text, bool Passed, string Actual, bool Pending = false)
{
    /// <summary>PASS, FAIL or PENDING.</summary>
    public string Verdict => Pending ? "PENDING" : Passed ? "PASS" : "FAIL";
}

/// <summary>The outcome of a run: metrics per domain and for the alliance, objectives, and the notable events.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.run-report")]
public sealed record RunReport(
    string Scenario,
    string? Variant,
    ulong Seed,
    long Ticks,
    TimeSpan Tick,
    long Events,
    long JournalLines,
    string JournalHash,
    ScopeMetrics Alliance,
    ImmutableArray<ScopeMetrics> Domains,
    ImmutableArray<ObjectiveResult> Objectives,
    ImmutableArray<JournalEntry> Timeline);
