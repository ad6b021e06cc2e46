using System.Collections.Immutable;
using Bulwark.Grains.Simulation;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

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
    ILogger<NodeGrain> logger) : Grain, INodeGrain
{
    /// <summary>How many history entries a node keeps.</summary>
    public const int HistoryLength = 100;

    private string _world = "";
    private string _id = "";
    private IAsyncStream<PostureChange>? _stream;
    private IGrainTimer? _saveTimer;
    private long _notifiedVersion;

    private NodeState S => state.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_world, _id) = EntityId.SplitKey(this.GetPrimaryKeyString());
        _notifiedVersion = S.OperationalVersion;
        return Task.CompletedTask;
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        if (_saveTimer is not null)
        {
            await SaveAsync(cancellationToken);
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
        _saveTimer ??= this.RegisterGrainTimer(SaveAsync, new GrainTimerCreationOptions(interval, Timeout.InfiniteTimeSpan));
        return Task.CompletedTask;
    }

    private async Task SaveAsync(CancellationToken cancellationToken)
    {
        CancelSave();
        await state.WriteStateAsync(cancellationToken);
    }

    private void CancelSave()
    {
        _saveTimer?.Dispose();
        _saveTimer = null;
    }

    public async Task InitializeAsync(long generation, NodeDefinition definition, ImmutableArray<string> dependants)
    {
        CancelSave();
        _notifiedVersion = 0;
        state.State = new NodeState
        {
            Generation = generation,
            Definition = definition,
            Dependants = dependants,
            Reported = NodeStatus.Healthy,
        };
        await state.WriteStateAsync();
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
        var outcome = await ApplyAsync(observations);
        if (outcome.Change is not null)
        {
            NotifyDependants(outcome.From, outcome.Time);
            await PushAndPublishAsync(outcome.From, outcome.Time, outcome.Technique, outcome.Source);
        }
        return outcome.Result;
    }

    public async ValueTask<NodeOutcome> ObserveForSegmentAsync(ImmutableArray<Observation> observations)
    {
        var outcome = await ApplyAsync(observations);
        if (outcome.Change is not null)
        {
            NotifyDependants(outcome.From, outcome.Time);
        }
        return outcome;
    }

    /// <summary>Applies observations in time order, persists, and says what changed.</summary>
    private async ValueTask<NodeOutcome> ApplyAsync(ImmutableArray<Observation> observations)
    {
        if (observations.IsDefaultOrEmpty)
        {
            return new NodeOutcome(IngestResult.Empty, null, Effective(), default, null, null);
        }
        ObservationRules.ThrowIfInvalid(observations);
        if (observations.FirstOrDefault(o => o.Node != _id) is { } stray)
        {
            throw new InvalidRequestException($"observation of '{stray.Node}' sent to node '{_id}'");
        }
        if (S.Definition is null)
        {
            DeactivateOnIdle();
            throw new UnknownNodesException(_world, [_id]);
        }

        var before = Effective();
        var wasOperational = Operational();
        int applied = 0, stale = 0;
        foreach (var observation in observations.OrderBy(o => o.Time))
        {
            var from = Effective();
            if (S.LastObserved is { } last && observation.Time < last)
            {
                stale++;
                Record(new HistoryEntry(observation.Time, from, from, observation.Status,
                    observation.Technique, observation.Source, Stale: true));
                continue;
            }
            applied++;
            S.Reported = observation.Status;
            S.LastObserved = observation.Time;
            Record(new HistoryEntry(observation.Time, from, Effective(), observation.Status,
                observation.Technique, observation.Source, Stale: false));
        }

        var changed = Settle(before, wasOperational);
        await PersistAsync();
        var latest = observations.MaxBy(o => o.Time)!;
        return new NodeOutcome(new IngestResult(observations.Length, applied, stale, changed ? 1 : 0),
            changed ? Brief() : null, before, latest.Time, latest.Technique, latest.Source);
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
        var source = "dependency:" + dependency;
        var changed = Settle(before, wasOperational);
        if (changed)
        {
            Record(new HistoryEntry(time, before, Effective(), S.Reported, null, source, Stale: false));
        }
        await PersistAsync();
        if (changed)
        {
            NotifyDependants(before, time);
            await PushAndPublishAsync(before, time, null, source);
        }
    }

    public ValueTask<NodeView> GetViewAsync()
    {
        var definition = S.Definition ?? throw new UnknownNodesException(_world, [_id]);
        return ValueTask.FromResult(new NodeView(definition, S.Reported, Effective(), Operational(),
            [.. S.FailedDependencies], S.LastObserved, [.. S.History]));
    }

    private bool Satisfied() =>
        S.FailedDependencies.Count == 0
        || NodeRules.DependenciesSatisfied(S.Definition!.Dependencies, S.FailedDependencies.Contains);

    private NodeStatus Effective() => NodeRules.Effective(S.Reported, Satisfied());

    private bool Operational() => NodeRules.IsOperational(S.Reported, Satisfied());

    private void Record(HistoryEntry entry)
    {
        S.History.Add(entry);
        if (S.History.Count > HistoryLength)
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

    private NodeBrief Brief() => new(_id, Effective(), Operational(), S.Definition!.Criticality, S.Sequence);

    /// <summary>Tells dependants when the node stopped or started being operational.</summary>
    private void NotifyDependants(NodeStatus before, DateTimeOffset time)
    {
        // The operational version moves only when operational state flips (see Settle).
        if (S.OperationalVersion == _notifiedVersion)
        {
            return;
        }
        _notifiedVersion = S.OperationalVersion;
        var operational = Operational();
        foreach (var dependant in S.Dependants)
        {
            _ = GrainFactory.GetGrain<INodeGrain>(EntityId.Key(_world, dependant))
                .DependencyChangedAsync(S.Generation, _id, operational, S.OperationalVersion, time);
        }
        LogOperationalChanged(logger, _world, _id, operational, S.Dependants.Length);
    }

    /// <summary>Pushes the node's change to its segment (which pushes up the chain) and onto the posture stream.</summary>
    private async Task PushAndPublishAsync(NodeStatus before, DateTimeOffset time, string? technique, string? source)
    {
        var brief = Brief();
        var segment = GrainFactory.GetGrain<ISegmentGrain>(EntityId.Key(_world, EntityId.SegmentOf(_id)));
        var chain = await segment.NodeChangedAsync(S.Generation, brief);
        // NaN comes back when the aggregates belong to another generation (a topology reload raced this change).
        if (brief.Status != before && !double.IsNaN(chain.Domain) && !double.IsNaN(chain.Alliance))
        {
            _stream ??= this.GetStreamProvider(BulwarkStreams.Provider)
                .GetStream<PostureChange>(StreamId.Create(BulwarkStreams.PostureNamespace, _world));
            await _stream.OnNextAsync(new PostureChange(_world, _id, before, brief.Status, time, technique, source,
                chain.Segment, chain.Domain, chain.Alliance));
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{World}/{Node} operational={Operational}; telling {Dependants} dependants")]
    private static partial void LogOperationalChanged(ILogger logger, string world, string node, bool operational, int dependants);
}
