namespace Bulwark.Grains.Simulation;

/// <summary>An entity of an exercise: applies one tick's events and says what it did and emits.</summary>
public interface ITickModel
{
    /// <summary>Applies <paramref name="events"/> (any order; sorted canonically inside) at <paramref name="tick"/>.</summary>
    TickResult Apply(long tick, IReadOnlyList<SimEvent> events);
}
