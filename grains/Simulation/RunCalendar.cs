using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// The virtual-time calendar of a run, shared by the reference engine and the cluster: which
/// ticks have work, which injects fire when, how each tick's results join the journal. Idle ticks
/// are skipped; cost grows with events, not with nodes × ticks.
/// </summary>
/// <remarks>
/// A domain's broadcasts (hardening on an indicator, a new alert level) change every node of the
/// domain at their tick, but a node only acts on them later: hardening matters when the node is
/// next attacked, the alert level when it is next compromised. So the calendar keeps each domain's
/// broadcasts in a log and hands a node the part it has not had with its next events, in their
/// original ticks. The node applies them first (they sort before anything else of a later tick),
/// so its state is what it would have been had each arrived on time, without a call, and an
/// activation, per node per broadcast. The one exception: a compromised node redraws its detection
/// when the alert level changes, so a node that says it <see cref="TickResult.WantsAlerts"/> is
/// called at the alert's tick. Broadcasts count as events at their tick, once per node reached.
/// </remarks>
public sealed class RunCalendar
{
    private readonly RunPlan _plan;
    // Events scheduled for later ticks, packed: strings as indices into _strings. A large run keeps
    // millions scheduled ahead; as objects pointing at strings, every collection had to trace them
    // (garbage collection took a third of the reference engine's time). Packed, they hold no
    // references, so the collector skips them.
    private readonly SortedDictionary<long, List<PackedEvent>> _pending = new();
    private readonly Dictionary<string, int> _stringIndex = new(StringComparer.Ordinal);
    private readonly List<string> _strings = [];
    private readonly SortedDictionary<long, List<(string Id, InjectKind Kind, string Target, IReadOnlyDictionary<string, string> Parameters)>> _injects = new();
    private int _handInjects;
    // Per domain, its broadcasts so far; per node, how many of them it has been handed.
    private readonly Dictionary<string, List<SimEvent>> _broadcasts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _handed = new(StringComparer.Ordinal);
    // Nodes that want alert-level changes at their tick. Only membership is read: the targets it adds are sorted.
    private readonly HashSet<string> _alerted = new(StringComparer.Ordinal);
    private readonly bool _eagerBroadcasts;
    // Dependency cycles. Members tell each other when they fail, one step a tick, so a cycle can hold itself down after
    // what failed it has recovered, or pass a short failure round and round; the calendar, which sees every notice,
    // releases members from such stale failures (see ReleaseCycles).
    private readonly List<Cycle> _cycles = [];
    private readonly Dictionary<string, int> _cycleOf = new(StringComparer.Ordinal);
    // Nodes that said they are not operational in their last notice to their dependants.
    private readonly HashSet<string> _notOperational = new(StringComparer.Ordinal);
    // Cycles where something recovered this tick: a member in itself, or a dependency outside.
    private readonly SortedSet<int> _cyclesToCheck = [];

    /// <param name="plan">The run's plan.</param>
    /// <param name="handInjects">Hand injects to replay.</param>
    /// <param name="eagerBroadcasts">
    /// Hand every broadcast to every node it reaches at its tick, as the rule reads. Slower, same
    /// journal: it is there to check that the broadcast log changes nothing.
    /// </param>
    public RunCalendar(RunPlan plan, IEnumerable<HandInject>? handInjects = null, bool eagerBroadcasts = false)
    {
        _plan = plan;
        _eagerBroadcasts = eagerBroadcasts;
        foreach (var members in NodeRules.Cycles([.. plan.NodeIds.Select(plan.Node)]))
        {
            foreach (var member in members)
            {
                _cycleOf[member] = _cycles.Count;
            }
            _cycles.Add(new Cycle(members, _cycles.Count, _cycleOf, plan));
        }
        foreach (var inject in plan.Scenario.Injects)
        {
            Schedule(plan.Scenario.TickOf(inject.Time), inject.Id, inject.Kind, inject.Target, inject.Parameters);
        }
        foreach (var hand in handInjects ?? [])
        {
            Add(hand);
        }
    }

    /// <summary>The last tick processed; -1 before the first.</summary>
    public long Processed { get; private set; } = -1;

    /// <summary>Events applied so far.</summary>
    public long Events { get; private set; }

    /// <summary>The next tick with work, or null when the run has nothing left before its end.</summary>
    public long? Next
    {
        get
        {
            long? next = null;
            if (_pending.Count > 0)
            {
                next = _pending.Keys.First();
            }
            if (_injects.Count > 0)
            {
                var inject = _injects.Keys.First();
                next = next is null ? inject : Math.Min(next.Value, inject);
            }
            return next is { } n && n < _plan.Ticks ? n : null;
        }
    }

