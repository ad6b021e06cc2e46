using System.Collections.Immutable;

namespace Bulwark;

/// <summary>
/// What an exercise event does. Within one tick an entity applies its events in this order, then
/// by source, technique, value and detail — so the outcome never depends on arrival order.
/// </summary>
[GenerateSerializer, Alias("bulwark.sim-event-kind")]
public enum SimEventKind
{
    /// <summary>Node: clear disruptions, isolation and compromise (inject).</summary>
    Restore = 0,
    /// <summary>Node: a disruption (Source = inject id) ends.</summary>
    DisruptionEnds = 1,
    /// <summary>Node: down (or, for DDoS, degraded) until tick Value; Detail = inject kind.</summary>
    Disrupt = 2,
    /// <summary>Node: isolated by the controllers until restored.</summary>
    Isolate = 3,
    /// <summary>Node: no longer exposed to Technique.</summary>
    Patch = 4,
    /// <summary>
    /// Node: exploitability of Technique scaled by (1 − Value/1e6) — its domain learned an indicator.
    /// A domain emits it once, addressed to itself, for all its nodes exposed to Technique.
    /// </summary>
    Harden = 5,
    /// <summary>Node: its domain's alert level is now Value. A domain emits it once, addressed to itself, for all its nodes.</summary>
    AlertLevel = 6,
    /// <summary>Node: dependency Source is operational (Value 1) or not (0); Detail = cascade depth.</summary>
    DependencyChanged = 7,
    /// <summary>Node: recovery after containment completes; Value = the compromise it is for (the node's count of compromises).</summary>
    Recover = 8,
    /// <summary>Node: the playbook isolates a detected compromise; Value = the compromise it is for.</summary>
    Contain = 9,
    /// <summary>Node: its compromise is detected now, if this is still the check it last drew.</summary>
    DetectCheck = 10,
    /// <summary>Node: initial access by inject Source with Technique; Detail = comma-separated tool set.</summary>
    Compromise = 11,
    /// <summary>Node: Source tries Technique on this node; Detail = Source's tool set.</summary>
    Exploit = 12,
    /// <summary>Node (the source): time to try Technique on node Detail (Value: the source's compromise number and the neighbour's place in the segment's neighbourhood), if still active.</summary>
    Attempt = 13,
    /// <summary>Segment: node Source became compromised with tool set Detail (Value: its compromise number); schedule its attempts.</summary>
    Spread = 14,
    /// <summary>Domain: one of its nodes (Source) detected Technique.</summary>
    Detection = 15,
    /// <summary>Domain: indicator for Technique from domain Source (Detail = how: shared or intel; Value = the <see cref="Tlp"/> it came under).</summary>
    Indicator = 16,
    /// <summary>Domain: set the alert level to Value (inject).</summary>
    SetAlert = 17,
    /// <summary>
    /// Node: dependency Source, on a dependency cycle with this node, is held down only by a failure the cycle itself
    /// keeps alive; count it as operational, whatever a notice of the same tick said. The run's calendar sends it (see
    /// RunCalendar).
    /// </summary>
    CycleRelease = 18,
    /// <summary>
    /// Node: its dependants on its dependency cycle were sent <see cref="CycleRelease"/> from it for this tick; if it is
    /// not operational after the tick, it tells its dependants so again.
    /// </summary>
    CycleAnnounced = 19,
}

/// <summary>One event of an exercise: at <see cref="Tick"/>, <see cref="Target"/> applies it.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.sim-event")]
public sealed record SimEvent(long Tick, string Target, SimEventKind Kind, string Source, string Technique, long Value, string Detail)
{
    /// <summary>Canonical order: tick, kind, source, technique, value, detail, target.</summary>
    public static readonly IComparer<SimEvent> Canonical = Comparer<SimEvent>.Create(Compare);

    private static int Compare(SimEvent? one, SimEvent? other)
    {
        if (one is null || other is null)
        {
            return one is null ? (other is null ? 0 : -1) : 1;
        }
        var c = one.Tick.CompareTo(other.Tick);
        if (c == 0) { c = ((int)one.Kind).CompareTo((int)other.Kind); }
        if (c == 0) { c = string.CompareOrdinal(one.Source, other.Source); }
        if (c == 0) { c = string.CompareOrdinal(one.Technique, other.Technique); }
        if (c == 0) { c = one.Value.CompareTo(other.Value); }
        if (c == 0) { c = string.CompareOrdinal(one.Detail, other.Detail); }
        if (c == 0) { c = string.CompareOrdinal(one.Target, other.Target); }
        return c;
    }
}

