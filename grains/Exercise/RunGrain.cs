using System.Collections.Immutable;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Bulwark.Grains.Simulation;
using Microsoft.Extensions.Logging;

namespace Bulwark.Grains.Exercise;

/// <summary>
/// The controller of one run. A grain timer advances virtual time: at each tick with work it
/// calls every entity that has events once, all in parallel, merges their results in canonical
/// order through the shared <see cref="RunCalendar"/>, appends the journal and updates the
/// metrics. Paced runs map real time to virtual time; pausing freezes that mapping and resuming
/// restarts it where it stood, so nothing fires late or all at once.
/// </summary>
/// <remarks>
/// A running or paused run is kept active (its state is in memory), however long it is paused.
/// When a run ends it releases its entities and stores its outcome (final progress, report, hand
/// injects) beside its journal; from then on the grain may be collected like any idle grain, and
/// an activation of it, after a collection or a restart of the silo, answers from the stored
/// outcome. A run still going when its silo shuts down ends as stopped at the tick it had reached.
/// </remarks>
[GrainType("bulwark.run")]
public sealed partial class RunGrain(IJournalStore store, TimeProvider clock, ISiloStatusOracle silo, ILogger<RunGrain> logger) : Grain, IRunGrain
{
    /// <summary>Why a run stopped without a controller's stop.</summary>
    private const string SiloShutDown = "its silo shut down";

    /// <summary>How long one timer turn may work before letting other calls in.</summary>
    private static readonly TimeSpan TurnBudget = TimeSpan.FromMilliseconds(100);

    /// <summary>How long a run that has not ended stays active: until it ends, in practice.</summary>
    private static readonly TimeSpan UntilItEnds = TimeSpan.FromDays(3650);

    /// <summary>The most entity calls in flight at once.</summary>
    private const int CallWindow = 2048;

    /// <summary>How long journal lines wait, at most, before they are written.</summary>
    public static readonly TimeSpan SaveInterval = TimeSpan.FromSeconds(1);

    private long _savedAt;

    private readonly List<JournalEntry> _unsaved = [];
    private long _lines;
    private readonly List<HandInject> _handInjects = [];
    // Entities called so far, with their grain references: resolving a reference from a string key is not free.
    private readonly Dictionary<string, IRunEntityGrain> _entities = new(StringComparer.Ordinal);
    private RunPlan? _plan;
    private RunCalendar? _calendar;
    private RunMetrics? _metrics;
    // The last completed tick's journal lines, until the metrics have taken them.
    private (long Tick, List<JournalEntry> Lines)? _unobserved;
    private RunState _state;
    private double _pace;
    private string? _message;
    private RunReport? _final;
    private RunInfo? _finalInfo;
    private long _stoppedAt;
    private IGrainTimer? _timer;
    private double _virtualSecondsAtResume;
    private long _wallAtResume;

