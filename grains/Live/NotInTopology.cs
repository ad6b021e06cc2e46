namespace Bulwark.Grains.Live;

/// <summary>What a node, segment or domain the world's topology does not have tells its caller.</summary>
internal static class NotInTopology
{
    /// <summary>
    /// That the world has no topology at all, when it has none (a mistyped world name, say), or else
    /// <paramref name="unknown"/>: that it has no such entity.
    /// </summary>
    public static async Task<Exception> ExceptionAsync(IGrainFactory grains, string world, Func<Exception> unknown) =>
        await grains.GetGrain<IWorldGrain>(world).GetLoadsAsync() == 0 ? new NoTopologyException(world) : unknown();
}
