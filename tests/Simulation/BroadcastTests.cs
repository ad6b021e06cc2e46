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
    public void Run_HandInjectsThatChangeAlertLevels_BroadcastLogSameAsEagerDelivery()
    {
        // Hand injects raise and lower ROU's alert level while its nodes are compromised and recovering.
        var scenario = LibraryScenarios.Load("blacksea-hybrid.yaml");
        HandInject Alert(long tick, string level) => new(tick, InjectKind.SetAlertLevel, "ROU",
            System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty.Add("level", level));
        HandInject[] hand = [Alert(300, "1"), Alert(301, "4"), Alert(600, "2"), Alert(600 + 24 * 60 / 5, "5"),
            new(320, InjectKind.Restore, "ROU/gov-core", System.Collections.Immutable.ImmutableSortedDictionary<string, string>.Empty)];

        var lazy = Run(scenario, eager: false, hand);
        var eager = Run(scenario, eager: true, hand);

        Assert.Equal(eager.Lines, lazy.Lines);
        Assert.Equal(eager.Report.Events, lazy.Report.Events);
        Assert.Contains(lazy.Lines, l => l.Contains(" ROU alert ", StringComparison.Ordinal) && l.Contains("1->4 by inject:hand-2", StringComparison.Ordinal));
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

    [Fact]
    public void Apply_TwoRaisesInOneTick_BroadcastsTheLevelTheDomainEndsOn()
    {
        var domain = new DomainModel(new DomainSetup("A", DomainKind.Nation, [], 0.5, RaiseAlertOnIndicator: true, AlertLevel: 4));

        var result = domain.Apply(10, [
            new SimEvent(10, "A", SimEventKind.Indicator, "intel:x", "T1190", 0, "intel x"),
            new SimEvent(10, "A", SimEventKind.Indicator, "intel:x", "T1078", 0, "intel x"),
        ]);

        Assert.Equal(["10 A indicator T1078 intel x", "10 A alert 4->3 on T1078", "10 A indicator T1190 intel x", "10 A alert 3->2 on T1190"],
            result.Journal.Select(l => l.ToString()));
        var alerts = result.Emitted.Where(e => e.Kind == SimEventKind.AlertLevel).ToList();
        Assert.Equal([new SimEvent(11, "A", SimEventKind.AlertLevel, "A", "", 2, "")], alerts);
        Assert.Equal(2, result.Emitted.Count(e => e.Kind == SimEventKind.Harden));
    }

    [Fact]
    public void Apply_RaiseAndLowerBackInOneTick_BroadcastsNothing()
    {
        var domain = new DomainModel(new DomainSetup("A", DomainKind.Nation, [], 0, RaiseAlertOnIndicator: true, AlertLevel: 4));

        var result = domain.Apply(10, [
            new SimEvent(10, "A", SimEventKind.Indicator, "intel:x", "T1190", 0, "intel x"),
            new SimEvent(10, "A", SimEventKind.SetAlert, "inject:calm", "", 4, ""),
        ]);

        Assert.Equal(["10 A alert 4->3 on T1190", "10 A alert 3->4 by inject:calm"],
            result.Journal.Where(l => l.Kind == "alert").Select(l => l.ToString()));
        Assert.Empty(result.Emitted);
    }

    private static (List<string> Lines, RunReport Report, int Touched) Run(ScenarioDefinition scenario, bool eager, IEnumerable<HandInject>? hand = null)
    {
        var lines = new List<string>();
        var engine = new ReferenceEngine(scenario, hand, eagerBroadcasts: eager);
        var report = engine.Run((_, tick) => lines.AddRange(tick.Select(l => l.ToString())));
        return (lines, report, engine.NodesTouched);
    }
}