    private string RunId => this.GetPrimaryKeyString();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (!EntityId.IsRunId(RunId))
        {
            // Never started (StartAsync refuses it): it answers as unknown, and its id names no file.
            return;
        }
        RunOutcome? outcome;
        try
        {
            outcome = await store.ReadOutcomeAsync(RunId, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run's id stays taken (its outcome file is there). It is listed as failed, saying why, rather than vanish:
            // its journal is still served as stored, its report cannot be.
            LogOutcomeUnreadable(logger, e, RunId);
            WithoutOutcome(RunState.Failed, $"its stored outcome cannot be read ({e.Message})", lines: 0);
            return;
        }
        if (outcome is not null)
        {
            (_finalInfo, _final, _state, _message) = (outcome.Info, outcome.Report, outcome.Info.State, outcome.Info.Message);
            _handInjects.AddRange(outcome.HandInjects);
            return;
        }
        try
        {
            if (await store.ExistsAsync(RunId, cancellationToken) && !store.IsGoingElsewhere(RunId))
            {
                // Started here before, and never ended: its silo stopped without a shutdown (killed, or the machine lost).
                // Said so, with what its journal holds, rather than answered as unknown.
                var journal = await store.DigestAsync(RunId, cancellationToken);
                WithoutOutcome(RunState.Stopped, "its silo stopped without ending it (killed, or its machine went down)", journal.Lines,
                    await store.ReadStartAsync(RunId, cancellationToken), await LastTickAsync(journal.Lines, cancellationToken));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            WithoutOutcome(RunState.Failed, $"its silo stopped without ending it, and its journal cannot be read ({e.Message})", lines: 0);
        }
    }

    /// <summary>
    /// A run from before with no outcome to answer from: what it is said to be, and why; its journal is served as stored.
    /// With what its start recorded, it is that run, at the tick of its last journal line at least, its events not known.
    /// </summary>
    private void WithoutOutcome(RunState state, string why, long lines, RunInfo? start = null, long lastTick = 0)
    {
        _unreadable = string.Create(CultureInfo.InvariantCulture,
            $"{why}; its journal{(lines > 0 ? $", {lines:N0} lines," : "")} is at {store.Where(RunId)}");
        _finalInfo = start is null
            ? RunInfo.PlaceUnknown(RunId, state, lines, _unreadable)
            : start with { State = state, Tick = Math.Min(lastTick, start.Ticks), Events = RunInfo.EventsNotKnown, JournalLines = lines, Message = _unreadable };
        _state = state;
    }

    /// <summary>The tick of the journal's last whole line, or 0.</summary>
    private async Task<long> LastTickAsync(long lines, CancellationToken cancellationToken)
    {
        if (lines == 0)
        {
            return 0;
        }
        try
        {
            var last = await store.ReadAsync(RunId, lines - 1, 1, cancellationToken);
            return last.Count == 1 ? last[0].Tick : 0;
        }
        catch (Exception e) when (e is DataDamagedException or IOException)
        {
            return 0;
        }
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && _state is RunState.Running or RunState.Paused && _plan is not null)
        {
            // Its entities are going too: they are not called again.
            _message = SiloShutDown;
            await FinishAsync(RunState.Stopped, shuttingDown: true);
        }
    }

    /// <summary>Why a run from before has no outcome to answer from (unreadable, or never stored); null when it has one or is going.</summary>
    private string? _unreadable;

    /// <summary>Set while <see cref="StartAsync"/> works out the plan, off the activation's turn.</summary>
    private bool _starting;

    public async Task<RunInfo> StartAsync(ScenarioDefinition scenario, RunOptions options)
    {
        if (!EntityId.IsRunId(RunId))
        {
            DeactivateOnIdle();
            throw new InvalidRequestException(
                $"'{RunId}' is not a run id: letters, digits and dashes, at most {EntityId.MaxRunIdLength}, and not '{EntityId.LiveWorld}'");
        }
        if (_plan is not null || _finalInfo is not null || await store.ExistsAsync(RunId))
        {
            throw new InvalidRequestException($"run '{RunId}' has already been started");
        }
        // Working out the plan of a large scenario takes seconds (about 2 s for 100,000 nodes): on the thread pool, not
        // as one long turn of the activation. Nothing is kept until it is all there: a read of the run meanwhile
        // (GetInfoAsync interleaves) finds it not started, never half made.
        _starting = true;
        try
        {
            var (plan, calendar, metrics, problems) = await Task.Run(() =>
            {
                var plan = new RunPlan(scenario);
                var problems = HandInjectProblems(plan, options.HandInjects);
                return problems.Count > 0
                    ? (plan, null, null, problems)
                    : (plan, new RunCalendar(plan, options.HandInjects), new RunMetrics(plan), problems);
            });
            if (problems.Count > 0)
            {
                DeactivateOnIdle();
                throw new InvalidRequestException($"the scenario cannot take {(problems.Count == 1 ? "a hand inject" : $"{problems.Count} hand injects")} given: {string.Join("; ", problems)}");
            }
            await store.MarkStartedAsync(RunId, new RunInfo(RunId, scenario.Metadata.Name, scenario.Variant, RunState.Running, 0, plan.Ticks,
                scenario.Tick, 0, 0, options.Pace, null));
            (_plan, _calendar, _metrics) = (plan, calendar!, metrics!);
        }
        finally
        {
            _starting = false;
        }
        _handInjects.AddRange(options.HandInjects);
        _pace = options.Pace;
        _state = RunState.Running;
        _wallAtResume = clock.GetTimestamp();
        DelayDeactivation(UntilItEnds);
        _timer = this.RegisterGrainTimer(StepAsync, new GrainTimerCreationOptions(TimeSpan.Zero, TimeSpan.FromMilliseconds(5)) { KeepAlive = true });
        LogStarted(logger, RunId, scenario.Metadata.Name, scenario.Variant ?? "-", _plan.NodeIds.Length, _plan.Ticks);
        await TellRegistryAsync();
        return Info();
    }