    /// <summary>Adds a hand inject; it fires at its tick, which must be after the last processed one.</summary>
    public void Add(HandInject inject)
    {
        if (inject.Tick <= Processed)
        {
            throw new InvalidOperationException($"tick {inject.Tick} has already been processed");
        }
        Schedule(inject.Tick, HandInject.IdPrefix + (++_handInjects).ToString(CultureInfo.InvariantCulture), inject.Kind, inject.Target, inject.Parameters);
    }

    private void Schedule(long tick, string id, InjectKind kind, string target, IReadOnlyDictionary<string, string> parameters)
    {
        if (!_injects.TryGetValue(tick, out var list))
        {
            _injects[tick] = list = [];
        }
        list.Add((id, kind, target, parameters));
    }

    /// <summary>Fires the tick's injects and hands out its events grouped by target, targets in ordinal order.</summary>
    public (List<JournalEntry> Journal, List<KeyValuePair<string, List<SimEvent>>> ByTarget) Begin(long tick)
    {
        var journal = new List<JournalEntry>();
        var byTarget = new Dictionary<string, List<SimEvent>>(StringComparer.Ordinal);
        List<string>? alertedDomains = null;
        List<SimEvent> For(string target)
        {
            if (!byTarget.TryGetValue(target, out var list))
            {
                byTarget[target] = list = [];
            }
            return list;
        }
        void Add(SimEvent e)
        {
            if (_eagerBroadcasts && IsBroadcast(e))
            {
                foreach (var node in Reached(e))
                {
                    For(node).Add(e with { Target = node });
                    Events++;
                }
                return;
            }
            if (IsBroadcast(e))
            {
                if (!_broadcasts.TryGetValue(e.Target, out var log))
                {
                    _broadcasts[e.Target] = log = [];
                }
                log.Add(e);
                Events += _plan.Reach(e);
                if (e.Kind == SimEventKind.AlertLevel)
                {
                    (alertedDomains ??= []).Add(e.Target);
                }
                return;
            }
            For(e.Target).Add(e);
            Events++;
        }

        if (_injects.Remove(tick, out var injects))
        {
            foreach (var (id, kind, target, parameters) in injects)
            {
                var text = string.Join(",", parameters.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}={p.Value}"));
                journal.Add(new JournalEntry(tick, target, "inject", $"{id} {WireNames.Of(kind)}{(text.Length > 0 ? " " + text : "")}"));
                foreach (var e in InjectExpansion.Expand(_plan, tick, id, kind, target, parameters))
                {
                    Add(e);
                }
            }
        }
        if (_pending.Remove(tick, out var events))
        {
            foreach (var e in events)
            {
                Add(new SimEvent(tick, _strings[e.Target], e.Kind, _strings[e.Source], _strings[e.Technique], e.Value, _strings[e.Detail]));
            }
        }
        if (alertedDomains is not null)
        {
            foreach (var node in _alerted)
            {
                if (alertedDomains.Contains(EntityId.DomainOf(node), StringComparer.Ordinal))
                {
                    For(node);
                }
            }
        }
        // Sorting the distinct targets once is cheaper than keeping a sorted map of every event.
        var ordered = byTarget.ToList();
        ordered.Sort((a, b) => string.CompareOrdinal(a.Key, b.Key));
        if (_broadcasts.Count > 0)
        {
            foreach (var (target, list) in ordered)
            {
                HandBroadcasts(target, list);
            }
        }
        return (journal, ordered);
    }

    /// <summary>The nodes a broadcast reaches (a method of its own: a lambda over the event in Begin would cost every event a closure).</summary>
    private IEnumerable<string> Reached(SimEvent broadcast) => _plan.NodesIn(broadcast.Target).Where(n => _plan.Reaches(broadcast, n));

    /// <summary>A broadcast: hardening or an alert level addressed to a domain, for its nodes.</summary>
    private static bool IsBroadcast(SimEvent e) => e.Kind is SimEventKind.Harden or SimEventKind.AlertLevel && Level(e.Target) == 0;

