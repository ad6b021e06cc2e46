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
    private readonly HashSet<string> _attempted = new(StringComparer.Ordinal);

    public SegmentModel(SegmentSetup setup)
    {
        _setup = setup;
        _neighbourhood = [.. setup.Members.Concat(setup.Linked).DistinctBy(n => n.Node, StringComparer.Ordinal)
            .OrderBy(n => n.Node, StringComparer.Ordinal)];
        Members = setup.Members.Select(m => m.Node).ToFrozenSet(StringComparer.Ordinal);
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
            var attempts = 0;
            foreach (var technique in InjectRules.List(e.Detail))
            {
                foreach (var neighbour in _neighbourhood)
                {
                    if (neighbour.Node == source || !neighbour.Techniques.Contains(technique))
                    {
                        continue;
                    }
                    var key = source + "|" + neighbour.Node + "|" + technique;
                    if (!_attempted.Add(key))
                    {
                        continue;
                    }
                    var delay = StableRandom.Between(_setup.Seed, Id, tick, "spread", key, _setup.SpreadMin, _setup.SpreadMax);
                    emitted.Add(new SimEvent(tick + delay, source, SimEventKind.Attempt, Id, technique, 0, neighbour.Node));
                    attempts++;
                }
            }
            journal.Add(new JournalEntry(tick, Id, "spread", $"{source} attempts={attempts}"));
        }
        return new TickResult(Id, [.. journal], [.. emitted]);
    }
}
