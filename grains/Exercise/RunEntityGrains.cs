using System.Collections.Immutable;
using Bulwark.Grains.Simulation;
using Orleans.Placement;

namespace Bulwark.Grains.Exercise;

/// <summary>
/// An entity of a run: builds its model from the setup sent with its first call, then applies each
/// tick's events through it. Entities with nothing to do are never called, so never activated.
/// </summary>
/// <remarks>
/// An entity holds its part of the run's state and is called only when it has events, which may
/// be hours of real time apart in a paced or paused run: it stays active, whatever Orleans's idle
/// collection age, until the controller releases it at the end of the run.
/// </remarks>
public abstract class RunEntityGrain<TSetup, TModel> : Grain where TSetup : class where TModel : class, ITickModel
{
    /// <summary>How long an entity outlives its last call while its run has not ended.</summary>
    public static readonly TimeSpan RunLifetime = TimeSpan.FromDays(30);

    private TModel? _model;

    protected abstract TModel Create(TSetup setup);

    public Task<TickResult> ApplyAsync(long tick, ImmutableArray<SimEvent> events, object? setup)
    {
        _model ??= Create(setup as TSetup ?? throw new InvalidOperationException($"{this.GetPrimaryKeyString()} has no setup"));
        this.DelayDeactivation(RunLifetime);
        return Task.FromResult(_model.Apply(tick, events));
    }

    public Task ReleaseAsync()
    {
        // A negative delay returns the activation to the normal idle collection.
        this.DelayDeactivation(TimeSpan.FromTicks(-1));
        return Task.CompletedTask;
    }
}

/// <summary>A node of a run (<see cref="NodeModel"/>).</summary>
/// <remarks>
/// Entities are placed by a hash of their id so that a run spreads evenly over the silos; the
/// default resource-optimised placement keeps a burst of new activations on the calling silo.
/// </remarks>
[GrainType("bulwark.run-node"), HashBasedPlacement]
public sealed class RunNodeGrain : RunEntityGrain<NodeSetup, NodeModel>, IRunNodeGrain
{
    protected override NodeModel Create(NodeSetup setup) => new(setup);
}

/// <summary>A segment of a run: schedules lateral movement (<see cref="SegmentModel"/>).</summary>
[GrainType("bulwark.run-segment"), HashBasedPlacement]
public sealed class RunSegmentGrain : RunEntityGrain<SegmentSetup, SegmentModel>, IRunSegmentGrain
{
    protected override SegmentModel Create(SegmentSetup setup) => new(setup);
}

/// <summary>A domain of a run: indicators, alert level and sharing (<see cref="DomainModel"/>).</summary>
[GrainType("bulwark.run-domain"), HashBasedPlacement]
public sealed class RunDomainGrain : RunEntityGrain<DomainSetup, DomainModel>, IRunDomainGrain
{
    protected override DomainModel Create(DomainSetup setup) => new(setup);
}
