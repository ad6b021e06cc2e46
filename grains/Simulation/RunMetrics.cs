using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// Builds a run's metrics and report from its journal alone, line by line: capability Q(t) per
/// domain and for the alliance, resilience loss ∫(1 − Q)dt, minimum Q, time to recover to 95 %,
/// MTTD/MTTC/MTTR, compromised counts, cascade depth, indicator propagation, and the objectives.
/// </summary>
public sealed class RunMetrics
{
    private const string Alliance = "alliance";
    private static readonly HashSet<string> NotableKinds = new(StringComparer.Ordinal)
    {
        "inject", "compromised", "detected", "contained", "recovered", "disrupted", "disruption-ended", "indicator", "withheld", "alert", "restored", "isolated", "patched",
    };

    private readonly RunPlan _plan;
    private readonly Dictionary<string, (NodeStatus Status, bool Operational)> _nodes = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, Scope> _scopes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _compromisedAt = new(StringComparer.Ordinal);
    // Nodes compromised and not yet contained or restored; nodes ever compromised.
    private readonly HashSet<string> _active = new(StringComparer.Ordinal);
    private readonly HashSet<string> _everCompromised = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _firstDetection = new(StringComparer.Ordinal);
    // Per node, its spells down and out of action (not operational).
    private readonly Spells _down = new();
    private readonly Spells _outOfAction = new();
    private readonly List<JournalEntry> _timeline = [];
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly System.Buffers.ArrayBufferWriter<byte> _scratch = new(256);
    private readonly double _tickHours;
    private long _lines;

    public RunMetrics(RunPlan plan)
    {
        _plan = plan;
        _tickHours = plan.Scenario.Tick.TotalHours;
        _scopes[Alliance] = new Scope(Alliance);
        foreach (var domain in plan.DomainIds)
        {
            _scopes[domain] = new Scope(domain);
        }
        foreach (var id in plan.NodeIds)
        {
            var weight = plan.Node(id).Criticality;
            _nodes[id] = (NodeStatus.Healthy, true);
            foreach (var scope in ScopesOf(id))
            {
                scope.Total += weight;
                scope.Operational += weight;
            }
        }
        foreach (var scope in _scopes.Values)
        {
            scope.Series.Add(new CapabilityPoint(0, scope.Q));
        }
    }

    /// <summary>Journal lines seen.</summary>
    public long Lines => _lines;

    private IEnumerable<Scope> ScopesOf(string entity)
    {
        yield return _scopes[Alliance];
        if (_scopes.TryGetValue(EntityId.DomainOf(entity + "/"), out var domain))
        {
            yield return domain;
        }
    }

    /// <summary>Takes one tick's journal lines, in order.</summary>
    public void Observe(long tick, IReadOnlyList<JournalEntry> lines)
    {
        foreach (var line in lines)
        {
            _lines++;
            _scratch.ResetWrittenCount();
            JournalText.AppendLine(_scratch, line);
            _hash.AppendData(_scratch.WrittenSpan);
            if (NotableKinds.Contains(line.Kind) && _timeline.Count < 5000)
            {
                _timeline.Add(line);
            }
            Apply(tick, line);
        }
        foreach (var scope in _scopes.Values)
        {
            scope.EndTick(tick);
        }
    }

