using System.Collections.Immutable;
using System.Diagnostics;
using Bulwark.Grains.Simulation;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

[Collection(OneSiloTests.Name)]
public sealed class RunControlTests(OneSiloFixture fixture)
{
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    /// <summary>600 one-minute ticks; an outage at 2h. At 3600x, a virtual hour per real second.</summary>
    private static ScenarioDefinition Paced() => TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(10), Minute,
        [TestScenarios.Inject("outage", TimeSpan.FromHours(2), "A/power/sub-1", InjectKind.PowerOutage, ("duration", "3h"))]);

    [Fact]
    public async Task PauseResume_PacedRun_FreezesVirtualTimeAndKeepsInjectTimes()
    {
        var scenario = Paced();
        var run = fixture.Client.GetGrain<IRunGrain>(Runs.NewId("pace"));
        await run.StartAsync(scenario, new RunOptions(3600, []));

        var paused = await run.PauseAsync();
        Assert.Equal(RunState.Paused, paused.State);
        for (var i = 0; i < 20; i++)
        {
            var info = await run.GetInfoAsync();
            Assert.Equal((RunState.Paused, paused.Tick), (info.State, info.Tick));
        }

        var resumed = Stopwatch.StartNew();
        Assert.Equal(RunState.Running, (await run.ResumeAsync()).State);
        await Runs.WaitAsync(run);

        // Resuming does not catch up: the rest of the exercise still takes its paced real time.
        var remainingSeconds = (scenario.Ticks - paused.Tick) * scenario.Tick.TotalSeconds / 3600;
        Assert.True(resumed.Elapsed.TotalSeconds >= remainingSeconds * 0.9,
            $"the rest of the run took {resumed.Elapsed.TotalSeconds:0.00} s real time; {remainingSeconds:0.00} s expected at 3600x");
        // Nothing fired late: the journal is the unpaused reference, tick for tick.
        Assert.Equal(Runs.OnReference(scenario).Journal, await Runs.JournalAsync(run));
    }

    [Fact]
    public async Task PauseResume_IdleCollectionWhilePaused_RunCarriesOnFromWhereItStood()
    {
        // A long pause (lunch) outlasts the idle time after which Orleans collects activations.
        var scenario = Paced();
        var run = fixture.Client.GetGrain<IRunGrain>(Runs.NewId("lunch"));
        await run.StartAsync(scenario, new RunOptions(3600, []));
        // Mid-outage: sub-1 is down until tick 300 and its dependants are degraded.
        await Eventually.HoldsAsync(async () => (await run.GetInfoAsync()).Tick > 130, "the outage to start", TimeSpan.FromSeconds(30));
        var paused = await run.PauseAsync();
        Assert.InRange(paused.Tick, 131, 290);

        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        await run.ResumeAsync();
        await Runs.WaitAsync(run);

        Assert.Equal(Runs.OnReference(scenario).Journal, await Runs.JournalAsync(run));
    }

    [Theory]
    [InlineData("../../escape")]
    [InlineData("a/b")]
    [InlineData("live")]
    [InlineData("run with spaces")]
    [InlineData("run-0123456789012345678901234567890123456789012345678901234567890")]
    public async Task Start_IdThatIsNotARunId_IsRefusedAndWritesNothing(string id)
    {
        var run = fixture.Client.GetGrain<IRunGrain>(id);

        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => run.StartAsync(Paced(), new RunOptions(0, [])));

        Assert.Equal($"'{id}' is not a run id: letters, digits and dashes, at most 64, and not 'live'", refused.Message);
        await Assert.ThrowsAsync<UnknownScopeException>(() => run.GetInfoAsync());
        Assert.DoesNotContain(id, await fixture.Client.GetGrain<IRunRegistryGrain>("runs").ListAsync());
        // Nothing beside the data directory, nor in it, carries the id.
        var parent = Path.GetDirectoryName(fixture.DataDirectory)!;
        Assert.Empty(Directory.GetFiles(parent, "escape*"));
        Assert.False(Directory.Exists(Path.Combine(fixture.DataDirectory, "runs", "a")));
    }

    [Fact]
    public async Task Report_CompletedRunAfterIdleCollection_StillAnswers()
    {
        var scenario = Paced();
        var run = fixture.Client.GetGrain<IRunGrain>(Runs.NewId("later"));
        await run.StartAsync(scenario, new RunOptions(0, []));
        await Runs.WaitAsync(run);

        await fixture.Client.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);

        var info = await run.GetInfoAsync();
        Assert.Equal((RunState.Completed, scenario.Ticks), (info.State, info.Tick));
        var expected = Runs.OnReference(scenario);
        Assert.Equal(expected.Report.JournalHash, (await run.GetReportAsync()).JournalHash);
        Assert.Equal(expected.Journal, await Runs.JournalAsync(run));
    }

    [Fact]
    public async Task Inject_ByHand_IsJournalledAndReplaysIdentically()
    {
        var scenario = Paced();
        var run = fixture.Client.GetGrain<IRunGrain>(Runs.NewId("hand"));
        await run.StartAsync(scenario, new RunOptions(3600, []));
        var paused = await run.PauseAsync();

        var tick = await run.InjectAsync(InjectKind.Isolate, "B/telecom/cable-1", ImmutableSortedDictionary<string, string>.Empty, TimeSpan.FromMinutes(30));
        Assert.True(tick >= paused.Tick + 30, $"fires at {tick}, 30 ticks or more after {paused.Tick}");
        await Assert.ThrowsAsync<InvalidRequestException>(() =>
            run.InjectAsync(InjectKind.Patch, "B/telecom/cable-1", ImmutableSortedDictionary<string, string>.Empty, TimeSpan.Zero));
        await run.ResumeAsync();
        await Runs.WaitAsync(run);

        var journal = await Runs.JournalAsync(run);
        Assert.Contains($"{tick} B/telecom/cable-1 inject hand-1 isolate", journal);
        Assert.Contains($"{tick} B/telecom/cable-1 isolated inject:hand-1", journal);
        var handInjects = await run.GetHandInjectsAsync();
        Assert.Equal([new HandInject(tick, InjectKind.Isolate, "B/telecom/cable-1", ImmutableSortedDictionary<string, string>.Empty)], handInjects);
        var replay = Runs.OnReference(scenario, handInjects);
        Assert.Equal(replay.Journal, journal);
        Assert.Equal(replay.Report.JournalHash, (await run.GetReportAsync()).JournalHash);
    }

    [Fact]
    public async Task Stop_RunningExercise_EndsWithPartialReport()
    {
        var run = fixture.Client.GetGrain<IRunGrain>(Runs.NewId("stop"));
        await run.StartAsync(Paced(), new RunOptions(60, []));

        var stopped = await run.StopAsync();

        Assert.Equal(RunState.Stopped, stopped.State);
        Assert.Equal(RunState.Stopped, (await run.GetInfoAsync()).State);
        await Assert.ThrowsAsync<InvalidRequestException>(() =>
            run.InjectAsync(InjectKind.Isolate, "A/mil/c2", ImmutableSortedDictionary<string, string>.Empty, TimeSpan.Zero));
        Assert.Equal($"run '{run.GetPrimaryKeyString()}' has stopped; it cannot be paused", (await Assert.ThrowsAsync<InvalidRequestException>(run.PauseAsync)).Message);
        Assert.Equal($"run '{run.GetPrimaryKeyString()}' has stopped; it cannot be resumed", (await Assert.ThrowsAsync<InvalidRequestException>(run.ResumeAsync)).Message);
        var report = await run.GetReportAsync();
        Assert.Equal(0, report.Alliance.ResilienceLossHours);
    }

    [Fact]
    public async Task Stop_PacedRunBetweenEvents_StopsWhereVirtualTimeStoodAndLeavesUndecidedObjectivesPending()
    {
        var scenario = TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(14), Minute,
            [TestScenarios.Inject("outage", TimeSpan.FromHours(2), "A/power/sub-1", InjectKind.PowerOutage, ("duration", "8h"))],
            [
                new ObjectiveDefinition("at-8h", "alliance capability >= 0.5 at 12h", ObjectiveKind.CapabilityAt, "alliance", 0.5, TimeSpan.FromHours(12)),
                new ObjectiveDefinition("at-1h", "alliance capability >= 0.5 at 1h", ObjectiveKind.CapabilityAt, "alliance", 0.5, TimeSpan.FromHours(1)),
                new ObjectiveDefinition("min", "alliance min capability >= 0.99", ObjectiveKind.MinCapability, "alliance", 0.99, TimeSpan.Zero),
                new ObjectiveDefinition("loss", "alliance resilience loss <= 100h", ObjectiveKind.ResilienceLoss, "alliance", 0, TimeSpan.FromHours(100)),
                new ObjectiveDefinition("energy", "no node of sector energy down longer than 1h", ObjectiveKind.MaxDownTime, "energy", 0, TimeSpan.FromHours(1)),
            ]);
        var run = fixture.Client.GetGrain<IRunGrain>(Runs.NewId("stop-paced"));
        await run.StartAsync(scenario, new RunOptions(3600, []));
        // The outage starts at tick 120; nothing more happens until it ends at tick 600, nearly 7 s
        // after the check below at this pace (a loaded machine may take seconds to send the stop).
        await Eventually.HoldsAsync(async () => (await run.GetInfoAsync()).Tick > 190, "virtual time past 3h10m", TimeSpan.FromSeconds(30));

        var stopped = await run.StopAsync();

        Assert.Equal(RunState.Stopped, stopped.State);
        Assert.InRange(stopped.Tick, 191, 599);
        Assert.Equal(stopped.Tick, (await run.GetInfoAsync()).Tick);
        var report = await run.GetReportAsync();
        Assert.Equal([
            ("at-8h", "PENDING", "not yet at 12h"),
            ("at-1h", "PASS", "capability 1 at 1h"),
            ("min", "FAIL", "minimum capability 0.545"),
            ("loss", "PENDING", $"resilience loss {report.Alliance.ResilienceLossHours.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} h so far"),
            ("energy", "FAIL", $"longest down {((stopped.Tick - 120) / 60.0).ToString("0.###", System.Globalization.CultureInfo.InvariantCulture)} h (A/power/sub-1)"),
        ], report.Objectives.Select(o => (o.Id, o.Verdict, o.Actual)));
        // The capability lost over the whole outage so far counts, up to where the run stopped (10 of 22 lost from
        // tick 120 or 121, as the dependants degrade a tick after the substation; 0.455 rounded was too coarse for a
        // bound on hundreds of ticks).
        Assert.InRange(report.Alliance.ResilienceLossHours, 10.0 / 22 * (stopped.Tick - 121) / 60.0 - 1e-9, 10.0 / 22 * (stopped.Tick - 120) / 60.0 + 1e-9);
    }

    [Fact]
    public async Task Run_UnknownId_IsAClearError()
    {
        var error = await Assert.ThrowsAsync<UnknownScopeException>(() => fixture.Client.GetGrain<IRunGrain>("run-nothing").GetInfoAsync());
        Assert.Equal("unknown run 'run-nothing'", error.Message);
    }

    [Fact]
    public async Task Run_SeveralAtOnce_AreListedAndIndependent()
    {
        var ids = new[] { Runs.NewId("many"), Runs.NewId("many"), Runs.NewId("many") };
        var results = await Task.WhenAll(ids.Select(async (id, i) =>
        {
            var run = fixture.Client.GetGrain<IRunGrain>(id);
            await run.StartAsync(Runs.AllianceStorm((ulong)(i % 2)), new RunOptions(0, []));
            await Runs.WaitAsync(run);
            return (await run.GetReportAsync()).JournalHash;
        }));

        Assert.Equal(results[0], results[2]);
        Assert.NotEqual(results[0], results[1]);
        var listed = await fixture.Client.GetGrain<IRunRegistryGrain>("runs").ListAsync();
        Assert.All(ids, id => Assert.Contains(id, listed));
    }

    [Fact]
    public async Task Runs_Query_FiltersByStateAndAsksOnlyTheRunsStillGoing()
    {
        var ct = TestContext.Current.CancellationToken;
        var registry = fixture.Client.GetGrain<IRunRegistryGrain>("runs");
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        var scenario = Paced();
        var doneId = Runs.NewId("query");
        var done = fixture.Client.GetGrain<IRunGrain>(doneId);
        await done.StartAsync(scenario, new RunOptions(0, []));
        await Runs.WaitAsync(done);
        var doneInfo = await done.GetInfoAsync();
        var pausedId = Runs.NewId("query");
        var paused = fixture.Client.GetGrain<IRunGrain>(pausedId);
        await paused.StartAsync(scenario, new RunOptions(60, []));
        var pausedInfo = await paused.PauseAsync();
        try
        {
            async Task<bool> Active(string id) => (await management.GetDetailedGrainStatistics(null, null, ct))
                .Any(s => s.GrainId.Type.ToString() == "bulwark.run" && s.GrainId.Key.ToString() == id);
            // The ended run is collected like any idle grain; the paused one is kept.
            await management.ForceActivationCollection(TimeSpan.Zero, ct);
            Assert.Equal((false, true), (await Active(doneId), await Active(pausedId)));

            var all = await registry.QueryAsync(RunQuery.All);

            Assert.Equal([doneInfo, pausedInfo], all.Where(i => i.RunId == doneId || i.RunId == pausedId));
            Assert.Equal((RunState.Completed, scenario.Ticks), (doneInfo.State, doneInfo.Tick));
            Assert.False(await Active(doneId), "listing activated an ended run");
            var onlyPaused = await registry.QueryAsync(new RunQuery([RunState.Paused], 0));
            Assert.Contains(pausedInfo, onlyPaused);
            Assert.All(onlyPaused, i => Assert.Equal(RunState.Paused, i.State));
            Assert.Equal([pausedInfo], await registry.QueryAsync(new RunQuery([RunState.Paused, RunState.Completed], 1)));
            Assert.Equal(doneInfo, (await registry.QueryAsync(new RunQuery([RunState.Completed], 1))).Single());

            // A run still going is asked how it stands now.
            var stopped = await paused.StopAsync();
            Assert.Equal(stopped, (await registry.QueryAsync(new RunQuery([RunState.Stopped], 1))).Single());
            Assert.DoesNotContain(await registry.QueryAsync(new RunQuery([RunState.Paused], 0)), i => i.RunId == pausedId);
        }
        finally
        {
            await paused.StopAsync();
        }
    }

    [Fact]
    public async Task Journal_ChangedCutShortOrRemovedOnDisk_IsReportedNotPassedOn()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = Runs.NewId("damaged");
        var run = fixture.Client.GetGrain<IRunGrain>(id);
        await run.StartAsync(Paced(), new RunOptions(0, []));
        await Runs.WaitAsync(run);
        var report = await run.GetReportAsync();
        var path = Path.Combine(fixture.DataDirectory, "runs", id + ".journal");
        var lines = await File.ReadAllLinesAsync(path, ct);
        Assert.Equal(new JournalDigest(report.JournalLines, report.JournalHash), await run.GetJournalDigestAsync());
        Assert.Equal(report.JournalLines, lines.Length);
        Assert.True(lines.Length > 4, $"{lines.Length} lines");

        // One line changed, as many lines: only the hash can tell.
        var changed = string.Concat(lines[..^1].Append(lines[^1] + "x").Select(l => l + "\n"));
        await File.WriteAllTextAsync(path, changed, ct);
        var hash = "sha256:" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(changed)));
        var error = await Assert.ThrowsAsync<DataDamagedException>(() => run.GetJournalDigestAsync());
        Assert.Equal($"the journal of run '{id}' ({path}) is not the one the run wrote: it has {lines.Length} lines ({hash}), the run wrote {lines.Length} ({report.JournalHash})",
            error.Message);

        await File.WriteAllTextAsync(path, string.Concat(lines[..4].Select(l => l + "\n")), ct);
        error = await Assert.ThrowsAsync<DataDamagedException>(() => run.GetJournalAsync(0, 100_000));
        Assert.Equal($"the journal of run '{id}' ({path}) has 4 whole lines, but the run wrote {lines.Length}: it was cut short or removed", error.Message);
        Assert.Equal(lines[..4], (await run.GetJournalAsync(0, 4)).Select(l => l.ToString()));

        File.Delete(path);
        error = await Assert.ThrowsAsync<DataDamagedException>(() => run.GetJournalAsync(0, 100_000));
        Assert.Equal($"the journal of run '{id}' ({path}) has 0 whole lines, but the run wrote {lines.Length}: it was cut short or removed", error.Message);
        error = await Assert.ThrowsAsync<DataDamagedException>(() => run.GetJournalDigestAsync());
        Assert.StartsWith($"the journal of run '{id}' ({path}) is not the one the run wrote: it has 0 lines (", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_Outage_ActivatesOneGrainPerNodeThatHadWork()
    {
        var scenario = Paced();
        var reference = new ReferenceEngine(scenario);
        reference.Run();
        var runId = Runs.NewId("count");
        var run = fixture.Client.GetGrain<IRunGrain>(runId);
        await run.StartAsync(scenario, new RunOptions(0, []));
        await Runs.WaitAsync(run);

        var stats = await fixture.Client.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken);
        var keys = stats.Where(s => s.GrainId.Type.ToString() == "bulwark.run-node")
            .Select(s => s.GrainId.Key.ToString()!).Where(k => k.StartsWith(runId + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        // The outage touches sub-1 and, through the cascade, c2 and ws.
        Assert.Equal(3, reference.NodesTouched);
        Assert.Equal([$"{runId}/A/mil/c2", $"{runId}/A/mil/ws", $"{runId}/A/power/sub-1"], keys);
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
        Assert.True(keys.Count < scenario.Topology.AllNodes.Count(), "nodes without events are never activated");

        // The ended run released its entities: idle collection takes them like any other grain.
        var management = fixture.Client.GetGrain<IManagementGrain>(0);
        await management.ForceActivationCollection(TimeSpan.Zero, TestContext.Current.CancellationToken);
        var left = (await management.GetDetailedGrainStatistics(null, null, TestContext.Current.CancellationToken))
            .Count(s => s.GrainId.Key.ToString()!.StartsWith(runId + "/", StringComparison.Ordinal));
        Assert.Equal(0, left);
    }
}
