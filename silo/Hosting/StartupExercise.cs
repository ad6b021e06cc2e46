using Bulwark.Client.Reports;
using Microsoft.Extensions.Options;

namespace Bulwark.Silo.Hosting;

/// <summary>
/// Runs the configured exercise (<see cref="SiloOptions.Exercise"/>, read and checked before the
/// silo started) once the silo is up and prints its report to the console; the silo keeps serving
/// afterwards.
/// </summary>
internal sealed partial class StartupExercise(
    IOptions<SiloOptions> options,
    StartupFiles files,
    IGrainFactory grains,
    TimeProvider clock,
    ILogger<StartupExercise> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (files.Exercise is not { } scenario)
        {
            return;
        }
        var runId = "run-" + Guid.NewGuid().ToString("N")[..8];
        var run = grains.GetGrain<IRunGrain>(runId);
        await run.StartAsync(scenario, new RunOptions(0, []));
        LogStarted(logger, runId, scenario.Metadata.Name);
        RunInfo info;
        do
        {
            await Task.Delay(TimeSpan.FromMilliseconds(200), clock, stoppingToken);
            info = await run.GetInfoAsync();
        }
        while (info.State is RunState.Running or RunState.Paused);

        var report = await run.GetReportAsync();
        var result = new RunResult(runId, info, report);
        var output = Console.Out;
        await output.WriteLineAsync();
        await ReportText.WriteAsync(output, result);
        var html = Path.Combine(options.Value.DataDirectory, "runs", runId + ".html");
        Directory.CreateDirectory(Path.GetDirectoryName(html)!);
        await File.WriteAllTextAsync(html, HtmlReport.Of(result), stoppingToken);
        await output.WriteLineAsync($"HTML report: {html}");
        var o = options.Value;
        var reach = (o.GatewayPort == new SiloOptions().GatewayPort ? "" : $" --gateway 127.0.0.1:{o.GatewayPort}")
            + (o.ClusterId == new SiloOptions().ClusterId ? "" : $" --cluster-id {o.ClusterId}");
        await output.WriteLineAsync($"The cluster keeps running: try 'dotnet run --project client/cli -- report {runId}{reach}' or open {o.Http.TrimEnd('/')}/dashboard");
        await output.FlushAsync(stoppingToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Exercise {RunId}: running '{Scenario}'")]
    private static partial void LogStarted(ILogger logger, string runId, string scenario);
}