    private void Apply(long tick, JournalEntry line)
    {
        var detail = line.Detail;
        switch (line.Kind)
        {
            case "status":
                var (fromTo, operational, cascade) = ParseStatus(detail);
                var to = fromTo.To;
                var old = _nodes[line.Entity];
                _nodes[line.Entity] = (to, operational);
                var weight = _plan.Node(line.Entity).Criticality;
                foreach (var scope in ScopesOf(line.Entity))
                {
                    scope.Operational += (operational ? weight : 0) - (old.Operational ? weight : 0);
                    scope.LongestCascade = Math.Max(scope.LongestCascade, cascade);
                }
                _down.Change(line.Entity, tick, old.Status == NodeStatus.Down, to == NodeStatus.Down);
                _outOfAction.Change(line.Entity, tick, !old.Operational, !operational);
                break;
            case "compromised":
                _compromisedAt[line.Entity] = tick;
                var firstTime = _everCompromised.Add(line.Entity);
                var activated = _active.Add(line.Entity);
                foreach (var scope in ScopesOf(line.Entity))
                {
                    scope.TotalCompromised += firstTime ? 1 : 0;
                    scope.Active += activated ? 1 : 0;
                    scope.PeakCompromised = Math.Max(scope.PeakCompromised, scope.Active);
                }
                break;
            case "detected":
                var technique = detail.Split(' ')[0];
                _firstDetection.TryAdd(technique, tick);
                Record(line.Entity, tick, s => s.Detect);
                break;
            case "contained":
                Record(line.Entity, tick, s => s.Contain);
                if (_active.Remove(line.Entity))
                {
                    foreach (var scope in ScopesOf(line.Entity))
                    {
                        scope.Active--;
                    }
                }
                break;
            case "restored":
                _compromisedAt.Remove(line.Entity);
                if (_active.Remove(line.Entity))
                {
                    foreach (var scope in ScopesOf(line.Entity))
                    {
                        scope.Active--;
                    }
                }
                break;
            case "recovered":
                Record(line.Entity, tick, s => s.Recover);
                _compromisedAt.Remove(line.Entity);
                break;
            case "indicator" when detail.Contains(" shared by ", StringComparison.Ordinal):
                if (_firstDetection.TryGetValue(detail.Split(' ')[0], out var first))
                {
                    var hours = (tick - first) * _tickHours;
                    foreach (var scope in new[] { _scopes[Alliance], _scopes[line.Entity] })
                    {
                        scope.Propagation.Add(hours);
                    }
                }
                break;
        }
    }

    private void Record(string node, long tick, Func<Scope, List<double>> list)
    {
        if (_compromisedAt.TryGetValue(node, out var at))
        {
            foreach (var scope in ScopesOf(node))
            {
                list(scope).Add((tick - at) * _tickHours);
            }
        }
    }

    private static ((NodeStatus From, NodeStatus To), bool Operational, int Cascade) ParseStatus(string detail)
    {
        var parts = detail.Split(' ');
        var arrow = parts[0].Split("->");
        var from = WireNames.Parse<NodeStatus>(arrow[0]);
        var to = WireNames.Parse<NodeStatus>(arrow[1]);
        var operational = parts[1] == "operational=yes";
        var cascade = parts.Length > 2 ? int.Parse(parts[2]["cascade=".Length..], CultureInfo.InvariantCulture) : 0;
        return ((from, to), operational, cascade);
    }

    /// <summary>The SHA-256 of the canonical journal so far: <c>sha256:&lt;hex&gt;</c>.</summary>
    public string Hash() => "sha256:" + Convert.ToHexStringLower(_hash.GetCurrentHash());

    /// <summary>The report at the end of the run (or at <paramref name="endTick"/> for a stopped one).</summary>
    public RunReport Report(long endTick, long events)
    {
        var metrics = _scopes.ToDictionary(p => p.Key, p => p.Value.Metrics(endTick, _tickHours), StringComparer.Ordinal);
        var objectives = _plan.Scenario.Objectives.Select(o => Evaluate(o, metrics, endTick)).ToImmutableArray();
        return new RunReport(_plan.Scenario.Metadata.Name, _plan.Scenario.Variant, _plan.Seed, _plan.Ticks, _plan.Scenario.Tick,
            events, _lines, Hash(), metrics[Alliance],
            [.. _plan.DomainIds.Select(d => metrics[d])], objectives, [.. _timeline]);
    }

    /// <summary>
    /// The first point below <paramref name="threshold"/>, and the point from which capability
    /// stays at or above it to the end (null while it is below): a recovery that is followed by a
    /// deeper fall is no recovery.
    /// </summary>
    private static (CapabilityPoint? Drop, CapabilityPoint? Back) Recovery(IReadOnlyList<CapabilityPoint> series, double threshold)
    {
        var last = series.Count - 1;
        while (last >= 0 && series[last].Capability >= threshold)
        {
            last--;
        }
        if (last < 0)
        {
            return (null, null);
        }
        return (series.First(p => p.Capability < threshold), last + 1 < series.Count ? series[last + 1] : null);
    }

