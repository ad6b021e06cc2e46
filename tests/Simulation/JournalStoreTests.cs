using System.Collections.Immutable;
using Bulwark.Grains.Exercise;
using Bulwark.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Serialization;

namespace Bulwark.Tests.Simulation;

public sealed class JournalStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bulwark-journal-");

    private static readonly Serializer<RunOutcome> OutcomeSerializer =
        new ServiceCollection().AddSerializer().BuildServiceProvider().GetRequiredService<Serializer<RunOutcome>>();

    public void Dispose() => _directory.Delete(recursive: true);

    /// <summary>A store on the test's directory; each is new, as after a restart of the silo.</summary>
    private FileJournalStore Store() => new(Options.Create(new JournalOptions { DataDirectory = _directory.FullName }), OutcomeSerializer);

    private static List<JournalEntry> Lines(int count) => [.. Enumerable.Range(0, count)
        .Select(i => new JournalEntry(i / 7, $"EST/seg-{i % 13}/n-{i}", i % 3 == 0 ? "status" : "spread", i % 5 == 0 ? "" : $"détail {i} ümlaut"))];

    [Fact]
    public async Task ReadAsync_PagesAcrossIndexCheckpoints_ReturnExactLines()
    {
        var store = Store();
        var lines = Lines(10_000);
        // Appended in uneven chunks, as ticks produce them.
        for (var start = 0; start < lines.Count; start += 997)
        {
            await store.AppendAsync("run-a", lines.Skip(start).Take(997).ToList(), TestContext.Current.CancellationToken);
        }

        foreach (var (from, count) in new[] { (0, 5), (4_095, 3), (4_096, 1), (8_190, 10), (9_998, 10) })
        {
            var page = await store.ReadAsync("run-a", from, count, TestContext.Current.CancellationToken);
            Assert.Equal(lines.Skip(from).Take(count), page);
        }
        Assert.Empty(await store.ReadAsync("run-a", 10_000, 10, TestContext.Current.CancellationToken));
        Assert.Empty(await store.ReadAsync("run-unknown", 0, 10, TestContext.Current.CancellationToken));
        Assert.Equal(string.Join("", lines.Select(l => l + "\n")), await File.ReadAllTextAsync(store.PathOf("run-a"), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task ReadAsync_JournalWrittenBeforeTheStoreWasMade_IsIndexedOnFirstUseAndAppendedTo()
    {
        var lines = Lines(10_000);
        await Store().AppendAsync("run-b", lines[..9_000], TestContext.Current.CancellationToken);

        var later = Store();
        Assert.True(await later.ExistsAsync("run-b", TestContext.Current.CancellationToken));
        Assert.False(await later.ExistsAsync("run-c", TestContext.Current.CancellationToken));
        await later.AppendAsync("run-b", lines[9_000..], TestContext.Current.CancellationToken);
        foreach (var (from, count) in new[] { (0, 2), (4_095, 3), (8_191, 2), (8_999, 2), (9_995, 10) })
        {
            var page = await later.ReadAsync("run-b", from, count, TestContext.Current.CancellationToken);
            Assert.Equal(lines.Skip(from).Take(count), page);
        }
        Assert.Equal(lines, await Store().ReadAsync("run-b", 0, 20_000, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Outcomes_SavedByOneStore_ReadAndListedByTheNextOldestFirst()
    {
        var store = Store();
        var report = Runs.OnReference(TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(4), TimeSpan.FromMinutes(1),
            [TestScenarios.Inject("outage", TimeSpan.FromHours(1), "A/power/sub-1", InjectKind.PowerOutage, ("duration", "1h"))])).Report;
        var hand = new HandInject(30, InjectKind.Isolate, "A/mil/c2", ImmutableSortedDictionary<string, string>.Empty);
        var info = new RunInfo("run-x", "outage", null, RunState.Completed, 240, 240, TimeSpan.FromMinutes(1), report.Events, report.JournalLines, 0, null);
        await store.SaveOutcomeAsync("run-x", new RunOutcome(info, report, [hand]), TestContext.Current.CancellationToken);
        await store.SaveOutcomeAsync("run-a", new RunOutcome(info with { RunId = "run-a", State = RunState.Stopped, Message = "why" }, report, []),
            TestContext.Current.CancellationToken);
        File.SetLastWriteTimeUtc(Path.Combine(_directory.FullName, "runs", "run-a.outcome"), DateTime.UtcNow.AddMinutes(1));

        var later = Store();
        var read = await later.ReadOutcomeAsync("run-x", TestContext.Current.CancellationToken);
        Assert.NotNull(read);
        Assert.Equal(info, read.Info);
        Assert.Equal([(30L, InjectKind.Isolate, "A/mil/c2", 0)], read.HandInjects.Select(h => (h.Tick, h.Kind, h.Target, h.Parameters.Count)));
        Assert.Equal((report.JournalHash, report.Events, report.Alliance.ResilienceLossHours), (read.Report.JournalHash, read.Report.Events, read.Report.Alliance.ResilienceLossHours));
        Assert.Equal(report.Domains.Select(d => (d.Scope, d.MinCapability)), read.Report.Domains.Select(d => (d.Scope, d.MinCapability)));
        Assert.Null(await later.ReadOutcomeAsync("run-y", TestContext.Current.CancellationToken));
        Assert.True(await later.ExistsAsync("run-a", TestContext.Current.CancellationToken));
        Assert.Equal(["run-x", "run-a"], await later.ListRunsAsync(TestContext.Current.CancellationToken));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory.FullName, "runs"), "*.partial"));
    }

    [Fact]
    public async Task Read_LastLineCutOrALineGarbled_ServesWholeLinesOrSaysWhichLine()
    {
        var ct = TestContext.Current.CancellationToken;
        var lines = Lines(3);
        await Store().AppendAsync("run-t", lines, ct);
        var path = Path.Combine(_directory.FullName, "runs", "run-t.journal");
        // A crash cut the last line short: it has no line feed.
        await File.AppendAllTextAsync(path, "3 EST/seg-3/n", ct);

        Assert.Equal(lines, await Store().ReadAsync("run-t", 0, 100, ct));

        await File.AppendAllTextAsync(path, "\ngarbled\n", ct);
        var error = await Assert.ThrowsAsync<DataDamagedException>(() => Store().ReadAsync("run-t", 0, 100, ct));
        Assert.Equal($"line 4 of the journal {path} is not a journal line: '3 EST/seg-3/n'", error.Message);
    }

    /// <summary>A run as it starts: 'quiet', variant v, 3 days of 1-minute ticks, at 60x.</summary>
    private static RunInfo Started(string id) => new(id, "quiet", "v", RunState.Running, 0, 4320, TimeSpan.FromMinutes(1), 0, 0, 60, null);

    [Fact]
    public async Task Started_WhatTheRunWasIsReadBack_AStartFileFromBeforeGivesNothing()
    {
        var ct = TestContext.Current.CancellationToken;
        var store = Store();
        await store.MarkStartedAsync("run-s", Started("run-s"), ct);
        await store.MarkEndedAsync("run-s", ct);

        Assert.Equal(Started("run-s"), await Store().ReadStartAsync("run-s", ct));
        // A start file that holds only the time, as before it held the run: nothing is made up.
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "runs", "run-old.started"), "2026-11-27T10:00:00.0000000Z", ct);
        Assert.Null(await Store().ReadStartAsync("run-old", ct));
        Assert.Null(await Store().ReadStartAsync("run-none", ct));
    }

    [Fact]
    public async Task Started_HeldAsGoingUntilEnded_ForAnotherStoreOnTheSameDirectory()
    {
        var ct = TestContext.Current.CancellationToken;
        var going = Store();
        var other = Store();
        await going.MarkStartedAsync("run-g", Started("run-g"), ct);

        Assert.Equal((false, true), (going.IsGoingElsewhere("run-g"), other.IsGoingElsewhere("run-g")));

        await going.MarkEndedAsync("run-g", ct);
        Assert.Equal((false, false), (going.IsGoingElsewhere("run-g"), other.IsGoingElsewhere("run-g")));
        Assert.False(File.Exists(Path.Combine(_directory.FullName, "runs", "run-g.lock")));
        // A lock file nobody holds (its process died): not going.
        await File.WriteAllTextAsync(Path.Combine(_directory.FullName, "runs", "run-k.lock"), "", ct);
        Assert.False(other.IsGoingElsewhere("run-k"));
    }

    /// <summary>A clock that says what it is told.</summary>
    private sealed class SetClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task Outcomes_DirectoryCopiedWithoutItsFileTimes_StillListedInStartOrder()
    {
        var cancellation = TestContext.Current.CancellationToken;
        var clock = new SetClock(new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero));
        var store = new FileJournalStore(Options.Create(new JournalOptions { DataDirectory = _directory.FullName }), OutcomeSerializer, clock);
        var report = Runs.OnReference(TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), [])).Report;
        var info = new RunInfo("run-b", "quiet", null, RunState.Completed, 60, 60, TimeSpan.FromMinutes(1), 0, 0, 0, null);
        foreach (var id in new[] { "run-b", "run-c", "run-a" })
        {
            await store.MarkStartedAsync(id, Started(id), cancellation);
            clock.Now += TimeSpan.FromMilliseconds(1);
            await store.SaveOutcomeAsync(id, new RunOutcome(info with { RunId = id }, report, []), cancellation);
        }
        // As a copy without -p leaves them: every file's time is the copy's, in no useful order.
        var runs = Path.Combine(_directory.FullName, "runs");
        foreach (var (file, minutes) in Directory.GetFiles(runs).Order(StringComparer.Ordinal).Select((f, i) => (f, i)))
        {
            File.SetLastWriteTimeUtc(file, DateTime.UtcNow.AddMinutes(-minutes));
        }

        Assert.Equal("2026-11-27T10:00:00.0000000Z", (await File.ReadAllLinesAsync(Path.Combine(runs, "run-b.started"), cancellation))[0]);
        Assert.Equal(["run-b", "run-c", "run-a"], await Store().ListRunsAsync(cancellation));
    }

    [Fact]
    public async Task Outcomes_OfRunsMarkedStarted_ListedInStartOrderNotEndOrder()
    {
        var store = Store();
        var cancellation = TestContext.Current.CancellationToken;
        var report = Runs.OnReference(TestScenarios.Build(TestTopologies.Parse(TestTopologies.CrossDomain), TimeSpan.FromHours(1), TimeSpan.FromMinutes(1), [])).Report;
        var info = new RunInfo("run-first", "quiet", null, RunState.Completed, 60, 60, TimeSpan.FromMinutes(1), 0, 0, 0, null);
        await store.MarkStartedAsync("run-first", Started("run-first"), cancellation);
        await store.MarkStartedAsync("run-second", Started("run-second"), cancellation);
        var runs = Path.Combine(_directory.FullName, "runs");
        File.SetLastWriteTimeUtc(Path.Combine(runs, "run-first.started"), DateTime.UtcNow.AddMinutes(-2));
        File.SetLastWriteTimeUtc(Path.Combine(runs, "run-second.started"), DateTime.UtcNow.AddMinutes(-1));
        // The second ends first; an old run from before starts were marked ends last.
        await store.SaveOutcomeAsync("run-second", new RunOutcome(info with { RunId = "run-second" }, report, []), cancellation);
        await store.SaveOutcomeAsync("run-first", new RunOutcome(info, report, []), cancellation);
        await store.SaveOutcomeAsync("run-old", new RunOutcome(info with { RunId = "run-old" }, report, []), cancellation);
        File.SetLastWriteTimeUtc(Path.Combine(runs, "run-first.outcome"), DateTime.UtcNow.AddMinutes(1));

        Assert.True(await store.ExistsAsync("run-second", cancellation));
        Assert.Equal(["run-old", "run-first", "run-second"], await Store().ListRunsAsync(cancellation));
    }
}