/// <summary>
/// One line of an exercise journal: at <see cref="Tick"/>, <see cref="Entity"/> did
/// <see cref="Kind"/>. The journal is the run's record: metrics and the report derive from it.
/// </summary>
[GenerateSerializer, Immutable, Alias("bulwark.journal-entry")]
public sealed record JournalEntry(long Tick, string Entity, string Kind, string Detail)
{
    /// <summary>The canonical text line: <c>tick entity kind detail</c>.</summary>
    public override string ToString() => Detail.Length == 0 ? $"{Tick} {Entity} {Kind}" : $"{Tick} {Entity} {Kind} {Detail}";
}

/// <summary>What one entity did in one tick: its journal lines and the events it emits.</summary>
/// <param name="Entity">Node, segment or domain id.</param>
/// <param name="Journal">Journal lines, in the order they happened.</param>
/// <param name="Emitted">Events for later ticks.</param>
/// <param name="WantsAlerts">
/// A node that must see its domain's alert-level changes at their tick (a compromised node: a
/// change redraws its detection). Other nodes get their domain's broadcasts with their next events.
/// </param>
/// <param name="HeldByDependencies">A node that is not operational only because its dependencies fail.</param>
[GenerateSerializer, Immutable, Alias("bulwark.tick-result")]
public sealed record TickResult(string Entity, ImmutableArray<JournalEntry> Journal, ImmutableArray<SimEvent> Emitted, bool WantsAlerts = false,
    bool HeldByDependencies = false);

/// <summary>A controller's inject into a running exercise; journalled so a replay reproduces it.</summary>
/// <param name="Tick">The tick it fires at.</param>
/// <param name="Kind">What it does.</param>
/// <param name="Target">Node, segment or domain id.</param>
/// <param name="Parameters">Kind-specific parameters.</param>
[GenerateSerializer, Immutable, Alias("bulwark.hand-inject")]
public sealed record HandInject(long Tick, InjectKind Kind, string Target, ImmutableSortedDictionary<string, string> Parameters)
{
    /// <summary>How the journal names hand injects: hand-1, hand-2, ... in the order given. A scenario's ids may not begin so.</summary>
    public const string IdPrefix = "hand-";
}

/// <summary>Where a run is.</summary>
[GenerateSerializer, Alias("bulwark.run-state")]
public enum RunState
{
    /// <summary>Advancing virtual time.</summary>
    Running = 0,
    /// <summary>Paused by a controller; virtual time stands still.</summary>
    Paused = 1,
    /// <summary>Reached the end of the exercise.</summary>
    Completed = 2,
    /// <summary>Stopped by a controller before the end.</summary>
    Stopped = 3,
    /// <summary>Failed; see the message.</summary>
    Failed = 4,
}

/// <summary>A run's progress.</summary>
/// <param name="RunId">The run (and its world).</param>
/// <param name="Scenario">Scenario name.</param>
/// <param name="Variant">Variant, or null.</param>
/// <param name="State">Running, paused, …</param>
/// <param name="Tick">Where virtual time stands, in ticks (idle ticks a paced run has passed count).</param>
/// <param name="Ticks">Ticks in the exercise.</param>
/// <param name="TickLength">Length of a tick.</param>
/// <param name="Events">Events applied so far; <see cref="EventsNotKnown"/> when not known.</param>
/// <param name="JournalLines">Journal lines so far.</param>
/// <param name="Pace">Virtual seconds per real second; 0 = full speed.</param>
/// <param name="Message">Why it failed, if it did.</param>
[GenerateSerializer, Immutable, Alias("bulwark.run-info")]
public sealed record RunInfo(
    string RunId, string Scenario, string? Variant, RunState State, long Tick, long Ticks, TimeSpan TickLength,
    long Events, long JournalLines, double Pace, string? Message)
{
    /// <summary>
    /// A run whose scenario and place are not known (a run from before whose outcome is missing or unreadable, or one
    /// that cannot be asked): its state as far as it is known, the journal lines stored, and <paramref name="why"/>.
    /// </summary>
    public static RunInfo PlaceUnknown(string runId, RunState state, long journalLines, string why) =>
        new(runId, "", null, state, 0, 0, TimeSpan.Zero, 0, journalLines, 0, why);

    /// <summary><see cref="Events"/> of a run whose count of events is not known (its silo stopped without ending it).</summary>
    public const long EventsNotKnown = -1;

    /// <summary>True for a <see cref="PlaceUnknown"/> run: <see cref="Message"/> says why.</summary>
    public bool IsPlaceUnknown => Ticks == 0 && TickLength == TimeSpan.Zero;
}
