using System.Collections.Immutable;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// Runs outlive their silo: a cluster is stopped and a new one started on the same data
/// directory, as a controller does when the silo is restarted the next morning.
/// </summary>
public sealed class RunRestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "bulwark-restart-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    /// <summary>600 one-minute ticks; an outage at 2h, and a hand-injected one at 7h.</summary>
    private static ScenarioDefinition Outage() => TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(10),
        TimeSpan.FromMinutes(1), [TestScenarios.Inject("outage", TimeSpan.FromHours(2), "A/power/sub-1", InjectKind.PowerOutage, ("duration", "3h"))]);

    private static readonly HandInject Hand = new(420, InjectKind.PowerOutage, "A/power/sub-1",
        ImmutableSortedDictionary.CreateRange(StringComparer.Ordinal, [KeyValuePair.Create("duration", "1h")]));

    [Fact]
    public async Task Restart_EndedAndRunningRuns_AnswerFromTheStoreAfterwards()
    {
        var scenario = Outage();
        var completedId = Runs.NewId("done");
        var runningId = Runs.NewId("going");
        var reference = Runs.OnReference(scenario, [Hand]);

        var first = SizedClusterFixture.Build(1, _data);
        await first.DeployAsync(TestContext.Current.CancellationToken);
        try
        {
            var completed = first.Client.GetGrain<IRunGrain>(completedId);
            await completed.StartAsync(scenario, new RunOptions(0, [Hand]));
            await Runs.WaitAsync(completed);
            // A virtual hour per real second: past the first outage within three seconds, far from the end.
            var running = first.Client.GetGrain<IRunGrain>(runningId);
            await running.StartAsync(scenario, new RunOptions(3600, [Hand]));
            await Eventually.HoldsAsync(async () => (await running.GetInfoAsync()).Tick > 130, "the paced run to pass the outage", TimeSpan.FromSeconds(30));
        }
        finally
        {
            await first.StopAllSilosAsync(TestContext.Current.CancellationToken);
            await first.DisposeAsync();
        }

        await using var second = SizedClusterFixture.Build(1, _data);
        await second.DeployAsync(TestContext.Current.CancellationToken);
        try
        {
            var listed = await second.Client.GetGrain<IRunRegistryGrain>("runs").ListAsync();
            Assert.Equal([completedId, runningId], listed);
            // Listed from their stored outcomes, without activating them.
            var infos = await second.Client.GetGrain<IRunRegistryGrain>("runs").QueryAsync(RunQuery.All);
            Assert.Equal([(completedId, RunState.Completed), (runningId, RunState.Stopped)], infos.Select(i => (i.RunId, i.State)));
            var runGrains = (await second.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken))
                .Count(s => s.GrainId.Type.ToString() == "bulwark.run");
            Assert.Equal(0, runGrains);

            var completed = second.Client.GetGrain<IRunGrain>(completedId);
            var info = await completed.GetInfoAsync();
            Assert.Equal(info, infos[0]);
            Assert.Equal(await second.Client.GetGrain<IRunGrain>(runningId).GetInfoAsync(), infos[1]);
            Assert.Equal((RunState.Completed, scenario.Ticks, reference.Report.Events, (long)reference.Journal.Count),
                (info.State, info.Tick, info.Events, info.JournalLines));
            Assert.Equal(reference.Report.JournalHash, (await completed.GetReportAsync()).JournalHash);
            Assert.Equal(reference.Journal, await Runs.JournalAsync(completed));
            var hands = await completed.GetHandInjectsAsync();
            Assert.Equal([(Hand.Tick, Hand.Kind, Hand.Target, "duration=1h")],
                hands.Select(h => (h.Tick, h.Kind, h.Target, string.Join(",", h.Parameters.Select(p => $"{p.Key}={p.Value}")))));

            // Stopped where its silo left it: its journal is the reference's up to there, and its report says so.
            var stopped = second.Client.GetGrain<IRunGrain>(runningId);
            var stoppedInfo = await stopped.GetInfoAsync();
            Assert.Equal((RunState.Stopped, "its silo shut down"), (stoppedInfo.State, stoppedInfo.Message));
            Assert.InRange(stoppedInfo.Tick, 131, scenario.Ticks - 1);
            var journal = await Runs.JournalAsync(stopped);
            Assert.Equal(stoppedInfo.JournalLines, journal.Count);
            Assert.Equal(reference.Journal.Take(journal.Count), journal);
            Assert.Contains(journal, l => l.Contains("status healthy->down", StringComparison.Ordinal));
            Assert.Equal(stoppedInfo.JournalLines, (await stopped.GetReportAsync()).JournalLines);

            // Their ids stay taken.
            var again = await Assert.ThrowsAsync<InvalidRequestException>(() =>
                second.Client.GetGrain<IRunGrain>(completedId).StartAsync(scenario, new RunOptions(0, [])));
            Assert.Contains("has already been started", again.Message, StringComparison.Ordinal);
        }
        finally
        {
            await second.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Restart_OutcomeUnreadable_RunListedAsFailedSayingWhyWithItsJournal()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = Runs.NewId("garbled");
        var reference = Runs.OnReference(Outage());
        var first = SizedClusterFixture.Build(1, _data);
        await first.DeployAsync(ct);
        try
        {
            var run = first.Client.GetGrain<IRunGrain>(id);
            await run.StartAsync(Outage(), new RunOptions(0, []));
            await Runs.WaitAsync(run);
        }
        finally
        {
            await first.StopAllSilosAsync(ct);
            await first.DisposeAsync();
        }
        var outcome = Path.Combine(_data, "runs", id + ".outcome");
        await File.WriteAllTextAsync(outcome, "not an outcome", ct);

        await using var second = SizedClusterFixture.Build(1, _data);
        await second.DeployAsync(ct);
        try
        {
            var listed = (await second.Client.GetGrain<IRunRegistryGrain>("runs").QueryAsync(RunQuery.All)).Single(i => i.RunId == id);
            var journal = Path.Combine(_data, "runs", id + ".journal");

            Assert.Equal((RunState.Failed, ""), (listed.State, listed.Scenario));
            Assert.StartsWith("its stored outcome cannot be read (", listed.Message, StringComparison.Ordinal);
            Assert.EndsWith($"); its journal is at {journal}", listed.Message, StringComparison.Ordinal);
            var run = second.Client.GetGrain<IRunGrain>(id);
            Assert.Equal(listed, await run.GetInfoAsync());
            var error = await Assert.ThrowsAsync<DataDamagedException>(() => run.GetReportAsync());
            Assert.Equal($"run '{id}' has no report: {listed.Message}", error.Message);
            Assert.Equal(reference.Journal, await Runs.JournalAsync(run));
            var again = await Assert.ThrowsAsync<InvalidRequestException>(() => run.StartAsync(Outage(), new RunOptions(0, [])));
            Assert.Contains("has already been started", again.Message, StringComparison.Ordinal);
        }
        finally
        {
            await second.StopAllSilosAsync(ct);
        }
    }
}