    /// <summary>Adds to a node's events the broadcasts of its domain it has not had yet.</summary>
    private void HandBroadcasts(string target, List<SimEvent> events)
    {
        var slash = target.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || target.IndexOf('/', slash + 1) < 0
            || !_broadcasts.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(target.AsSpan(0, slash), out var log))
        {
            return;
        }
        ref var handed = ref CollectionsMarshal.GetValueRefOrAddDefault(_handed, target, out _);
        for (; handed < log.Count; handed++)
        {
            var b = log[handed];
            if (_plan.Reaches(b, target))
            {
                events.Add(b with { Target = target });
            }
        }
    }

    /// <summary>Joins the tick's results into the journal (entities in ordinal order) and schedules what they emitted.</summary>
    public List<JournalEntry> Complete(long tick, List<JournalEntry> journal, IReadOnlyList<TickResult> results)
    {
        foreach (var result in InEntityOrder(results))
        {
            journal.AddRange(result.Journal);
            if (result.WantsAlerts)
            {
                _alerted.Add(result.Entity);
            }
            else if (_alerted.Count > 0)
            {
                _alerted.Remove(result.Entity);
            }
            foreach (var e in result.Emitted)
            {
                if (e.Tick <= tick)
                {
                    throw new InvalidOperationException($"{result.Entity} emitted {e.Kind} for tick {e.Tick} at tick {tick}");
                }
                if (e.Kind == SimEventKind.DependencyChanged && _cycles.Count > 0)
                {
                    Noticed(e);
                }
                Schedule(e);
            }
            if (_cycleOf.TryGetValue(result.Entity, out var cycle)
                && _cycles[cycle].Ran(result.Entity, result.HeldByDependencies, _notOperational.Contains(result.Entity)))
            {
                _cyclesToCheck.Add(cycle);
            }
        }
        if (_cyclesToCheck.Count > 0)
        {
            ReleaseCycles(tick);
        }
        Processed = tick;
        return journal;
    }

    /// <summary>Keeps track of a dependency notice: who says it is not operational, which cycle members an outside node fails.</summary>
    private void Noticed(SimEvent notice)
    {
        if (notice.Value == 0)
        {
            _notOperational.Add(notice.Source);
        }
        else
        {
            _notOperational.Remove(notice.Source);
        }
        if (_cycleOf.TryGetValue(notice.Target, out var cycle) && (!_cycleOf.TryGetValue(notice.Source, out var from) || from != cycle)
            && _cycles[cycle].OutsideNotice(notice.Target, notice.Source, notice.Value != 0))
        {
            _cyclesToCheck.Add(cycle);
        }
    }

    /// <summary>
    /// Releases the members of each dependency cycle from failures that only the cycle itself keeps alive. Each tick
    /// something recovers (a member in itself, or a dependency outside the cycle says it is operational again), the
    /// calendar works out which members cannot be operational whatever the rest do: those failed in themselves (down,
    /// isolated, degraded), and, step by step, those whose dependencies fail given them and what the nodes outside the
    /// cycle last said. Every other member that is not operational only because of its dependencies is held by a stale
    /// notice, one that has gone round the cycle or is still on its way: each of its dependants on the cycle gets a
    /// <see cref="SimEventKind.CycleRelease"/> from it the next tick, which counts it as operational again, overriding
    /// a notice that arrives in the same tick; and it gets a <see cref="SimEventKind.CycleAnnounced"/>, so that if it
    /// fails in itself in that tick it says so again.
    /// </summary>
    /// <remarks>
    /// Only a recovery makes a notice stale, so the ticks between need no look: a member held by then is either held
    /// rightly or held at the tick of the recovery (every notice sent before it has arrived by then) and released. A
    /// failure going round a long cycle costs nothing per tick.
    /// </remarks>
    private void ReleaseCycles(long tick)
    {
        foreach (var index in _cyclesToCheck)
        {
            var cycle = _cycles[index];
            if (cycle.Held.Count == 0)
            {
                continue;
            }
            // The members that cannot be operational: the least set that holds those failed in themselves and every
            // member whose dependencies fail given it and the outside. Per member reached, how many nodes of each of
            // its groups fail; a member is looked at once per dependency that fails, so the pass costs what the
            // edges into the failing part cost, whatever the size of a group.
            var dropped = new HashSet<string>(cycle.FailedIn, StringComparer.Ordinal);
            var pending = new Queue<string>(cycle.FailedIn);
            var failing = new Dictionary<string, int[]>(StringComparer.Ordinal);
            int[] Failing(string member)
            {
                if (!failing.TryGetValue(member, out var counts))
                {
                    var groups = _plan.Node(member).Dependencies;
                    failing[member] = counts = new int[groups.Length];
                    for (var g = 0; g < groups.Length; g++)
                    {
                        foreach (var dependency in groups[g].Nodes)
                        {
                            if (!cycle.Has(dependency) && _notOperational.Contains(dependency))
                            {
                                counts[g]++;
                            }
                        }
                    }
                }
                return counts;
            }
            bool Fails(string member, int group, int[] counts)
            {
                var dependencies = _plan.Node(member).Dependencies[group];
                return dependencies.Mode == DependencyMode.AllOf ? counts[group] > 0 : counts[group] == dependencies.Nodes.Length;
            }
            void Drop(string member)
            {
                dropped.Add(member);
                pending.Enqueue(member);
            }
            foreach (var member in cycle.OutsideDown.Keys)
            {
                var counts = Failing(member);
                if (!dropped.Contains(member) && Enumerable.Range(0, counts.Length).Any(g => Fails(member, g, counts)))
                {
                    Drop(member);
                }
            }
            while (pending.TryDequeue(out var down))
            {
                foreach (var (dependant, group) in cycle.Edges[down])
                {
                    if (dropped.Contains(dependant))
                    {
                        continue;
                    }
                    var counts = Failing(dependant);
                    counts[group]++;
                    if (Fails(dependant, group, counts))
                    {
                        Drop(dependant);
                    }
                }
            }
            foreach (var held in cycle.Held)
            {
                if (dropped.Contains(held))
                {
                    continue;
                }
                foreach (var dependant in cycle.Dependants[held])
                {
                    Schedule(new SimEvent(tick + 1, dependant, SimEventKind.CycleRelease, held, "", 0, ""));
                }
                Schedule(new SimEvent(tick + 1, held, SimEventKind.CycleAnnounced, held, "", 0, ""));
            }
        }
        _cyclesToCheck.Clear();
    }

    /// <summary>What the calendar knows of one dependency cycle (a strongly connected component of the dependencies).</summary>
    private sealed class Cycle
    {
        public Cycle(ImmutableArray<string> members, int index, Dictionary<string, int> cycleOf, RunPlan plan)
        {
            var edges = members.ToDictionary(m => m, _ => new List<(string, int)>(), StringComparer.Ordinal);
            foreach (var member in members)
            {
                var groups = plan.Node(member).Dependencies;
                for (var g = 0; g < groups.Length; g++)
                {
                    foreach (var dependency in groups[g].Nodes)
                    {
                        if (cycleOf.GetValueOrDefault(dependency, -1) == index)
                        {
                            edges[dependency].Add((member, g));
                        }
                    }
                }
            }
            Edges = edges.ToDictionary(e => e.Key, e => e.Value.ToArray(), StringComparer.Ordinal);
            Dependants = edges.ToDictionary(e => e.Key, e => e.Value.Select(d => d.Item1).Distinct().Order(StringComparer.Ordinal).ToArray(),
                StringComparer.Ordinal);
        }

        /// <summary>Per member, each dependant on the cycle with the index of its dependency group that names the member.</summary>
        public Dictionary<string, (string Dependant, int Group)[]> Edges { get; }

        /// <summary>Per member, its dependants on the cycle, in ordinal order.</summary>
        public Dictionary<string, string[]> Dependants { get; }

        /// <summary>Whether <paramref name="node"/> is on this cycle.</summary>
        public bool Has(string node) => Edges.ContainsKey(node);

        /// <summary>Members not operational only because of their dependencies, as their last result said.</summary>
        public SortedSet<string> Held { get; } = new(StringComparer.Ordinal);

        /// <summary>Members not operational in themselves (down, isolated, degraded), as their last result said.</summary>
        public HashSet<string> FailedIn { get; } = new(StringComparer.Ordinal);

        /// <summary>Per member, its dependencies outside the cycle that last said they are not operational.</summary>
        public Dictionary<string, HashSet<string>> OutsideDown { get; } = new(StringComparer.Ordinal);

        /// <summary>Takes in a member's result; true when it recovered in itself.</summary>
        public bool Ran(string member, bool held, bool notOperational)
        {
            if (held)
            {
                Held.Add(member);
            }
            else
            {
                Held.Remove(member);
                if (notOperational)
                {
                    FailedIn.Add(member);
                    return false;
                }
            }
            return FailedIn.Remove(member);
        }

        /// <summary>Takes in a notice from a dependency outside the cycle; true when it says that dependency recovered.</summary>
        public bool OutsideNotice(string member, string dependency, bool operational)
        {
            if (!operational)
            {
                if (!OutsideDown.TryGetValue(member, out var down))
                {
                    OutsideDown[member] = down = new(StringComparer.Ordinal);
                }
                down.Add(dependency);
                return false;
            }
            if (OutsideDown.TryGetValue(member, out var failing) && failing.Remove(dependency))
            {
                if (failing.Count == 0)
                {
                    OutsideDown.Remove(member);
                }
                return true;
            }
            return false;
        }
    }

    private void Schedule(SimEvent e)
    {
        if (e.Tick >= _plan.Ticks)
        {
            return;
        }
        if (!_pending.TryGetValue(e.Tick, out var list))
        {
            _pending[e.Tick] = list = [];
        }
        list.Add(new PackedEvent(Index(e.Target), e.Kind, Index(e.Source), Index(e.Technique), e.Value, Index(e.Detail)));
    }

    /// <summary>A string's index in the table of strings the scheduled events use.</summary>
    private int Index(string text)
    {
        ref var index = ref CollectionsMarshal.GetValueRefOrAddDefault(_stringIndex, text, out var known);
        if (!known)
        {
            index = _strings.Count;
            _strings.Add(text);
        }
        return index;
    }

    /// <summary>A scheduled event without references; its tick is the key it is filed under.</summary>
    private readonly record struct PackedEvent(int Target, SimEventKind Kind, int Source, int Technique, long Value, int Detail);

    /// <summary>The results in ordinal order of entity; they come in that order from <see cref="Begin"/>'s targets.</summary>
    private static IEnumerable<TickResult> InEntityOrder(IReadOnlyList<TickResult> results)
    {
        for (var i = 1; i < results.Count; i++)
        {
            if (string.CompareOrdinal(results[i - 1].Entity, results[i].Entity) > 0)
            {
                return results.OrderBy(r => r.Entity, StringComparer.Ordinal);
            }
        }
        return results;
    }

    /// <summary>What kind of entity an id names: 0 domain, 1 segment, 2 node.</summary>
    public static int Level(string entity) => entity.Count(c => c == '/');
}

