using System.Collections.Immutable;

namespace Bulwark;

/// <summary>
/// A validated exercise: topology, defender playbooks, the MSEL and the objectives, with every
/// reference resolved and every inject at an absolute time. Same definition + same seed + same
/// hand injects = byte-identical journal, wherever it runs.
/// </summary>
/// <param name="Metadata">Name, description, author, marking.</param>
/// <param name="Seed">Seed of every random draw.</param>
/// <param name="Duration">Virtual length of the exercise.</param>
/// <param name="Tick">Length of one tick. Default 1m.</param>
/// <param name="Topology">The alliance, including the sharing agreements in force.</param>
/// <param name="Playbooks">One playbook per domain, in topology order.</param>
/// <param name="Adversary">How the adversary moves.</param>
/// <param name="Injects">The MSEL, ordered by time then id.</param>
/// <param name="Objectives">Exercise objectives, in file order.</param>
/// <param name="Variant">The variant applied, or null for the base scenario.</param>
[GenerateSerializer, Immutable, Alias("bulwark.scenario")]
public sealed record ScenarioDefinition(
    ScenarioMetadata Metadata,
    ulong Seed,
    TimeSpan Duration,
    TimeSpan Tick,
    TopologyDefinition Topology,
    ImmutableArray<Playbook> Playbooks,
    AdversaryProfile Adversary,
    ImmutableArray<InjectDefinition> Injects,
    ImmutableArray<ObjectiveDefinition> Objectives,
    string? Variant)
{
    /// <summary>Number of ticks in the exercise.</summary>
    public long Ticks => (long)(Duration.Ticks / Tick.Ticks);

    /// <summary>The tick at which <paramref name="time"/> falls (rounded down).</summary>
    public long TickOf(TimeSpan time) => time.Ticks / Tick.Ticks;
}

/// <summary>Who wrote the scenario and how it is marked.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.scenario-metadata")]
public sealed record ScenarioMetadata(string Name, string Description, string Author, Tlp Tlp);

/// <summary>
/// A domain's defender playbook: a detected compromise is contained (isolated) after
/// <see cref="ContainAfter"/> and recovered after a further <see cref="RecoverAfter"/>; with
/// <see cref="Patch"/>, a recovered node is no longer exposed to that technique. An indicator the
/// domain receives scales its exposed nodes' exploitability by (1 − <see cref="IndicatorHardening"/>)
/// and, with <see cref="RaiseAlertOnIndicator"/>, raises its alert level by one.
/// </summary>
/// <param name="Domain">The domain.</param>
/// <param name="ContainAfter">Detection to isolation. Default 30m.</param>
/// <param name="RecoverAfter">Isolation to recovery. Default 4h.</param>
/// <param name="Patch">Recovered nodes are no longer exposed to the technique. Default true.</param>
/// <param name="IndicatorHardening">0–1. Default 0.5.</param>
/// <param name="RaiseAlertOnIndicator">Default true.</param>
/// <param name="AlertLevel">Initial CYBERCON level, 5 (lowest) to 1. Default 5.</param>
[GenerateSerializer, Immutable, Alias("bulwark.playbook")]
public sealed record Playbook(
    string Domain,
    TimeSpan ContainAfter,
    TimeSpan RecoverAfter,
    bool Patch,
    double IndicatorHardening,
    bool RaiseAlertOnIndicator,
    int AlertLevel);

/// <summary>How the adversary moves: each lateral-movement attempt waits a delay drawn uniformly from [min, max].</summary>
/// <param name="SpreadDelayMin">Default 10m.</param>
/// <param name="SpreadDelayMax">Default 1h.</param>
[GenerateSerializer, Immutable, Alias("bulwark.adversary")]
public sealed record AdversaryProfile(TimeSpan SpreadDelayMin, TimeSpan SpreadDelayMax);

/// <summary>What an inject does.</summary>
[GenerateSerializer, Alias("bulwark.inject-kind")]
public enum InjectKind
{
    /// <summary>Initial access with <c>technique</c> (and optional extra <c>techniques</c> for lateral movement).</summary>
    Compromise = 0,
    /// <summary>An adversary with several <c>techniques</c> gains <c>count</c> footholds in the target.</summary>
    Campaign = 1,
    /// <summary>Targets degraded for <c>duration</c>.</summary>
    Ddos = 2,
    /// <summary>Targets down until repaired after <c>duration</c>.</summary>
    CableCut = 3,
    /// <summary>Targets without power for <c>duration</c>.</summary>
    PowerOutage = 4,
    /// <summary>Targets encrypted: down for <c>duration</c>.</summary>
    Ransomware = 5,
    /// <summary>Targets wiped: down for <c>duration</c>.</summary>
    Wiper = 6,
    /// <summary>Target domain receives indicators for <c>techniques</c> (an early warning).</summary>
    IntelReport = 7,
    /// <summary>Targets are no longer exposed to <c>technique</c>.</summary>
    Patch = 8,
    /// <summary>Targets isolated until restored.</summary>
    Isolate = 9,
    /// <summary>Targets back to healthy: disruption, isolation and compromise cleared.</summary>
    Restore = 10,
    /// <summary>Target domain's alert level set to <c>level</c> (5 lowest … 1 highest).</summary>
    SetAlertLevel = 11,
}

/// <summary>One MSEL line.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Time">Absolute virtual time.</param>
/// <param name="Target">A node, segment or domain id.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Parameters">Kind-specific parameters, by name (lists are comma-separated).</param>
/// <param name="ExpectedAction">What the players are expected to do.</param>
/// <param name="Notes">Controller notes.</param>
/// <param name="After">The inject this one is timed from, if any.</param>
[GenerateSerializer, Immutable, Alias("bulwark.inject")]
public sealed record InjectDefinition(
    string Id,
    TimeSpan Time,
    string Target,
    InjectKind Kind,
    ImmutableSortedDictionary<string, string> Parameters,
    string? ExpectedAction,
    string? Notes,
    string? After);

/// <summary>What an objective measures.</summary>
[GenerateSerializer, Alias("bulwark.objective-kind")]
public enum ObjectiveKind
{
    /// <summary><c>SCOPE capability &gt;= X at T</c>.</summary>
    CapabilityAt = 0,
    /// <summary><c>SCOPE resilience loss &lt;= T</c> (hours of lost capability).</summary>
    ResilienceLoss = 1,
    /// <summary><c>SCOPE min capability &gt;= X</c>.</summary>
    MinCapability = 2,
    /// <summary><c>no node of sector S down longer than T</c>.</summary>
    MaxDownTime = 3,
    /// <summary><c>SCOPE recovers to P% within T</c>: from its first drop below P% to its return to stay.</summary>
    RecoverWithin = 4,
    /// <summary><c>no node of sector S out of action longer than T</c>: not operational (down, isolated, or degraded, also by its dependencies).</summary>
    MaxOutOfAction = 5,
}

/// <summary>An exercise objective, evaluated to pass or fail in the report.</summary>
/// <param name="Id">Unique id.</param>
/// <param name="Text">As written in the file.</param>
/// <param name="Kind">What it measures.</param>
/// <param name="Scope"><c>alliance</c>, a domain id, or (for <see cref="ObjectiveKind.MaxDownTime"/>) a sector name.</param>
/// <param name="Threshold">Capability or fraction (0–1) where the kind has one, else 0.</param>
/// <param name="Time">The time the kind refers to (at, within, longer than, loss in hours as a duration).</param>
[GenerateSerializer, Immutable, Alias("bulwark.objective")]
public sealed record ObjectiveDefinition(string Id, string Text, ObjectiveKind Kind, string Scope, double Threshold, TimeSpan Time);
