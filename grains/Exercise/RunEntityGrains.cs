using System.Collections.Immutable;
using Bulwark.Grains.Simulation;

namespace Bulwark.Grains.Exercise;

/// <summary>A node of a run: holds its <see cref="NodeModel"/> and applies each tick's events through it.</summary>
[GrainType("bulwark.run-node")]
public sealed class RunNodeGrain : Grain, IRunNodeGrain
{
    private NodeModel? _model;

    public Task<TickResult> ApplyAsync(long tick, ImmutableArray<SimEvent> events, object? setup)
    {
        _model ??= new NodeModel(setup as NodeSetup ?? throw new InvalidOperationException($"{this.GetPrimaryKeyString()} has no setup"));
        return Task.FromResult(_model.Apply(tick, events));
    }
}

/// <summary>A segment of a run: schedules lateral movement through its <see cref="SegmentModel"/>.</summary>
[GrainType("bulwark.run-segment")]
public sealed class RunSegmentGrain : Grain, IRunSegmentGrain
{
    private SegmentModel? _model;

    public Task<TickResult> ApplyAsync(long tick, ImmutableArray<SimEvent> events, object? setup)
    {
        _model ??= new SegmentModel(setup as SegmentSetup ?? throw new InvalidOperationException($"{this.GetPrimaryKeyString()} has no setup"));
        return Task.FromResult(_model.Apply(tick, events));
    }
}

/// <summary>A domain of a run: indicators, alert level and sharing through its <see cref="DomainModel"/>.</summary>
[GrainType("bulwark.run-domain")]
public sealed class RunDomainGrain : Grain, IRunDomainGrain
{
    private DomainModel? _model;

    public Task<TickResult> ApplyAsync(long tick, ImmutableArray<SimEvent> events, object? setup)
    {
        _model ??= new DomainModel(setup as DomainSetup ?? throw new InvalidOperationException($"{this.GetPrimaryKeyString()} has no setup"));
        return Task.FromResult(_model.Apply(tick, events));
    }
}

/// <summary>The runs started on this cluster, oldest first.</summary>
[GrainType("bulwark.runs")]
public sealed class RunRegistryGrain(
    [PersistentState("runs", BulwarkStorage.Name)] IPersistentState<List<string>> state) : Grain, IRunRegistryGrain
{
    public async Task AddAsync(string runId)
    {
        if (!state.State.Contains(runId))
        {
            state.State.Add(runId);
            await state.WriteStateAsync();
        }
    }

    public Task<ImmutableArray<string>> ListAsync() => Task.FromResult(state.State.ToImmutableArray());
}
