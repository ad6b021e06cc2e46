using System.Collections.Immutable;
using System.Globalization;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// The rules of one node in an exercise: compromise and lateral movement, detection, the
/// playbook's containment and recovery, disruptions, and dependency cascades. Pure: the same
/// setup and the same events give the same result anywhere.
/// </summary>
/// <remarks>
/// Spread: a compromised node tells its segment, which schedules one attempt per technique per
/// exposed neighbour after a delay; at that time the node, if still active (compromised or
/// detected, not contained), tries the neighbour, which is compromised with probability
/// exploitability × (1 − hardening) × the indicator hardening its domain has learned.
/// Detection: each tick a compromised node is detected with its detection chance times its
/// domain's alert multiplier (drawn as one geometric waiting time); then contained after the playbook's delay, recovered after its
/// recovery time (and, with patching, no longer exposed to the technique).
/// </remarks>
public sealed class NodeModel : ITickModel
{
    private enum Security { Clean, Compromised, Detected, Contained }

    private readonly NodeSetup _setup;
    // A run holds one model per node touched, most of which never need these: they are made on first use.
    private Dictionary<string, double>? _hardening;
    private SortedDictionary<string, (string Kind, long Until)>? _disruptions;
    private HashSet<string>? _immune;
    private SortedSet<string>? _failedDependencies;
    // Per technique, the neighbours this node has attempted (whatever came of it), by their place
    // in its segment's neighbourhood (SegmentModel.NeighbourOf): none is tried twice.
    private Dictionary<string, HashSet<long>>? _attempted;
    private Security _security;
    // Counts compromises: a containment or recovery scheduled for an earlier one (ended by a restore) does nothing.
    private long _episode;
    private string _entry = "";
    private string _toolset = "";
    private bool _isolatedByControllers;
    private int _alertLevel;
    private long _nextDetectCheck = -1;

    public NodeModel(NodeSetup setup)
    {
        _setup = setup;
        _alertLevel = setup.AlertLevel;
    }

    public string Id => _setup.Definition.Id;

    public NodeStatus Status { get; private set; } = NodeStatus.Healthy;

    public bool Operational { get; private set; } = true;

    /// <summary>Detection chance multiplier of an alert level: CYBERCON 5 → 1, each level up adds 0.5.</summary>
    public static double AlertMultiplier(int level) => 1 + (5 - level) * 0.5;

