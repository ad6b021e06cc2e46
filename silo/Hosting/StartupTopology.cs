using Bulwark.Scenarios;
using Microsoft.Extensions.Options;

namespace Bulwark.Silo.Hosting;

/// <summary>Loads the configured topology into the live world when the silo has started.</summary>
internal sealed partial class StartupTopology(
    IOptions<SiloOptions> options,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    ILogger<StartupTopology> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var path = options.Value.Topology;
        if (string.IsNullOrWhiteSpace(path))
        {
            return;
        }
        var result = TopologyFile.Load(path);
        if (!result.Succeeded)
        {
            foreach (var diagnostic in result.Diagnostics)
            {
                LogTopologyError(logger, diagnostic.ToString());
            }
            Environment.ExitCode = 2;
            lifetime.StopApplication();
            return;
        }
        var info = await grains.GetGrain<IWorldGrain>(EntityId.LiveWorld).LoadTopologyAsync(result.Value!, reset: false, stoppingToken);
        LogLoaded(logger, path, info.Domains, info.Segments, info.Nodes);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "{Diagnostic}")]
    private static partial void LogTopologyError(ILogger logger, string diagnostic);

    [LoggerMessage(Level = LogLevel.Information, Message = "Live world: loaded {Path} ({Domains} domains, {Segments} segments, {Nodes} nodes)")]
    private static partial void LogLoaded(ILogger logger, string path, int domains, int segments, int nodes);
}
