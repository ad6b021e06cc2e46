using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

public static class DeterminismCases
{
    public static ScenarioDefinition Outage() => TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(10),
        TimeSpan.FromHours(1), [TestScenarios.Inject("outage", TimeSpan.FromHours(2), "A/power/sub-1", InjectKind.PowerOutage, ("duration", "3h"))]);

    /// <summary>A cycle left holding itself down while one member is isolated, released once that member is restored.</summary>
    public static ScenarioDefinition CycleRestored() => TestScenarios.Build(TestTopologies.Parse(TestTopologies.Cycle), TimeSpan.FromHours(12),
        TimeSpan.FromHours(1),
    [
        TestScenarios.Inject("out", TimeSpan.FromHours(2), "A/s/feed", InjectKind.PowerOutage, ("duration", "3h")),
        TestScenarios.Inject("cut-off", TimeSpan.FromHours(3), "A/s/tel", InjectKind.Isolate),
        TestScenarios.Inject("back", TimeSpan.FromHours(8), "A/s/tel", InjectKind.Restore),
    ]);

    /// <summary>Failures shorter than a trip round a cycle, whose notices the calendar overrides, on two loops in one cycle.</summary>
    public static ScenarioDefinition CycleBlips() => TestScenarios.Build(TestTopologies.Parse(TestTopologies.TwoLoops), TimeSpan.FromHours(20),
        TimeSpan.FromHours(1),
    [
        TestScenarios.Inject("blip-a", TimeSpan.FromHours(2), "A/s/a", InjectKind.PowerOutage, ("duration", "1h")),
        TestScenarios.Inject("blip-c", TimeSpan.FromHours(3), "A/s/c", InjectKind.Ddos, ("duration", "1h")),
        TestScenarios.Inject("feed-out", TimeSpan.FromHours(6), "A/s/feed", InjectKind.PowerOutage, ("duration", "2h")),
        TestScenarios.Inject("cut-d", TimeSpan.FromHours(7), "A/s/d", InjectKind.Isolate),
        TestScenarios.Inject("back-d", TimeSpan.FromHours(8), "A/s/d", InjectKind.Restore),
    ]);

    public static async Task SameJournalAsReferenceAsync(IClusterClient client, ScenarioDefinition scenario)
    {
        var reference = Runs.OnReference(scenario);
        var cluster = await Runs.OnClusterAsync(client, scenario);

        Assert.Equal(reference.Journal.Count, cluster.Journal.Count);
        Assert.Equal(reference.Journal, cluster.Journal);
        Assert.Equal(reference.Report.JournalHash, cluster.Report.JournalHash);
        Assert.Equal(reference.Report.Events, cluster.Report.Events);
        Assert.Equal(reference.Report.Alliance, cluster.Report.Alliance with { Series = reference.Report.Alliance.Series });
        Assert.Equal(reference.Report.Alliance.Series, cluster.Report.Alliance.Series);
    }
}

/// <summary>The determinism cases on a cluster of a given size: each run's journal equals the reference engine's.</summary>
public abstract class ClusterDeterminismTests(SizedClusterFixture fixture)
{
    protected IClusterClient Client => fixture.Client;

    [Fact]
    public Task Run_Outage_JournalEqualsReference() => DeterminismCases.SameJournalAsReferenceAsync(Client, DeterminismCases.Outage());

    [Fact]
    public Task Run_CycleRestored_JournalEqualsReference()
    {
        Assert.Contains(Runs.OnReference(DeterminismCases.CycleRestored()).Journal, l => l.Contains(" cycle-released ", StringComparison.Ordinal));
        return DeterminismCases.SameJournalAsReferenceAsync(Client, DeterminismCases.CycleRestored());
    }

    [Fact]
    public Task Run_CycleBlips_JournalEqualsReference()
    {
        Assert.Contains(Runs.OnReference(DeterminismCases.CycleBlips()).Journal, l => l.Contains(" cycle-released ", StringComparison.Ordinal));
        return DeterminismCases.SameJournalAsReferenceAsync(Client, DeterminismCases.CycleBlips());
    }

    [Fact]
    public Task Run_AllianceStorm_JournalEqualsReference() => DeterminismCases.SameJournalAsReferenceAsync(Client, Runs.AllianceStorm());
}

[Collection(OneSiloTests.Name)]
public sealed class OneSiloDeterminismTests(OneSiloFixture fixture) : ClusterDeterminismTests(fixture);

[Collection(ThreeSiloTests.Name)]
public sealed class ThreeSiloDeterminismTests(ThreeSiloFixture fixture) : ClusterDeterminismTests(fixture)
{
    [Fact]
    public async Task Run_AllianceStorm_SpreadsEntitiesOverAllSilos()
    {
        var run = Client.GetGrain<IRunGrain>(Runs.NewId("spread"));
        await run.StartAsync(Runs.AllianceStorm(), new RunOptions(0, []));
        await Runs.WaitAsync(run);

        var management = Client.GetGrain<IManagementGrain>(0);
        var stats = await management.GetSimpleGrainStatistics(TestContext.Current.CancellationToken);
        var nodeSilos = stats.Where(s => s.GrainType.Contains("RunNodeGrain", StringComparison.Ordinal) && s.ActivationCount > 0)
            .Select(s => s.SiloAddress).Distinct().Count();
        Assert.Equal(3, nodeSilos);
    }
}