    public TickResult Apply(long tick, IReadOnlyList<SimEvent> events)
    {
        var journal = new List<JournalEntry>();
        var emitted = new List<SimEvent>();
        var before = (Status, Operational);
        var rawBefore = RawStatus();
        var cascadeDepth = 0;
        var announced = false;
        // Dependencies a CycleRelease took back a failure notice of, this tick: that notice's depth does not count.
        HashSet<string>? overridden = null;
        var seed = _setup.Seed;
        void Log(string kind, string detail) => journal.Add(new JournalEntry(tick, Id, kind, detail));
        void Emit(long at, string target, SimEventKind kind, string source, string technique = "", long value = 0, string detail = "") =>
            emitted.Add(new SimEvent(at, target, kind, source, technique, value, detail));

        // Detection at chance p per tick is geometric: draw the tick of detection once. The
        // distribution is memoryless, so when the alert level changes the rest is drawn again
        // with the new chance and the earlier check goes stale.
        void ScheduleDetection()
        {
            var chance = Math.Min(1.0, _setup.Definition.Detection * AlertMultiplier(_alertLevel));
            if (chance <= 0)
            {
                _nextDetectCheck = -1;
                return;
            }
            var u = StableRandom.Draw(seed, Id, tick, "detect", _entry);
            var wait = chance >= 1 ? 1 : Math.Max(1, Math.Ceiling(Math.Log(1 - u) / Math.Log(1 - chance)));
            _nextDetectCheck = tick + (long)Math.Min(wait, 1e12);
            Emit(_nextDetectCheck, Id, SimEventKind.DetectCheck, Id);
        }

        void Compromise(string technique, string toolset, string by)
        {
            _security = Security.Compromised;
            _episode++;
            _entry = technique;
            _toolset = toolset;
            Log("compromised", $"{technique} by {by}");
            ScheduleDetection();
            Emit(tick + 1, EntityId.SegmentOf(Id), SimEventKind.Spread, Id, value: _episode, detail: toolset);
        }

        var sorted = events.ToList();
        sorted.Sort(SimEvent.Canonical);
        foreach (var e in sorted)
        {
            switch (e.Kind)
            {
                case SimEventKind.Restore:
                    _disruptions?.Clear();
                    _isolatedByControllers = false;
                    _security = Security.Clean;
                    Log("restored", e.Source);
                    break;
                case SimEventKind.DisruptionEnds:
                    if (_disruptions?.Remove(e.Source) == true)
                    {
                        Log("disruption-ended", $"{e.Detail} {e.Source}");
                    }
                    break;
                case SimEventKind.Disrupt:
                    (_disruptions ??= new(StringComparer.Ordinal))[e.Source] = (e.Detail, e.Value);
                    Log("disrupted", $"{e.Detail} by {e.Source} until {e.Value}");
                    Emit(e.Value, Id, SimEventKind.DisruptionEnds, e.Source, detail: e.Detail);
                    break;
                case SimEventKind.Isolate:
                    _isolatedByControllers = true;
                    Log("isolated", e.Source);
                    break;
                case SimEventKind.Patch:
                    // Only a node exposed to the technique has something to patch.
                    if (_setup.Definition.ExploitabilityOf(e.Technique) is not null && (_immune ??= new(StringComparer.Ordinal)).Add(e.Technique))
                    {
                        Log("patched", e.Technique);
                    }
                    break;
                // Harden and AlertLevel may change only this node's own state (and, for a
                // compromised node, redraw its detection: WantsAlerts). The calendar hands them
                // to a node late, with its next events (RunCalendar); anything else they did
                // would make that differ from delivery on time (BroadcastTests compares the two).
                case SimEventKind.Harden:
                    _hardening ??= new(StringComparer.Ordinal);
                    _hardening[e.Technique] = _hardening.GetValueOrDefault(e.Technique, 1.0) * (1 - e.Value / 1e6);
                    break;
                case SimEventKind.AlertLevel:
                    _alertLevel = (int)e.Value;
                    if (_security == Security.Compromised)
                    {
                        ScheduleDetection();
                    }
                    break;
                case SimEventKind.DependencyChanged:
                    if (e.Value == 0)
                    {
                        (_failedDependencies ??= new(StringComparer.Ordinal)).Add(e.Source);
                    }
                    else
                    {
                        _failedDependencies?.Remove(e.Source);
                    }
                    cascadeDepth = Math.Max(cascadeDepth, int.Parse(e.Detail, CultureInfo.InvariantCulture));
                    break;
                case SimEventKind.CycleRelease:
                    if (_failedDependencies?.Remove(e.Source) == true)
                    {
                        Log("cycle-released", e.Source);
                        (overridden ??= new(StringComparer.Ordinal)).Add(e.Source);
                    }
                    break;
                case SimEventKind.CycleAnnounced:
                    announced = true;
                    break;
                case SimEventKind.Recover:
                    if (_security == Security.Contained && e.Value == _episode)
                    {
                        _security = Security.Clean;
                        if (_setup.Patch)
                        {
                            (_immune ??= new(StringComparer.Ordinal)).Add(_entry);
                        }
                        Log("recovered", _setup.Patch ? $"{_entry} patched" : _entry);
                    }
                    break;
                case SimEventKind.Contain:
                    if (_security is Security.Compromised or Security.Detected && e.Value == _episode)
                    {
                        _security = Security.Contained;
                        Log("contained", _entry);
                        Emit(tick + _setup.RecoverTicks, Id, SimEventKind.Recover, Id, value: _episode);
                    }
                    break;
                case SimEventKind.DetectCheck:
                    if (_security == Security.Compromised && tick == _nextDetectCheck)
                    {
                        _security = Security.Detected;
                        Log("detected", _entry);
                        Emit(tick + 1, EntityId.DomainOf(Id), SimEventKind.Detection, Id, _entry);
                        Emit(tick + _setup.ContainTicks, Id, SimEventKind.Contain, Id, value: _episode);
                    }
                    break;
                case SimEventKind.Compromise:
                    if (_security != Security.Clean)
                    {
                        Log("already-compromised", $"{e.Technique} from {e.Source}");
                    }
                    else if (_immune?.Contains(e.Technique) == true)
                    {
                        Log("repelled", $"{e.Technique} from {e.Source}");
                    }
                    else
                    {
                        Compromise(e.Technique, e.Detail, e.Source);
                    }
                    break;
                case SimEventKind.Exploit:
                    switch (Exploit(e.Technique, out var chance2))
                    {
                        case ExploitOutcome.Unreachable:
                            Log("unreachable", $"{e.Technique} from {e.Source}");
                            break;
                        case ExploitOutcome.AlreadyCompromised:
                            Log("already-compromised", $"{e.Technique} from {e.Source}");
                            break;
                        case ExploitOutcome.Exposed when StableRandom.Draw(seed, Id, tick, "exploit", e.Source, "|", e.Technique) < chance2:
                            Compromise(e.Technique, e.Detail, e.Source);
                            break;
                        default:
                            Log("repelled", $"{e.Technique} from {e.Source}");
                            break;
                    }
                    break;
                case SimEventKind.Attempt:
                    // Only the compromise that scheduled it attacks, while active. A node that is
                    // down waits until its last disruption ends; one isolated by the controllers
                    // (or contained) does not attack. An attempt not made is made after a new
                    // compromise, whose spread schedules it again.
                    if (_security is not (Security.Compromised or Security.Detected) || _isolatedByControllers
                        || SegmentModel.CompromiseOf(e.Value) != _episode)
                    {
                        break;
                    }
                    if (DownUntil() is { } until)
                    {
                        Emit(until, Id, SimEventKind.Attempt, e.Source, e.Technique, e.Value, e.Detail);
                        break;
                    }
                    _attempted ??= new(StringComparer.Ordinal);
                    if (!_attempted.TryGetValue(e.Technique, out var tried))
                    {
                        _attempted[e.Technique] = tried = [];
                    }
                    if (tried.Add(SegmentModel.NeighbourOf(e.Value)))
                    {
                        Emit(tick + 1, e.Detail, SimEventKind.Exploit, Id, e.Technique, detail: _toolset);
                    }
                    break;
                default:
                    throw new InvalidOperationException($"node {Id} cannot apply {e.Kind}");
            }
        }

        if (overridden is not null)
        {
            cascadeDepth = sorted.Where(e => e.Kind == SimEventKind.DependencyChanged && !overridden.Contains(e.Source))
                .Select(e => int.Parse(e.Detail, CultureInfo.InvariantCulture)).DefaultIfEmpty(0).Max();
        }
        var raw = RawStatus();
        var satisfied = _failedDependencies is not { Count: > 0 } failed
            || NodeRules.DependenciesSatisfied(_setup.Definition.Dependencies, failed);
        Status = NodeRules.Effective(raw, satisfied);
        Operational = NodeRules.IsOperational(raw, satisfied);
        if ((Status, Operational) != before)
        {
            // A change that only the dependencies explain is a cascade; its depth is one more than the notice's.
            var cascade = raw == rawBefore && cascadeDepth > 0 ? $" cascade={cascadeDepth}" : "";
            Log("status", $"{WireNames.Of(before.Status)}->{WireNames.Of(Status)} operational={(Operational ? "yes" : "no")}{cascade}");
        }
        // A node its cycle was released from that is not operational (it failed in itself in the same tick) says so again.
        if (Operational != before.Operational || (announced && !Operational))
        {
            var depth = (raw == rawBefore ? cascadeDepth : 0) + 1;
            foreach (var dependant in _setup.Dependants)
            {
                Emit(tick + 1, dependant, SimEventKind.DependencyChanged, Id, value: Operational ? 1 : 0,
                    detail: depth.ToString(CultureInfo.InvariantCulture));
            }
        }
        // Only a compromised node reacts to an alert-level change when it happens: it redraws its detection.
        return new TickResult(Id, [.. journal], [.. emitted], WantsAlerts: _security == Security.Compromised,
            HeldByDependencies: !Operational && NodeRules.IsOperational(raw, dependenciesSatisfied: true));
    }