/// <summary>Turns an inject into events for the nodes or domains it targets, at its own tick.</summary>
public static class InjectExpansion
{
    public static IEnumerable<SimEvent> Expand(RunPlan plan, long tick, string id, InjectKind kind, string target, IReadOnlyDictionary<string, string> parameters)
    {
        var source = "inject:" + id;
        var techniques = InjectRules.Techniques(parameters);
        switch (kind)
        {
            case InjectKind.Compromise:
                foreach (var node in plan.NodesIn(target))
                {
                    yield return new SimEvent(tick, node, SimEventKind.Compromise, source, techniques[0], 0, string.Join(",", techniques));
                }
                break;
            case InjectKind.Campaign:
                var footholds = plan.NodesIn(target)
                    .Where(n => plan.Node(n).Exposures.Any(e => techniques.Contains(e.Technique)))
                    .OrderBy(n => StableRandom.Draw(plan.Seed, n, tick, "campaign", id)).ThenBy(n => n, StringComparer.Ordinal)
                    .Take(InjectRules.CountOf(parameters));
                foreach (var node in footholds)
                {
                    var entry = techniques.First(t => plan.Node(node).Exposures.Any(e => e.Technique == t));
                    yield return new SimEvent(tick, node, SimEventKind.Compromise, source, entry, 0, string.Join(",", techniques));
                }
                break;
            case InjectKind.Ddos or InjectKind.CableCut or InjectKind.PowerOutage or InjectKind.Ransomware or InjectKind.Wiper:
                var until = tick + plan.TicksOf(InjectRules.DurationOf(kind, parameters));
                foreach (var node in plan.NodesIn(target))
                {
                    yield return new SimEvent(tick, node, SimEventKind.Disrupt, source, "", until, WireNames.Of(kind));
                }
                break;
            case InjectKind.Patch:
                foreach (var node in plan.NodesIn(target))
                {
                    yield return new SimEvent(tick, node, SimEventKind.Patch, source, techniques[0], 0, "");
                }
                break;
            case InjectKind.Isolate or InjectKind.Restore:
                foreach (var node in plan.NodesIn(target))
                {
                    yield return new SimEvent(tick, node, kind == InjectKind.Isolate ? SimEventKind.Isolate : SimEventKind.Restore, source, "", 0, "");
                }
                break;
            case InjectKind.IntelReport:
                foreach (var technique in techniques)
                {
                    yield return new SimEvent(tick, target, SimEventKind.Indicator, "intel:" + id, technique, 0, "intel " + id);
                }
                break;
            case InjectKind.SetAlertLevel:
                yield return new SimEvent(tick, target, SimEventKind.SetAlert, source, "", InjectRules.LevelOf(parameters), "");
                break;
            default:
                throw new InvalidOperationException($"unknown inject kind {kind}");
        }
    }
}
