using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// A segment in an exercise schedules lateral movement: when one of its nodes is compromised, it
/// draws one delayed attempt per technique per exposed neighbour (the other members and the nodes
/// of linked segments). A (source, neighbour, technique) is attempted once only, so the spread is
/// a percolation on the graph.
/// </summary>
public sealed class SegmentModel : ITickModel
{
    private readonly SegmentSetup _setup;
    private readonly ImmutableArray<NodeExposures> _neighbourhood;
    private readonly FrozenDictionary<string, int> _index;
    private readonly Dictionary<string, int> _techniques = new(StringComparer.Ordinal);

    // (source, neighbour, technique) already attempted, as three indices packed in one number: a
    // large run attempts millions, and a string each would be kept for the whole run.
    private readonly HashSet<long> _attempted = [];
    // Tool sets as sent ("T1190,T1078"), split once each: a run has a handful.
    private readonly Dictionary<string, IReadOnlyList<string>> _toolsets = new(StringComparer.Ordinal);

    public SegmentModel(SegmentSetup setup)
    {
        _setup = setup;
        _neighbourhood = [.. setup.Members.Concat(setup.Linked).DistinctBy(n => n.Node, StringComparer.Ordinal)
            .OrderBy(n => n.Node, StringComparer.Ordinal)];
        Members = setup.Members.Select(m => m.Node).ToFrozenSet(StringComparer.Ordinal);
        if (_neighbourhood.Length >= 1 << 21)
        {
            throw new InvalidOperationException($"segment {Id} has {_neighbourhood.Length:N0} neighbouring nodes; at most {(1 << 21) - 1:N0} are supported");
        }
        _index = _neighbourhood.Select((n, i) => (n.Node, i)).ToFrozenDictionary(p => p.Node, p => p.i, StringComparer.Ordinal);
    }

    public string Id => _setup.Id;

    private FrozenSet<string> Members { get; }

    public TickResult Apply(long tick, IReadOnlyList<SimEvent> events)
    {
        var journal = new List<JournalEntry>();
        var emitted = new List<SimEvent>();
        var sorted = events.ToList();
        sorted.Sort(SimEvent.Canonical);
        foreach (var e in sorted)
        {
            if (e.Kind != SimEventKind.Spread || !Members.Contains(e.Source))
            {
                throw new InvalidOperationException($"segment {Id} cannot apply {e.Kind} from {e.Source}");
            }
            var source = e.Source;
            var sourceIndex = _index[source];
            var attempts = 0;
            if (!_toolsets.TryGetValue(e.Detail, out var toolset))
            {
                _toolsets[e.Detail] = toolset = InjectRules.List(e.Detail);
            }
            foreach (var technique in toolset)
            {
                if (!_techniques.TryGetValue(technique, out var techniqueIndex))
                {
                    _techniques[technique] = techniqueIndex = _techniques.Count;
                }
                for (var n = 0; n < _neighbourhood.Length; n++)
                {
                    var neighbour = _neighbourhood[n];
                    if (n == sourceIndex || !neighbour.Techniques.Contains(technique)
                        || !_attempted.Add(((long)sourceIndex << 42) | ((long)n << 21) | (long)techniqueIndex))
                    {
                        continue;
                    }
                    var delay = StableRandom.Between(_setup.Seed, Id, tick, "spread", _setup.SpreadMin, _setup.SpreadMax,
                        source, "|", neighbour.Node, "|", technique);
                    emitted.Add(new SimEvent(tick + delay, source, SimEventKind.Attempt, Id, technique, 0, neighbour.Node));
                    attempts++;
                }
            }
            journal.Add(new JournalEntry(tick, Id, "spread", $"{source} attempts={attempts}"));
        }
        return new TickResult(Id, [.. journal], [.. emitted]);
    }
}