    private enum ExploitOutcome { Unreachable, AlreadyCompromised, NotExposed, Exposed }

    /// <summary>What an exploit of <paramref name="technique"/> meets here; when exposed, the chance it succeeds.</summary>
    private ExploitOutcome Exploit(string technique, out double chance)
    {
        chance = 0;
        if (RawStatus() is NodeStatus.Down or NodeStatus.Isolated)
        {
            return ExploitOutcome.Unreachable;
        }
        if (_security != Security.Clean)
        {
            return ExploitOutcome.AlreadyCompromised;
        }
        if (_immune?.Contains(technique) == true || _setup.Definition.ExploitabilityOf(technique) is not { } exploitability)
        {
            return ExploitOutcome.NotExposed;
        }
        chance = exploitability * (1 - _setup.Definition.Hardening) * (_hardening?.GetValueOrDefault(technique, 1.0) ?? 1.0);
        return ExploitOutcome.Exposed;
    }

    /// <summary>The tick the node's last disruption that puts it down ends, while one does; null when it is not down.</summary>
    private long? DownUntil()
    {
        long? until = null;
        // Most nodes have no disruption; enumerating an empty sorted dictionary still allocates.
        if (_disruptions is { Count: > 0 })
        {
            foreach (var (kind, end) in _disruptions.Values)
            {
                if (kind != "ddos")
                {
                    until = Math.Max(until ?? end, end);
                }
            }
        }
        return until;
    }

    /// <summary>The node's own status before dependencies: down, isolated, DDoS-degraded, then its security state.</summary>
    private NodeStatus RawStatus()
    {
        if (DownUntil() is not null)
        {
            return NodeStatus.Down;
        }
        if (_security == Security.Contained || _isolatedByControllers)
        {
            return NodeStatus.Isolated;
        }
        // Any disruption left is a DDoS.
        if (_disruptions is { Count: > 0 })
        {
            return NodeStatus.Degraded;
        }
        return _security switch
        {
            Security.Compromised => NodeStatus.Compromised,
            Security.Detected => NodeStatus.Detected,
            _ => NodeStatus.Healthy,
        };
    }
}
