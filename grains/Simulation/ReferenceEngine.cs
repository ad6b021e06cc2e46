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
    private readonly Dictionary<string, ITickModel> _models = new(StringComparer.Ordinal);

    /// <param name="scenario">The scenario, variant applied.</param>
    /// <param name="handInjects">Hand injects to replay.</param>
    /// <param name="eagerBroadcasts">See <see cref="RunCalendar(RunPlan, IEnumerable{HandInject}?, bool)"/>.</param>
    public ReferenceEngine(ScenarioDefinition scenario, IEnumerable<HandInject>? handInjects = null, bool eagerBroadcasts = false)
    {
        _plan = new RunPlan(scenario);
        _calendar = new RunCalendar(_plan, handInjects, eagerBroadcasts);
        Metrics = new RunMetrics(_plan);
    }

    public RunMetrics Metrics { get; }

    /// <summary>
    /// Calls to entities so far: one for each target with events in a tick. A cluster run makes
    /// exactly these calls, since its controller keeps the same calendar.
    /// </summary>
    public long EntityCalls { get; private set; }

    /// <summary>Nodes that received at least one event (and so were created).</summary>
    public int NodesTouched => _models.Keys.Count(k => RunCalendar.Level(k) == 2);

    /// <summary>Runs to the end; <paramref name="onTick"/> sees each tick's journal lines.</summary>
    public RunReport Run(Action<long, IReadOnlyList<JournalEntry>>? onTick = null)
    {
        while (_calendar.Next is { } tick)
        {
            var (journal, byTarget) = _calendar.Begin(tick);
            var results = new List<TickResult>(byTarget.Count);
            EntityCalls += byTarget.Count;
            foreach (var (target, events) in byTarget)
            {
                results.Add(Model(target).Apply(tick, events));
            }
            var lines = _calendar.Complete(tick, journal, results);
            Metrics.Observe(tick, lines);
            onTick?.Invoke(tick, lines);
        }
        return Metrics.Report(_plan.Ticks, _calendar.Events);
    }

    private ITickModel Model(string id)
    {
        if (!_models.TryGetValue(id, out var model))
        {
            _models[id] = model = RunCalendar.Level(id) switch
            {
                2 => new NodeModel(_plan.NodeSetupFor(id)),
                1 => new SegmentModel(_plan.SegmentSetupFor(id)),
                _ => new DomainModel(_plan.DomainSetupFor(id)),
            };
        }
        return model;
    }
}
