using System.Collections.Immutable;
using Bulwark.Grains.Simulation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Bulwark.Grains.Live;

/// <summary>
/// One node of a world. Applies observations, keeps its history, pushes each change of its
/// effective status to its segment (which pushes to its domain and the alliance), and tells its
/// dependants when it stops or starts being operational.
/// </summary>
/// <remarks>
/// Dependants are told with one-way calls so that dependency cycles (power needs telecom, telecom
/// needs power) cannot deadlock; each notice carries a version so that reordered notices settle
/// on the newest.
/// </remarks>
[GrainType("bulwark.node")]
public sealed partial class NodeGrain(
    [PersistentState("node", BulwarkStorage.Name)] IPersistentState<NodeState> state,
    IOptions<LiveOptions> options,
    TimeProvider clock,
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    /// <summary>How many history entries a node keeps.</summary>
    public const int HistoryLength = 100;

    private string _world = "";
    private string _id = "";
    private IGrainTimer? _saveTimer;
    private bool _savePending;
    private INodeGrain[]? _dependantGrains;

    /// <summary>The history source of a change a dependency caused, by dependency: made once, not per notice.</summary>
    private readonly Dictionary<string, string> _dependencySources = new(StringComparer.Ordinal);
    private ISegmentGrain? _segment;
    private long _notifiedVersion;
    private long _preparedSequence;

    /// <summary>
    /// Between the first step of a topology load and the settling one: changes are applied and
    /// kept, but neither pushed nor told, since the node does not know its failed dependencies yet;
    /// the load's last step sends them from the settled state.
    /// </summary>
    private bool _loading;

    /// <summary>
    /// The node asked the world for a cycle check that has not looked at it yet. Cleared when the world
    /// looks at it (<see cref="IsHeldDownAsync"/>, <see cref="GetDependencyStateAsync"/>), when a load
    /// initialises it and when it is operational: a recovery of a dependency or of its own report after
    /// that asks again, since the check may have found it rightly down. A request the world never
    /// looked at (lost, or the world's grain was moved) expires after <see cref="AskAgainAfter"/>.
    /// </summary>
    private bool _cycleCheckAsked;

    /// <summary>When the node last asked (<see cref="TimeProvider"/> timestamp).</summary>
    private long _cycleCheckAskedAt;

    /// <summary>
    /// Longer than a check waits for requests to stop (at most five delays) unless the last
    /// recovery took long; a request asked again while one is pending is only a duplicate.
    /// </summary>
    private TimeSpan AskAgainAfter => 10 * options.Value.CycleRecoveryDelay;

    /// <summary>A recovery came while loading: whether to ask is decided once the load has settled the node.</summary>
    private bool _askAfterSettling;

    /// <summary>The node was in the topology before this load and not reset: a change the load makes goes in its history.</summary>
    private bool _keptByLoad;
    private NodeStatus _effectiveBeforeLoad;
    private bool _recordedDuringLoad;

    private NodeState S => state.State;

    /// <summary>Flips of operational state on dependencies' notices alone since the node's own last report, settling or request.</summary>
    private int _noticeFlips;

    /// <summary>
    /// That many flips on notices alone, on a cycle, and the node asks the world to settle itself whole
    /// (<see cref="IWorldGrain.SettleCyclesAsync"/>): a down and up shorter than a notice's way round the
    /// cycle goes round it for ever otherwise. A dependency outside that really flaps this often asks too,
    /// at a settling per this many flips.
    /// </summary>
    internal const int NoticeFlipsBeforeSettling = 64;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_world, _id) = EntityId.SplitKey(this.GetPrimaryKeyString());
        _notifiedVersion = S.OperationalVersion;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_savePending)
        {
            CancelSave();
            await state.WriteStateAsync(cancellationToken);
        }
    }

    /// <summary>
    /// Persists the state now (write-through) or within <see cref="LiveOptions.PersistInterval"/>:
    /// under ingest, writing the node's state on every update took most of the silo's time.
    /// </summary>
    private Task PersistAsync()
    {
        var interval = options.Value.PersistInterval;
        if (interval <= TimeSpan.Zero)
        {
            return state.WriteStateAsync();
        }
        ArmSave(interval);
        return Task.CompletedTask;
    }

    /// <summary>Arms the activation's one save timer for a single tick, unless a save is already pending.</summary>
    private void ArmSave(TimeSpan interval)
    {
        if (_savePending)
        {
            return;
        }
        _savePending = true;
        _saveTimer ??= this.RegisterGrainTimer(SaveAsync, new GrainTimerCreationOptions(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan));
        _saveTimer.Change(interval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Writes the pending state. The write is not cancelled with the timer: a started write
    /// finishes. A failed write is logged and tried again after another interval.
    /// </summary>
    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        CancelSave();
        try
        {
            await state.WriteStateAsync(CancellationToken.None);
        }
        catch (Orleans.Storage.InconsistentStateException e)
        {
            // Another activation wrote the node's state since this one read it: writing again cannot succeed.
            LogSaveConflict(logger, e, _world, _id);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogSaveFailed(logger, e, _world, _id);
            ArmSave(options.Value.PersistInterval);
        }
    }

    private void CancelSave()
    {
        _savePending = false;
        _saveTimer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public Task<NodeBrief> InitializeAsync(long generation, NodeDefinition definition, ImmutableArray<string> dependants, bool reset, bool inCycle)
    {
        CancelSave();
        _dependantGrains = null;
        _keptByLoad = !reset && S.Definition is not null;
        // As the node's history and watchers last saw it: the new definition may change it (a dependency dropped).
        _effectiveBeforeLoad = _keptByLoad ? Effective() : NodeStatus.Healthy;
        _recordedDuringLoad = false;
        if (!_keptByLoad)
        {
            state.State = new NodeState { Reported = NodeStatus.Healthy };
        }
        // Kept: reported status, last observation, history, and the counters that order this node's briefs and notices.
        S.Generation = generation;
        S.Definition = definition;
        S.Dependants = dependants;
        S.InCycle = inCycle;
        _cycleCheckAsked = false;
        _noticeFlips = 0;
        // The failed dependencies stay until the settling step replaces them, so that the node reads as before
        // meanwhile; notices that arrive during the load are recorded from here on and win over the world's answer.
        S.DependencyVersions.Clear();
        _notifiedVersion = S.OperationalVersion;
        _preparedSequence = S.Sequence;
        _loading = true;
        // Not written here: the settling step writes the node's state, and until then storage holds the previous
        // generation's, which is what the world has too.
        // What the node reports, as if every dependency held: the world works out the cascades from that.
        return Task.FromResult(new NodeBrief(_id, S.Reported, NodeRules.IsOperational(S.Reported, dependenciesSatisfied: true), definition.Criticality, S.Sequence));
    }

    public async Task<bool> SettleAsync(long generation, ImmutableArray<string> failedDependencies, NodeBrief assumed, string source, DateTimeOffset time)
    {
        if (S.Definition is null || generation != S.Generation)
        {
            return false;
        }
        // Changed since the first step (an observation or a notice): what it pushed meanwhile may have reached its segment.
        var changedDuringLoad = S.Sequence != _preparedSequence;
        var before = Effective();
        var wasOperational = Operational();
        // A notice that arrived during the load is newer than what the world worked out; the rest is the world's answer.
        S.FailedDependencies.RemoveWhere(d => !S.DependencyVersions.ContainsKey(d));
        foreach (var dependency in failedDependencies)
        {
            if (!S.DependencyVersions.ContainsKey(dependency))
            {
                S.FailedDependencies.Add(dependency);
            }
        }
        Settle(before, wasOperational);
        // Against the state before the load, or, when a change came during the load (which is in the history already),
        // as settling began.
        var from = changedDuringLoad ? before : _effectiveBeforeLoad;
        if (_keptByLoad && from != Effective())
        {
            Record(new HistoryEntry(time, from, Effective(), S.Reported, null, source, Stale: false, Operational()));
        }
        // The world worked out the dependants from the assumed brief; a node that differs tells them in the last step.
        _notifiedVersion = S.OperationalVersion;
        _loading = false;
        var current = Brief();
        var differs = changedDuringLoad || current.Status != assumed.Status || current.Operational != assumed.Operational;
        S.Sequence = Math.Max(S.Sequence, assumed.Sequence) + (differs ? 1 : 0);
        if (_askAfterSettling)
        {
            _askAfterSettling = false;
            AskForCycleCheck();
        }
        // Written now, not behind (a save pending from an observation during the load is this write): the world records
        // the new generation as soon as every node has settled, and a node read back from storage in an older generation
        // would ignore every notice and push of the new one.
        CancelSave();
        await state.WriteStateAsync();
        return differs;
    }

    public async Task ResumeAsync(long generation, NodeBrief assumed, string source, DateTimeOffset time)
    {
        if (S.Definition is null || generation != S.Generation)
        {
            return;
        }
        // Newer than anything the dependants heard from this node, and carrying its current state; kept, so that a
        // later activation does not send the same version again.
        S.OperationalVersion++;
        await PersistAsync();
        NotifyDependants(assumed.Status, time);
        await PushAsync(time, null, source);
    }

    public async Task RetireAsync(long generation)
    {
        if (S.Definition is null || S.Generation > generation)
        {
            return;
        }
        CancelSave();
        await state.ClearStateAsync();
        state.State = new NodeState();
        DeactivateOnIdle();
    }

    public async ValueTask<IngestResult> ObserveAsync(ImmutableArray<Observation> observations)
    {
        var outcome = await ApplyAsync(observations.IsDefaultOrEmpty ? ObservationBatch.Empty : ObservationBatch.From(observations), checkTimes: true);
        if (outcome.Change is not null)
        {
            NotifyDependants(outcome.From, outcome.Time);
            await PushAsync(outcome.Time, outcome.Technique, outcome.Source);
        }
        return outcome.Result;
    }

    public async ValueTask<NodeOutcome> ObserveForSegmentAsync(ObservationBatch batch)
    {
        var outcome = await ApplyAsync(batch, checkTimes: false);
        if (_loading)
        {
            return outcome with { Change = null };
        }
        if (outcome.Change is not null)
        {
            NotifyDependants(outcome.From, outcome.Time);
        }
        return outcome;
    }

    /// <summary>
    /// Applies observations in time order, persists, and says what changed. With
    /// <paramref name="checkTimes"/>, refuses times too far ahead of the clock first (a segment has
    /// checked the parts it sends).
    /// </summary>
    private async ValueTask<NodeOutcome> ApplyAsync(ObservationBatch batch, bool checkTimes)
    {
        ObservationRules.ThrowIfInvalid(batch);
        if (checkTimes)
        {
            ObservationClock.ThrowIfAhead(batch, clock.GetUtcNow(), options.Value.FutureTolerance);
        }
        if (batch.Count == 0)
        {
            return new NodeOutcome(IngestResult.Empty, null, Effective(), default, null, null);
        }
        foreach (var node in batch.Nodes)
        {
            if (!string.Equals(node, _id, StringComparison.Ordinal))
            {
                throw new InvalidRequestException($"observation of '{Echo.Of(node)}' sent to node '{_id}'");
            }
        }
        if (S.Definition is null)
        {
            throw await NotANodeAsync();
        }

        var before = Effective();
        var wasOperational = Operational();
        var reportedBefore = S.Reported;
        // Observations change the reported status only; the dependencies stay as they are through the loop.
        var satisfied = Satisfied();
        int applied = 0, stale = 0;
        // Each of the batch's few labels is looked up in the pool once, not once per observation.
        var labels = new string?[batch.Labels.Length];
        string? Label(int index) => index == ObservationItem.None ? null : labels[index] ??= LabelPool.Intern(batch.Labels[index]);
        foreach (var observation in InTimeOrder(batch.Items))
        {
            var from = NodeRules.Effective(S.Reported, satisfied);
            var technique = Label(observation.Technique);
            var source = Label(observation.Source);
            if (S.LastObserved is { } last && observation.Time < last)
            {
                stale++;
                Record(new HistoryEntry(observation.Time, from, from, observation.Status, technique, source, Stale: true));
                continue;
            }
            applied++;
            _noticeFlips = 0;
            S.Reported = observation.Status;
            S.LastObserved = observation.Time;
            Record(new HistoryEntry(observation.Time, from, NodeRules.Effective(S.Reported, satisfied), observation.Status, technique, source, Stale: false,
                NodeRules.IsOperational(S.Reported, satisfied)));
        }

        var changed = Settle(before, wasOperational);
        if (!NodeRules.IsOperational(reportedBefore, dependenciesSatisfied: true))
        {
            AskForCycleCheck();
        }
        await PersistAsync();
        var latest = batch.Items[0];
        foreach (var observation in batch.Items)
        {
            if (observation.Time > latest.Time)
            {
                latest = observation;
            }
        }
        return new NodeOutcome(new IngestResult(batch.Count, applied, stale, changed ? 1 : 0),
            changed ? Brief() : null, before, latest.Time, batch.Label(latest.Technique), batch.Label(latest.Source));
    }

    /// <summary>The observations in time order, stable for equal times; reporters mostly send them in order already.</summary>
    private static ImmutableArray<ObservationItem> InTimeOrder(ImmutableArray<ObservationItem> items)
    {
        for (var i = 1; i < items.Length; i++)
        {
            if (items[i].Time < items[i - 1].Time)
            {
                return [.. items.OrderBy(o => o.Time)];
            }
        }
        return items;
    }

    public async Task DependencyChangedAsync(long generation, string dependency, bool operational, long version, DateTimeOffset time)
    {
        if (S.Definition is null || generation != S.Generation)
        {
            return;
        }
        if (S.DependencyVersions.TryGetValue(dependency, out var seen) && seen >= version)
        {
            return;
        }
        S.DependencyVersions[dependency] = version;

        var before = Effective();
        var wasOperational = Operational();
        if (operational)
        {
            S.FailedDependencies.Remove(dependency);
        }
        else
        {
            S.FailedDependencies.Add(dependency);
        }
        var source = DependencySource(dependency);
        var changed = Settle(before, wasOperational);
        if (operational)
        {
            AskForCycleCheck();
        }
        if (S.InCycle && Operational() != wasOperational && ++_noticeFlips >= NoticeFlipsBeforeSettling)
        {
            _noticeFlips = 0;
            _ = GrainFactory.GetGrain<IWorldGrain>(_world).SettleCyclesAsync(S.Generation, _id);
        }
        if (changed)
        {
            Record(new HistoryEntry(time, before, Effective(), S.Reported, null, source, Stale: false, Operational()));
        }
        await PersistAsync();
        if (changed)
        {
            NotifyDependants(before, time);
            await PushAsync(time, null, source);
        }
    }

    public async ValueTask<NodeView> GetViewAsync()
    {
        var definition = S.Definition ?? throw await NotANodeAsync();
        return new NodeView(definition, S.Reported, Effective(), Operational(),
            [.. S.FailedDependencies], S.LastObserved, [.. S.History.Skip(Math.Max(0, S.History.Count - HistoryLength))]);
    }

    /// <summary>
    /// What to tell a caller of a node the topology does not have: that the world has no topology
    /// at all, when it has none, or else that it has no such node. The activation goes when idle.
    /// </summary>
    private async Task<Exception> NotANodeAsync()
    {
        DeactivateOnIdle();
        return await NotInTopology.ExceptionAsync(GrainFactory, _world, () => new UnknownNodesException(_world, [_id]));
    }

    public ValueTask<bool> IsHeldDownAsync()
    {
        // The world's check has looked at the node: a later recovery asks again.
        _cycleCheckAsked = false;
        return ValueTask.FromResult(S.Definition is not null && !Operational() && NodeRules.IsOperational(S.Reported, dependenciesSatisfied: true));
    }

    public ValueTask<DependencyState> GetDependencyStateAsync()
    {
        if (S.Definition is null)
        {
            throw new UnknownNodesException(_world, [_id]);
        }
        _cycleCheckAsked = false;
        return ValueTask.FromResult(new DependencyState(S.Generation, S.Reported, Operational(), S.OperationalVersion, [.. S.FailedDependencies]));
    }

    public async Task<bool> UnlatchAsync(long generation, ImmutableArray<DependencyClaim> operational, string source, DateTimeOffset time)
    {
        if (S.Definition is null || generation != S.Generation || _loading)
        {
            return false;
        }
        var before = Effective();
        var wasOperational = Operational();
        foreach (var claim in operational)
        {
            // A notice newer than the state the world read wins; the ones up to it are superseded by the world's answer.
            if (S.DependencyVersions.TryGetValue(claim.Node, out var seen) && seen > claim.Version)
            {
                continue;
            }
            S.DependencyVersions[claim.Node] = claim.Version;
            S.FailedDependencies.Remove(claim.Node);
        }
        var changed = Settle(before, wasOperational);
        if (changed)
        {
            Record(new HistoryEntry(time, before, Effective(), S.Reported, null, source, Stale: false, Operational()));
        }
        // Told again under a new version even when unchanged: the world may have told the dependants this node is
        // operational, and a report that came since the world read it must reach them.
        if (Operational() == wasOperational)
        {
            S.OperationalVersion++;
        }
        await PersistAsync();
        NotifyDependants(before, time);
        // Still held down (a newer notice won over the world's answer): it asks again.
        AskForCycleCheck();
        if (changed)
        {
            await PushAsync(time, null, source);
        }
        return changed;
    }

    private bool Satisfied() =>
        S.FailedDependencies.Count == 0
        || NodeRules.DependenciesSatisfied(S.Definition!.Dependencies, S.FailedDependencies);

    private NodeStatus Effective() => NodeRules.Effective(S.Reported, Satisfied());

    private bool Operational() => NodeRules.IsOperational(S.Reported, Satisfied());

    private void Record(HistoryEntry entry)
    {
        if (_loading && _keptByLoad && !_recordedDuringLoad && !entry.Stale)
        {
            // The first change during a load goes from the status the history last showed: the new definition may
            // already read otherwise (a dependency dropped), and the settling step records from here on.
            entry = entry with { From = _effectiveBeforeLoad };
            _recordedDuringLoad = true;
        }
        // Trimmed in steps of HistoryLength rather than by one entry per add; readers take the newest HistoryLength.
        S.History.Add(entry);
        if (S.History.Count >= 2 * HistoryLength)
        {
            S.History.RemoveRange(0, S.History.Count - HistoryLength);
        }
    }

    /// <summary>True when the effective status or operational state moved; a flip of the latter takes a new notice version.</summary>
    private bool Settle(NodeStatus before, bool wasOperational)
    {
        var operational = Operational();
        if (operational != wasOperational)
        {
            S.OperationalVersion++;
        }
        var changed = operational != wasOperational || Effective() != before;
        if (changed)
        {
            S.Sequence++;
        }
        return changed;
    }

    /// <summary>
    /// After a dependency or the node's own report recovered: a node on a cycle that is still held
    /// down by its dependencies alone may be held down by the cycle itself, which notices never
    /// lift; the world then works the cascades out again (<see cref="IWorldGrain.CheckCyclesAsync"/>).
    /// Once until the world has looked at the node (<see cref="_cycleCheckAsked"/>); during a load,
    /// once the node has settled.
    /// </summary>
    private void AskForCycleCheck()
    {
        if (Operational())
        {
            _cycleCheckAsked = false;
            return;
        }
        if (!S.InCycle || !NodeRules.IsOperational(S.Reported, dependenciesSatisfied: true)
            || (_cycleCheckAsked && clock.GetElapsedTime(_cycleCheckAskedAt) < AskAgainAfter))
        {
            return;
        }
        if (_loading)
        {
            // The world worked the load out from what the node reported when it began; decide once settled.
            _askAfterSettling = true;
            return;
        }
        _cycleCheckAsked = true;
        _cycleCheckAskedAt = clock.GetTimestamp();
        _ = GrainFactory.GetGrain<IWorldGrain>(_world).CheckCyclesAsync(S.Generation, _id);
    }

    private string DependencySource(string dependency)
    {
        if (!_dependencySources.TryGetValue(dependency, out var source))
        {
            _dependencySources[dependency] = source = "dependency:" + dependency;
        }
        return source;
    }

    private NodeBrief Brief() => new(_id, Effective(), Operational(), S.Definition!.Criticality, S.Sequence);

    /// <summary>Tells dependants when the node stopped or started being operational.</summary>
    private void NotifyDependants(NodeStatus before, DateTimeOffset time)
    {
        // The operational version moves only when operational state flips (see Settle). While loading, the load's last step tells.
        if (_loading || S.OperationalVersion == _notifiedVersion)
        {
            return;
        }
        _notifiedVersion = S.OperationalVersion;
        var operational = Operational();
        _dependantGrains ??= [.. S.Dependants.Select(d => GrainFactory.GetGrain<INodeGrain>(EntityId.Key(_world, d)))];
        foreach (var dependant in _dependantGrains)
        {
            _ = dependant.DependencyChangedAsync(S.Generation, _id, operational, S.OperationalVersion, time);
        }
        LogOperationalChanged(logger, _world, _id, operational, S.Dependants.Length);
    }

    /// <summary>Pushes the node's change to its segment, which sends it up the chain and publishes it on the posture stream.</summary>
    private async Task PushAsync(DateTimeOffset time, string? technique, string? source)
    {
        if (_loading)
        {
            // The load's last step pushes what changed meanwhile, from the settled state.
            return;
        }
        var segment = _segment ??= GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(_world, EntityId.SegmentOf(_id)));
        await segment.NodeChangedAsync(S.Generation, Brief(), time, technique, source);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{World}/{Node}: the node's state in storage was written elsewhere; this activation's changes are not saved")]
    private static partial void LogSaveConflict(ILogger logger, Exception exception, string world, string node);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{World}/{Node}: writing the node's state failed; trying again")]
    private static partial void LogSaveFailed(ILogger logger, Exception exception, string world, string node);

    [LoggerMessage(Level = LogLevel.Debug, Message = "{World}/{Node} operational={Operational}; telling {Dependants} dependants")]
    private static partial void LogOperationalChanged(ILogger logger, string world, string node, bool operational, int dependants);
}
