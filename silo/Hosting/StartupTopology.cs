using Microsoft.Extensions.Options;

namespace Bulwark.Silo.Hosting;

/// <summary>Loads the configured topology (read and checked before the silo started) into the live world once the silo is up.</summary>
internal sealed partial class StartupTopology(
    IOptions<SiloOptions> options,
    StartupFiles files,
    IGrainFactory grains,
    ILogger<StartupTopology> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (files.Topology is not { } topology)
        {
            return;
        }
        var info = await grains.GetGrain<IWorldGrain>(EntityId.LiveWorld).LoadTopologyAsync(topology, reset: false, stoppingToken);
        LogLoaded(logger, options.Value.Topology!, info.Domains, info.Segments, info.Nodes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Live world: loaded {Path} ({Domains} domains, {Segments} segments, {Nodes} nodes)")]
    private static partial void LogLoaded(ILogger logger, string path, int domains, int segments, int nodes);
}
