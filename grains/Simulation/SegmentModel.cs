using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// A segment in an exercise schedules lateral movement: when one of its nodes is compromised, it
/// draws one delayed attempt per technique per exposed neighbour (the other members and the nodes
/// of linked segments). The source node makes each (neighbour, technique) attempt once only, if it
/// is still active when the attempt is due (<see cref="NodeModel"/>), so the spread is a
/// percolation on the graph; a node compromised again gets the attempts it did not make.
/// </summary>
public sealed class SegmentModel : ITickModel
{
    private readonly SegmentSetup _setup;
    private readonly ImmutableArray<NodeExposures> _neighbourhood;
    private readonly FrozenDictionary<string, int> _index;
    // Tool sets as sent ("T1190,T1078"), split once each: a run has a handful.
    private readonly Dictionary<string, IReadOnlyList<string>> _toolsets = new(StringComparer.Ordinal);

    public SegmentModel(SegmentSetup setup)
    {
        _setup = setup;
        _neighbourhood = [.. setup.Members.Concat(setup.Linked).DistinctBy(n => n.Node, StringComparer.Ordinal)
            .OrderBy(n => n.Node, StringComparer.Ordinal)];
        Members = setup.Members.Select(m => m.Node).ToFrozenSet(StringComparer.Ordinal);
        _index = _neighbourhood.Select((n, i) => (n.Node, i)).ToFrozenDictionary(p => p.Node, p => p.i, StringComparer.Ordinal);
    }

    public string Id => _setup.Id;

    /// <summary>
    /// An attempt's value: the source's compromise number (a spread's value) in the high half, the
    /// neighbour's place in the neighbourhood in the low half; the source makes only attempts of
    /// its current compromise, and each (neighbour, technique) once.
    /// </summary>
    public static long AttemptValue(long compromise, int neighbour) => (compromise << 32) | (uint)neighbour;

    /// <summary>The compromise number of an attempt's value.</summary>
    public static long CompromiseOf(long attempt) => attempt >> 32;

    /// <summary>The neighbour's place of an attempt's value.</summary>
    public static long NeighbourOf(long attempt) => attempt & uint.MaxValue;

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
                for (var n = 0; n < _neighbourhood.Length; n++)
                {
                    var neighbour = _neighbourhood[n];
                    if (n == sourceIndex || !neighbour.Techniques.Contains(technique))
                    {
                        continue;
                    }
                    var delay = StableRandom.Between(_setup.Seed, Id, tick, "spread", _setup.SpreadMin, _setup.SpreadMax,
                        source, "|", neighbour.Node, "|", technique);
                    emitted.Add(new SimEvent(tick + delay, source, SimEventKind.Attempt, Id, technique, AttemptValue(e.Value, n), neighbour.Node));
                    attempts++;
                }
            }
            journal.Add(new JournalEntry(tick, Id, "spread", $"{source} attempts={attempts}"));
        }
        return new TickResult(Id, [.. journal], [.. emitted]);
    }
}