    /// <summary>Whether <paramref name="ticks"/> of the run last no longer than <paramref name="limit"/>, compared exactly.</summary>
    private bool Within(long ticks, TimeSpan limit) => (Int128)ticks * _plan.Scenario.Tick.Ticks <= limit.Ticks;

    /// <summary>
    /// Judges an objective on the run up to <paramref name="endTick"/>. Before the end of the
    /// exercise, an objective that what is still to come could change is pending; one already
    /// broken (a loss or a down time over its limit, a capability below it) has failed for good.
    /// </summary>
    private ObjectiveResult Evaluate(ObjectiveDefinition o, Dictionary<string, ScopeMetrics> metrics, long endTick)
    {
        static string F(double v) => v.ToString("0.###", CultureInfo.InvariantCulture);
        var over = endTick >= _plan.Ticks;
        ObjectiveResult Pending(string actual) => new(o.Id, o.Text, false, actual, Pending: true);
        switch (o.Kind)
        {
            case ObjectiveKind.CapabilityAt:
            {
                var at = _plan.Scenario.TickOf(o.Time);
                if (!over && at >= endTick)
                {
                    return Pending($"not yet at {Duration.Format(o.Time)}");
                }
                var q = metrics[o.Scope].Series.Last(p => p.Tick <= at).Capability;
                return new ObjectiveResult(o.Id, o.Text, q >= o.Threshold, $"capability {F(q)} at {Duration.Format(o.Time)}");
            }
            case ObjectiveKind.ResilienceLoss:
            {
                var loss = metrics[o.Scope].ResilienceLossHours;
                var within = _scopes[o.Scope].LossWithin(endTick, o.Time, _plan.Scenario.Tick);
                return over || !within
                    ? new ObjectiveResult(o.Id, o.Text, within, $"resilience loss {F(loss)} h")
                    : Pending($"resilience loss {F(loss)} h so far");
            }
            case ObjectiveKind.MinCapability:
            {
                var min = metrics[o.Scope].MinCapability;
                return over || min < o.Threshold
                    ? new ObjectiveResult(o.Id, o.Text, min >= o.Threshold, $"minimum capability {F(min)}")
                    : Pending($"minimum capability {F(min)} so far");
            }
            case ObjectiveKind.MaxDownTime or ObjectiveKind.MaxOutOfAction:
            {
                var sector = WireNames.Parse<Sector>(o.Scope);
                var (spells, what) = o.Kind == ObjectiveKind.MaxDownTime ? (_down, "down") : (_outOfAction, "out of action");
                var longest = _plan.Scenario.Topology.AllSegments.Where(s => s.Sector == sector).SelectMany(s => s.Nodes)
                    .Select(n => (n.Id, Ticks: spells.Longest(n.Id, endTick))).OrderByDescending(p => p.Ticks).ThenBy(p => p.Id, StringComparer.Ordinal)
                    .FirstOrDefault();
                var hours = longest.Ticks * _tickHours;
                var actual = longest.Ticks == 0 ? $"no node {what}" : $"longest {what} {F(hours)} h ({longest.Id})";
                return over || !Within(longest.Ticks, o.Time)
                    ? new ObjectiveResult(o.Id, o.Text, Within(longest.Ticks, o.Time), actual)
                    : Pending(actual + " so far");
            }
            case ObjectiveKind.RecoverWithin:
            {
                var (drop, back) = Recovery(metrics[o.Scope].Series, o.Threshold);
                if (drop is null)
                {
                    return over
                        ? new ObjectiveResult(o.Id, o.Text, true, $"never below {F(o.Threshold * 100)}%")
                        : Pending($"not below {F(o.Threshold * 100)}% so far");
                }
                var hours = back is null ? (double?)null : (back.Tick - drop.Tick) * _tickHours;
                if (!over && back is null && Within(endTick - drop.Tick, o.Time))
                {
                    return Pending($"below {F(o.Threshold * 100)}% for {F((endTick - drop.Tick) * _tickHours)} h so far");
                }
                if (!over && back is not null && Within(back.Tick - drop.Tick, o.Time))
                {
                    // Back for now; a later drop would move the recovery on.
                    return Pending($"back to {F(o.Threshold * 100)}% in {F(hours!.Value)} h so far");
                }
                return new ObjectiveResult(o.Id, o.Text, back is not null && Within(back.Tick - drop.Tick, o.Time),
                    hours is { } x ? $"recovered to {F(o.Threshold * 100)}% in {F(x)} h"
                    : over ? $"not back to {F(o.Threshold * 100)}% by the end"
                    : $"not back to {F(o.Threshold * 100)}% after {F((endTick - drop.Tick) * _tickHours)} h");
            }
            default:
                throw new InvalidOperationException($"unknown objective kind {o.Kind}");
        }
    }

