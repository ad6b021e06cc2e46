using Bulwark.Grains.Simulation;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// A domain's hardening and alert-level broadcasts reach its nodes through the calendar's log,
/// with each node's next events; handing every broadcast to every node at its tick, as the rule
/// reads, must give the same journal and the same event count. (Without the timely alert for
/// compromised nodes, six of the seven library exercises journal differently.)
/// </summary>
public sealed class BroadcastTests
{
    [Theory]
    [MemberData(nameof(LibraryScenarios.Files), MemberType = typeof(LibraryScenarios))]
    public void Run_LibraryScenarioAndVariants_BroadcastLogSameAsEagerDelivery(string file)
    {
        var set = Bulwark.Scenarios.ScenarioFile.Load(Path.Combine(AppContext.BaseDirectory, "library", file)).GetValueOrThrow();
        foreach (var scenario in set.Variants.Values.Prepend(set.Base))
        {
            var (lazyLines, lazyReport, _) = Run(scenario, eager: false);
            var (eagerLines, eagerReport, _) = Run(scenario, eager: true);

            Assert.Equal(eagerLines, lazyLines);
            Assert.Equal((eagerReport.Events, eagerReport.JournalHash), (lazyReport.Events, lazyReport.JournalHash));
        }
    }

    [Fact]
    public void Run_Gen1k_OnlyNodesWithWorkOfTheirOwnAreCreated()
    {
        var scenario = LibraryScenarios.Load("gen-1k.yaml");

        var (_, lazy, lazyTouched) = Run(scenario, eager: false);
        var (_, eager, eagerTouched) = Run(scenario, eager: true);

        // Every domain learns indicators, so eager delivery reaches all 1,000 nodes; the log reaches
        // only the nodes that also have events of their own.
        Assert.Equal((1000, 460), (eagerTouched, lazyTouched));
        Assert.Equal(eager.Events, lazy.Events);
    }

    private static (List<string> Lines, RunReport Report, int Touched) Run(ScenarioDefinition scenario, bool eager)
    {
        var lines = new List<string>();
        var engine = new ReferenceEngine(scenario, eagerBroadcasts: eager);
        var report = engine.Run((_, tick) => lines.AddRange(tick.Select(l => l.ToString())));
        return (lines, report, engine.NodesTouched);
    }
}
