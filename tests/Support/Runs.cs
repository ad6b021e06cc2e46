using System.Collections.Immutable;
using Bulwark.Grains.Simulation;

namespace Bulwark.Tests.Support;

/// <summary>Runs scenarios on a cluster and on the reference engine, for comparison.</summary>
public static class Runs
{
    public static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 9)];

    public static async Task<RunInfo> WaitAsync(IRunGrain run, RunState state = RunState.Completed, TimeSpan? timeout = null)
    {
        RunInfo info = null!;
        await Eventually.HoldsAsync(async () =>
        {
            info = await run.GetInfoAsync();
            Assert.NotEqual(RunState.Failed, info.State);
            return info.State == state;
        }, $"run to reach {state}", timeout ?? TimeSpan.FromSeconds(120));
        return info;
    }

    public static async Task<List<string>> JournalAsync(IRunGrain run)
    {
        var lines = new List<string>();
        while (true)
        {
            var page = await run.GetJournalAsync(lines.Count, 10_000);
            if (page.IsEmpty)
            {
                return lines;
            }
            lines.AddRange(page.Select(l => l.ToString()));
        }
    }

    public static async Task<(List<string> Journal, RunReport Report)> OnClusterAsync(IClusterClient client, ScenarioDefinition scenario,
        ImmutableArray<HandInject> handInjects = default)
    {
        var run = client.GetGrain<IRunGrain>(NewId("run"));
        await run.StartAsync(scenario, new RunOptions(0, handInjects.IsDefault ? [] : handInjects));
        await WaitAsync(run);
        return (await JournalAsync(run), await run.GetReportAsync());
    }

    public static (List<string> Journal, RunReport Report) OnReference(ScenarioDefinition scenario, IEnumerable<HandInject>? handInjects = null)
    {
        var lines = new List<string>();
        var report = new ReferenceEngine(scenario, handInjects).Run((_, tick) => lines.AddRange(tick.Select(l => l.ToString())));
        return (lines, report);
    }

    /// <summary>A campaign, ransomware and a cable cut on the library alliance: random draws everywhere.</summary>
    public static ScenarioDefinition AllianceStorm(ulong seed = 20241225) => TestScenarios.Build(
        TestTopologies.Parse(File.ReadAllText(TestTopologies.LibraryPath())), TimeSpan.FromDays(2), TimeSpan.FromMinutes(5),
        [
            TestScenarios.Inject("campaign", TimeSpan.FromHours(1), "EST", InjectKind.Campaign, ("count", "3"), ("techniques", "T1190,T1078,T1566,T1210")),
            TestScenarios.Inject("ransom", TimeSpan.FromHours(6), "BALTGRID/corporate-it", InjectKind.Ransomware, ("duration", "1d")),
            TestScenarios.Inject("cut", TimeSpan.FromHours(8), "EST/undersea/estlink-2", InjectKind.CableCut, ("duration", "30d")),
            TestScenarios.Inject("ddos", TimeSpan.FromHours(12), "LVA/gov-core", InjectKind.Ddos, ("duration", "6h")),
            TestScenarios.Inject("intel", TimeSpan.FromHours(2), "FIN", InjectKind.IntelReport, ("techniques", "T1210")),
        ],
        [new ObjectiveDefinition("est", "EST capability >= 0.9 at 24h", ObjectiveKind.CapabilityAt, "EST", 0.9, TimeSpan.FromHours(24))],
        seed: seed);
}