    public Task<RunInfo> GetInfoAsync() => Task.FromResult(Info());

    public Task<RunInfo> PauseAsync()
    {
        RequireNotOver("paused");
        if (_state == RunState.Running)
        {
            _virtualSecondsAtResume = VirtualSeconds();
            _state = RunState.Paused;
        }
        return Task.FromResult(Info());
    }

    public Task<RunInfo> ResumeAsync()
    {
        RequireNotOver("resumed");
        if (_state == RunState.Paused)
        {
            _wallAtResume = clock.GetTimestamp();
            _state = RunState.Running;
        }
        return Task.FromResult(Info());
    }

    public async Task<RunInfo> StopAsync()
    {
        RequireStarted();
        if (_state is RunState.Running or RunState.Paused)
        {
            // A paced run stops where its virtual time stands: time is frozen there and the ticks
            // it has passed are processed first (under load the timer may not have caught up).
            if (_state == RunState.Running)
            {
                _virtualSecondsAtResume = VirtualSeconds();
                _state = RunState.Paused;
            }
            var end = CurrentTick();
            try
            {
                while (_calendar!.Next is { } tick && tick < end)
                {
                    await ProcessTickAsync(tick);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                await EndAfterErrorAsync(e);
                return Info();
            }
            await FinishAsync(RunState.Stopped);
        }
        return Info();
    }

    public Task<long> InjectAsync(InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters, TimeSpan after)
    {
        CheckInject(kind, target, parameters);
        return Inject(kind, target, parameters, CurrentTick() + WholeTicks(after, "+"));
    }

    public Task<long> InjectAtAsync(InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters, TimeSpan at)
    {
        CheckInject(kind, target, parameters);
        var tick = WholeTicks(at, "");
        var now = CurrentTick();
        if (tick < now)
        {
            throw new InvalidRequestException(
                $"virtual time {Duration.Format(at)} has passed: run '{RunId}' is at {Duration.Format(_plan!.Scenario.Tick * now)}");
        }
        return Inject(kind, target, parameters, tick);
    }

    /// <summary>A time as ticks; it must be a whole number of them, as in a scenario file.</summary>
    private long WholeTicks(TimeSpan time, string sign)
    {
        var tick = _plan!.Scenario.Tick;
        if (time < TimeSpan.Zero || time.Ticks % tick.Ticks != 0)
        {
            throw new InvalidRequestException($"{sign}{Duration.Format(time)} is not a whole number of ticks ({Duration.Format(tick)})");
        }
        return time.Ticks / tick.Ticks;
    }

    private void CheckInject(InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters)
    {
        RequireStarted();
        if (_state is not (RunState.Running or RunState.Paused))
        {
            throw new InvalidRequestException($"run '{RunId}' has {WireNames.Of(_state)}; it takes no more injects");
        }
        if (InjectProblem(_plan!, kind, target, parameters, $"run '{RunId}'") is { } problem)
        {
            throw new InvalidRequestException(problem);
        }
    }

    /// <summary>
    /// What is wrong with an inject for <paramref name="plan"/>'s scenario (target, kind, parameters), or null;
    /// <paramref name="where"/> names what lacks a target (the run, or its scenario when the run is not started yet).
    /// </summary>
    private static string? InjectProblem(RunPlan plan, InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters, string where)
    {
        if (plan.NodesIn(target).IsEmpty && !plan.IsDomain(target))
        {
            return $"unknown target '{Echo.Of(target)}' in {where}";
        }
        if (InjectRules.TargetsDomain(kind) && !plan.IsDomain(target))
        {
            return $"{WireNames.Of(kind)} targets a domain, not '{Echo.Of(target)}'";
        }
        var problems = InjectRules.Problems(kind, parameters, plan.Scenario.Tick);
        return problems.Count > 0 ? string.Join("; ", problems) : null;
    }

    /// <summary>
    /// The hand injects a run is started with (a replay's) that its scenario cannot take: a target it does not have, a
    /// time at or after its end. Nothing of them may be dropped quietly: the run would not be the one replayed.
    /// </summary>
    private static List<string> HandInjectProblems(RunPlan plan, ImmutableArray<HandInject> injects)
    {
        var problems = new List<string>();
        for (var i = 0; i < injects.Length; i++)
        {
            var inject = injects[i];
            // A tick far out of range is named as such: its time would overflow.
            var when = inject.Tick >= 0 && inject.Tick <= Duration.Max.Ticks / plan.Scenario.Tick.Ticks
                ? Duration.Format(plan.Scenario.Tick * inject.Tick)
                : $"tick {inject.Tick}";
            var what = $"hand inject {i + 1} ({WireNames.Of(inject.Kind)} on '{Echo.Of(inject.Target)}' at {when})";
            if (inject.Tick < 0 || inject.Tick >= plan.Ticks)
            {
                problems.Add($"{what}: not before the end of the exercise ({Duration.Format(plan.Scenario.Duration)})");
            }
            else if (InjectProblem(plan, inject.Kind, inject.Target, inject.Parameters, $"scenario '{plan.Scenario.Metadata.Name}'") is { } problem)
            {
                problems.Add($"{what}: {problem}");
            }
        }
        return problems;
    }

    private Task<long> Inject(InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters, long tick)
    {
        if (tick >= _plan!.Ticks)
        {
            throw new InvalidRequestException(
                $"virtual time {Duration.Format(_plan.Scenario.Tick * tick)} is not before the end of the exercise ({Duration.Format(_plan.Scenario.Duration)})");
        }
        var inject = new HandInject(tick, kind, target, parameters);
        _calendar!.Add(inject);
        _handInjects.Add(inject);
        return Task.FromResult(tick);
    }

    public Task<RunReport> GetReportAsync()
    {
        RequireStarted();
        if (_unreadable is not null)
        {
            throw new DataDamagedException($"run '{RunId}' has no report: {_unreadable}");
        }
        if (_final is not null)
        {
            return Task.FromResult(_final);
        }
        ObserveCompleted();
        return Task.FromResult(_metrics!.Report(_calendar!.Processed + 1, _calendar.Events));
    }

    public async Task<ImmutableArray<JournalEntry>> GetJournalAsync(long from, int count)
    {
        RequireStarted();
        await SaveAsync();
        from = Math.Max(0, from);
        if (_unreadable is not null)
        {
            // What it wrote is not known: the journal as stored, unchecked.
            return [.. await store.ReadAsync(RunId, from, count)];
        }
        var recorded = RecordedLines;
        var wanted = (int)Math.Clamp(recorded - from, 0, Math.Max(0, count));
        if (wanted == 0)
        {
            return [];
        }
        var page = await store.ReadAsync(RunId, from, wanted);
        if (page.Count < wanted)
        {
            // Counted as --hash counts it (whole lines), so that both say the same of one file.
            var stored = await store.DigestAsync(RunId);
            throw new DataDamagedException(string.Create(CultureInfo.InvariantCulture,
                $"the journal of run '{RunId}' ({store.Where(RunId)}) has {stored.Lines:N0} whole line{(stored.Lines == 1 ? "" : "s")}, but the run wrote {recorded:N0}: it was cut short or removed"));
        }
        return [.. page];
    }

    public async Task<JournalDigest> GetJournalDigestAsync()
    {
        RequireStarted();
        if (_unreadable is not null)
        {
            // Nothing the run recorded to check the journal against: said so, with the journal as it is stored.
            var asStored = await store.DigestAsync(RunId);
            throw new DataDamagedException(string.Create(CultureInfo.InvariantCulture,
                $"run '{RunId}' recorded no hash of its journal to check it against: {_unreadable}; as stored it has {asStored.Lines:N0} lines, {asStored.Hash}"));
        }
        var report = await GetReportAsync();
        await SaveAsync();
        var stored = await store.DigestAsync(RunId);
        if (stored.Lines != report.JournalLines || stored.Hash != report.JournalHash)
        {
            throw new DataDamagedException(string.Create(CultureInfo.InvariantCulture,
                $"the journal of run '{RunId}' ({store.Where(RunId)}) is not the one the run wrote: it has {stored.Lines:N0} lines ({stored.Hash}), the run wrote {report.JournalLines:N0} ({report.JournalHash})"));
        }
        return stored;
    }

    /// <summary>The journal lines the run has written (all saved once <see cref="SaveAsync"/> has run).</summary>
    private long RecordedLines => _finalInfo?.JournalLines ?? _lines;

    public Task<ImmutableArray<HandInject>> GetHandInjectsAsync() => Task.FromResult(_handInjects.ToImmutableArray());

    /// <summary>Pausing or resuming a run that is over is a mistake to report, not a silent no-op.</summary>
    private void RequireNotOver(string what)
    {
        RequireStarted();
        if (_state is not (RunState.Running or RunState.Paused))
        {
            throw new InvalidRequestException($"run '{RunId}' has {WireNames.Of(_state)}; it cannot be {what}");
        }
    }

    private void RequireStarted()
    {
        if (_plan is null && _finalInfo is null)
        {
            // An activation made by asking for a run that does not exist goes; one whose start is under way stays.
            if (!_starting)
            {
                DeactivateOnIdle();
            }
            throw new UnknownScopeException("", "run", RunId);
        }
    }

    /// <summary>
    /// Where virtual time stands: the tick after the last processed one, or for a paced run further
    /// on, as it passes idle ticks as real time goes by even though no entity is called for them.
    /// It is also the first tick a hand inject can still fire at.
    /// </summary>
    private long CurrentTick()
    {
        var now = _calendar!.Processed + 1;
        return _pace > 0 ? Math.Min(_plan!.Ticks, Math.Max(now, (long)(VirtualSeconds() / _plan.Scenario.Tick.TotalSeconds))) : now;
    }

    private double VirtualSeconds() => _state == RunState.Running
        ? _virtualSecondsAtResume + clock.GetElapsedTime(_wallAtResume).TotalSeconds * _pace
        : _virtualSecondsAtResume;

    private async Task StepAsync(CancellationToken cancellationToken)
    {
        // Once the silo is shutting down its entities cannot be activated: the run ends as stopped when it is deactivated.
        if (ShuttingDown)
        {
            return;
        }
        if (_state != RunState.Running)
        {
            // A paused run's journal is on disk in full.
            if (_state == RunState.Paused && _unsaved.Count > 0)
            {
                await SaveAsync();
            }
            return;
        }
        try
        {
            var started = Stopwatch.GetTimestamp();
            var limit = _pace > 0 ? (long)Math.Floor(VirtualSeconds() / _plan!.Scenario.Tick.TotalSeconds) : long.MaxValue;
            while (_state == RunState.Running && _calendar!.Next is { } tick && tick <= limit
                && Stopwatch.GetElapsedTime(started) < TurnBudget)
            {
                await ProcessTickAsync(tick);
            }
            if (_calendar!.Next is null && _state == RunState.Running
                && (_pace == 0 || VirtualSeconds() >= _plan!.Scenario.Duration.TotalSeconds))
            {
                await FinishAsync(RunState.Completed);
            }
            else if (_unsaved.Count > 10_000 || _unsaved.Count > 0 && clock.GetElapsedTime(_savedAt) >= SaveInterval)
            {
                // Written at least every SaveInterval: a silo that is killed loses at most that much of a running journal.
                await SaveAsync();
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await EndAfterErrorAsync(e);
        }
    }

    /// <summary>Ends the run after a tick failed: stopped where it stood when its silo is shutting down, failed otherwise.</summary>
    private async Task EndAfterErrorAsync(Exception e)
    {
        if (ShuttingDown)
        {
            // The tick that met the shutdown is not in the journal: the run stands at the last one completed.
            _message = SiloShutDown;
            await FinishAsync(RunState.Stopped, shuttingDown: true);
            return;
        }
        _message = e.Message;
        LogFailed(logger, e, RunId);
        await FinishAsync(RunState.Failed);
    }

    private bool ShuttingDown => silo.CurrentStatus is not (SiloStatus.Active or SiloStatus.Joining or SiloStatus.Created);

    private async Task ProcessTickAsync(long tick)
    {
        var (journal, byTarget) = _calendar!.Begin(tick);
        // A tick's calls go out in windows of CallWindow and the controller resumes once per
        // window, when all its calls have answered: a continuation per answer would make each
        // answer a turn of this one grain. The window bounds the calls in flight.
        var results = new TickResult[byTarget.Count];
        for (var start = 0; start < byTarget.Count; start += CallWindow)
        {
            var calls = new Task<TickResult>[Math.Min(CallWindow, byTarget.Count - start)];
            for (var i = 0; i < calls.Length; i++)
            {
                var (target, events) = byTarget[start + i];
                calls[i] = CallAsync(tick, target, [.. events]);
            }
            if (start == 0)
            {
                // The previous tick's metrics (hashing and reading its journal lines) are off the
                // calendar's path: they are taken while this tick's first calls are out.
                ObserveCompleted();
            }
            (await Task.WhenAll(calls)).CopyTo(results, start);
        }
        // A tick with no calls (only broadcasts, say) has not taken the previous tick's lines yet.
        ObserveCompleted();
        var lines = _calendar.Complete(tick, journal, results);
        _unobserved = (tick, lines);
        _lines += lines.Count;
        _unsaved.AddRange(lines);
    }

    /// <summary>Feeds the metrics the last completed tick's journal lines, if they have not had them.</summary>
    private void ObserveCompleted()
    {
        if (_unobserved is { } pending)
        {
            _unobserved = null;
            _metrics!.Observe(pending.Tick, pending.Lines);
        }
    }

    private Task<TickResult> CallAsync(long tick, string target, SimEvent[] events)
    {
        if (_entities.TryGetValue(target, out var entity))
        {
            return entity.ApplyAsync(tick, ImmutableCollectionsMarshal.AsImmutableArray(events), null);
        }
        // The first call activates the entity and carries its setup.
        var key = EntityId.Key(RunId, target);
        (entity, object setup) = RunCalendar.Level(target) switch
        {
            2 => ((IRunEntityGrain)GrainFactory.GetGrain<IRunNodeGrain>(key), (object)_plan!.NodeSetupFor(target)),
            1 => (GrainFactory.GetGrain<IRunSegmentGrain>(key), _plan!.SegmentSetupFor(target)),
            _ => (GrainFactory.GetGrain<IRunDomainGrain>(key), _plan!.DomainSetupFor(target)),
        };
        _entities[target] = entity;
        return entity.ApplyAsync(tick, ImmutableCollectionsMarshal.AsImmutableArray(events), setup);
    }

    private async Task FinishAsync(RunState state, bool shuttingDown = false)
    {
        // Where virtual time stood: a paced run has passed idle ticks as real time went by, with no entity called for them.
        var end = state == RunState.Completed ? _plan!.Ticks : CurrentTick();
        _stoppedAt = end;
        _state = state;
        _timer?.Dispose();
        _timer = null;
        ObserveCompleted();
        _final = _metrics!.Report(end, _calendar!.Events);
        await SaveAsync();
        LogFinished(logger, RunId, state, _calendar.Events, _lines, _final.JournalHash);
        if (!shuttingDown)
        {
            await ReleaseEntitiesAsync();
        }
        // What a finished run answers with; the plan, calendar and metrics (for 100k nodes, hundreds of MB) can go.
        _finalInfo = Info();
        (_plan, _calendar, _metrics) = (null, null, null);
        try
        {
            await store.SaveOutcomeAsync(RunId, new RunOutcome(_finalInfo, _final, [.. _handInjects]));
            await store.MarkEndedAsync(RunId);
            // Stored: back to the normal idle collection (a negative delay), and answered from the store after it.
            DelayDeactivation(TimeSpan.FromTicks(-1));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Then only this activation has the outcome: it stays, as long as a run would, rather than be collected.
            LogOutcomeNotSaved(logger, e, RunId);
        }
        if (!shuttingDown)
        {
            // A silo shutting down may take the list of runs with it; started again, the list reads the outcome stored above.
            await TellRegistryAsync();
        }
    }

    /// <summary>
    /// Tells the list of runs how the run stands (as it starts, and as it ends). Not needed for the run to go on: the
    /// list finds a run it was not told of in the store, and asks a run it holds as going how it stands.
    /// </summary>
    private async Task TellRegistryAsync()
    {
        try
        {
            await GrainFactory.GetGrain<IRunRegistryGrain>("runs").RecordAsync(Info());
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotRecorded(logger, e, RunId);
        }
    }

    /// <summary>Lets the run's entities be collected now that it has ended.</summary>
    private async Task ReleaseEntitiesAsync()
    {
        var entities = _entities.Values.ToList();
        _entities.Clear();
        try
        {
            foreach (var window in entities.Chunk(CallWindow))
            {
                await Task.WhenAll(window.Select(e => e.ReleaseAsync()));
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run's outcome stands; an entity not released is collected when its lifetime ends.
            LogReleaseFailed(logger, e, RunId);
        }
    }

    private async Task SaveAsync()
    {
        if (_unsaved.Count == 0)
        {
            return;
        }
        var lines = _unsaved.ToArray();
        _unsaved.Clear();
        _savedAt = clock.GetTimestamp();
        await store.AppendAsync(RunId, lines);
    }

    private RunInfo Info()
    {
        RequireStarted();
        if (_finalInfo is not null)
        {
            return _finalInfo;
        }
        var now = _state switch
        {
            RunState.Completed => _plan!.Ticks,
            RunState.Running or RunState.Paused => CurrentTick(),
            _ => _stoppedAt,
        };
        return new RunInfo(RunId, _plan!.Scenario.Metadata.Name, _plan.Scenario.Variant, _state, now,
            _plan.Ticks, _plan.Scenario.Tick, _calendar!.Events, _lines, _pace, _message);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: the list of runs was not told how it stands")]
    private static partial void LogNotRecorded(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: started '{Scenario}' (variant {Variant}), {Nodes} nodes, {Ticks} ticks")]
    private static partial void LogStarted(ILogger logger, string runId, string scenario, string variant, int nodes, long ticks);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId}: {State} after {Events} events, {Lines} journal lines, {Hash}")]
    private static partial void LogFinished(ILogger logger, string runId, RunState state, long events, long lines, string hash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId}: could not release all its entities; they stay active until their lifetime ends")]
    private static partial void LogReleaseFailed(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: its outcome could not be stored; this activation keeps it, and the journal is complete")]
    private static partial void LogOutcomeNotSaved(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId}: its stored outcome could not be read; the run answers as unknown")]
    private static partial void LogOutcomeUnreadable(ILogger logger, Exception exception, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Run {RunId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, string runId);
}
