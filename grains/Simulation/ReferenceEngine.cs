namespace Bulwark.Grains.Simulation;

/// <summary>
/// The oracle: runs an exercise in one process, one tick after another, with the same rules,
/// calendar and journal as the cluster. Whatever the cluster adds — distribution, batching,
/// parallel calls — must leave its journal byte-identical to this one's.
/// </summary>
public sealed class ReferenceEngine
{
    private readonly RunPlan _plan;
    private readonly RunCalendar _calendar;
    private readonly Dictionary<string, NodeModel> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SegmentModel> _segments = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DomainModel> _domains = new(StringComparer.Ordinal);

    public ReferenceEngine(ScenarioDefinition scenario, IEnumerable<HandInject>? handInjects = null)
    {
        _plan = new RunPlan(scenario);
        _calendar = new RunCalendar(_plan, handInjects);
        Metrics = new RunMetrics(_plan);
    }

    public RunMetrics Metrics { get; }

    /// <summary>Nodes that received at least one event (and so were created).</summary>
    public int NodesTouched => _nodes.Count;

    /// <summary>Runs to the end; <paramref name="onTick"/> sees each tick's journal lines.</summary>
    public RunReport Run(Action<long, IReadOnlyList<JournalEntry>>? onTick = null)
    {
        while (_calendar.Next is { } tick)
        {
            var (journal, byTarget) = _calendar.Begin(tick);
            var results = new List<TickResult>(byTarget.Count);
            foreach (var (target, events) in byTarget)
            {
                results.Add(RunCalendar.Level(target) switch
                {
                    2 => Node(target).Apply(tick, events),
                    1 => Segment(target).Apply(tick, events),
                    _ => Domain(target).Apply(tick, events),
                });
            }
            var lines = _calendar.Complete(tick, journal, results);
            Metrics.Observe(tick, lines);
            onTick?.Invoke(tick, lines);
        }
        return Metrics.Report(_plan.Ticks, _calendar.Events);
    }

    private NodeModel Node(string id) =>
        _nodes.TryGetValue(id, out var model) ? model : _nodes[id] = new NodeModel(_plan.NodeSetupFor(id));

    private SegmentModel Segment(string id) =>
        _segments.TryGetValue(id, out var model) ? model : _segments[id] = new SegmentModel(_plan.SegmentSetupFor(id));

    private DomainModel Domain(string id) =>
        _domains.TryGetValue(id, out var model) ? model : _domains[id] = new DomainModel(_plan.DomainSetupFor(id));
}