    /// <summary>Spells of a condition per node (down, say): when the current one began, and the longest ended.</summary>
    private sealed class Spells
    {
        private readonly Dictionary<string, long> _since = new(StringComparer.Ordinal);
        private readonly Dictionary<string, long> _longest = new(StringComparer.Ordinal);

        /// <summary>Notes a node's change at <paramref name="tick"/>: a spell begins or ends when the condition does.</summary>
        public void Change(string node, long tick, bool before, bool after)
        {
            if (after && !before)
            {
                _since[node] = tick;
            }
            else if (before && !after && _since.Remove(node, out var start))
            {
                _longest[node] = Math.Max(_longest.GetValueOrDefault(node), tick - start);
            }
        }

        /// <summary>The node's longest spell up to <paramref name="endTick"/>, counting one still going on.</summary>
        public long Longest(string node, long endTick) =>
            Math.Max(_longest.GetValueOrDefault(node), _since.TryGetValue(node, out var start) ? endTick - start : 0);
    }

    private sealed class Scope(string name)
    {
        public long Total;
        public long Operational;
        public int Active;
        public int PeakCompromised;
        public int TotalCompromised;
        public int LongestCascade;
        public readonly List<double> Detect = [];
        public readonly List<double> Contain = [];
        public readonly List<double> Recover = [];
        public readonly List<double> Propagation = [];
        public readonly List<CapabilityPoint> Series = [];
        // ∫(1 − Q)dt kept exact, in weight × ticks: (Total − Operational) summed over the ticks.
        private long _lossUnits;
        private long _missing;
        private long _since;
        private double _min = 1.0;

        public double Q => Total == 0 ? 1.0 : (double)Operational / Total;

        public void EndTick(long tick)
        {
            var q = Q;
            var last = Series[^1];
            if (q == last.Capability)
            {
                return;
            }
            _lossUnits += _missing * (tick - _since);
            _missing = Total - Operational;
            _since = tick;
            _min = Math.Min(_min, q);
            Series.Add(new CapabilityPoint(tick, q));
        }

        /// <summary>The loss up to <paramref name="endTick"/>, in weight × ticks.</summary>
        private long LossUnits(long endTick) => _lossUnits + _missing * (endTick - _since);

        /// <summary>Whether the loss up to <paramref name="endTick"/> is at most <paramref name="limit"/>, compared exactly.</summary>
        public bool LossWithin(long endTick, TimeSpan limit, TimeSpan tick) =>
            (Int128)LossUnits(endTick) * tick.Ticks <= (Int128)limit.Ticks * Total;

        public ScopeMetrics Metrics(long endTick, double tickHours)
        {
            var last = Series[^1];
            var loss = Total == 0 ? 0 : (double)LossUnits(endTick) / Total * tickHours;
            var (drop, back) = Recovery(Series, 0.95);
            double? Mean(List<double> values) => values.Count == 0 ? null : values.Average();
            return new ScopeMetrics(name, loss, _min, last.Capability,
                back is null || drop is null ? null : (back.Tick - drop.Tick) * tickHours,
                drop is null || back is not null,
                Mean(Detect), Mean(Contain), Mean(Recover),
                PeakCompromised, TotalCompromised, LongestCascade,
                Mean(Propagation), Propagation.Count == 0 ? null : Propagation.Max(), [.. Series]);
        }
    }
}
