using System.Collections.Immutable;
using Orleans.Concurrency;

namespace Bulwark;

/// <summary>How to run an exercise.</summary>
/// <param name="Pace">Virtual seconds per real second (60 = one virtual hour per real minute); 0 = full speed.</param>
/// <param name="HandInjects">Hand injects to replay at their ticks (from an earlier run's journal).</param>
[GenerateSerializer, Immutable, Alias("bulwark.run-options")]
public sealed record RunOptions(double Pace, ImmutableArray<HandInject> HandInjects);

/// <summary>
/// The controller of one exercise run: drives virtual time, calls each entity once per tick with
/// its events, writes the journal and keeps the metrics. Key: the run id (also its world).
/// </summary>
[Alias("bulwark.run")]
public interface IRunGrain : IGrainWithStringKey
{
    /// <summary>Starts the run; fails if this run id has been used.</summary>
    [Alias("start")]
    Task<RunInfo> StartAsync(ScenarioDefinition scenario, RunOptions options);

    /// <summary>Progress; <see cref="UnknownScopeException"/> for a run that was never started.</summary>
    [Alias("info"), AlwaysInterleave]
    Task<RunInfo> GetInfoAsync();

    /// <summary>Stops virtual time; pending injects keep their virtual times.</summary>
    [Alias("pause")]
    Task<RunInfo> PauseAsync();

    /// <summary>Resumes virtual time where it stood, without catching up.</summary>
    [Alias("resume")]
    Task<RunInfo> ResumeAsync();

    /// <summary>Ends the run now; its report covers what has happened.</summary>
    [Alias("stop")]
    Task<RunInfo> StopAsync();

    /// <summary>
    /// Injects by hand, <paramref name="after"/> from now in virtual time (at least the next tick;
    /// a whole number of ticks); returns the tick it fires at.
    /// </summary>
    [Alias("inject")]
    Task<long> InjectAsync(InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters, TimeSpan after);

    /// <summary>
    /// Injects by hand at virtual time <paramref name="at"/> from the start of the exercise (a whole
    /// number of ticks, not yet passed, before the end), as an MSEL line gives it; returns its tick.
    /// </summary>
    [Alias("inject-at")]
    Task<long> InjectAtAsync(InjectKind kind, string target, ImmutableSortedDictionary<string, string> parameters, TimeSpan at);

    /// <summary>The report so far (final once the run has completed or stopped).</summary>
    [Alias("report")]
    Task<RunReport> GetReportAsync();

    /// <summary>Journal lines from <paramref name="from"/> (0-based), at most <paramref name="count"/>.</summary>
    [Alias("journal")]
    Task<ImmutableArray<JournalEntry>> GetJournalAsync(long from, int count);

    /// <summary>
    /// The journal's lines and SHA-256 as its store holds them (<c>sha256:&lt;hex&gt;</c> of the canonical
    /// lines), checked against what the run recorded; <see cref="DataDamagedException"/> when they differ.
    /// </summary>
    [Alias("journal-digest")]
    Task<JournalDigest> GetJournalDigestAsync();

    /// <summary>The hand injects so far, with the ticks they fire at.</summary>
    [Alias("hand-injects")]
    Task<ImmutableArray<HandInject>> GetHandInjectsAsync();
}

/// <summary>A journal as stored: how many lines, and the SHA-256 of their canonical text.</summary>
/// <param name="Lines">Lines.</param>
/// <param name="Hash"><c>sha256:&lt;hex&gt;</c>.</param>
[GenerateSerializer, Immutable, Alias("bulwark.journal-digest")]
public sealed record JournalDigest(long Lines, string Hash);

/// <summary>The list of runs this cluster has started. Key: <c>runs</c>.</summary>
[Alias("bulwark.runs")]
public interface IRunRegistryGrain : IGrainWithStringKey
{
    /// <summary>Records a run as it starts, and again as it ends (completed, stopped or failed), with its progress then.</summary>
    [Alias("record")]
    Task RecordAsync(RunInfo info);

    /// <summary>Every run id, oldest first.</summary>
    [Alias("list"), ReadOnly]
    Task<ImmutableArray<string>> ListAsync();

    /// <summary>
    /// The runs <paramref name="query"/> asks for, oldest first: a run still going (running or paused) as it
    /// stands now, an ended one as it ended. Only runs still going are asked; ended ones are not activated.
    /// </summary>
    [Alias("query")]
    Task<ImmutableArray<RunInfo>> QueryAsync(RunQuery query);
}

/// <summary>Which runs <see cref="IRunRegistryGrain.QueryAsync"/> lists.</summary>
/// <param name="States">Only runs in these states; empty: every state.</param>
/// <param name="Last">Only the newest this many of those; 0: all of them.</param>
[GenerateSerializer, Immutable, Alias("bulwark.run-query")]
public sealed record RunQuery(ImmutableArray<RunState> States, int Last)
{
    /// <summary>Every run.</summary>
    public static RunQuery All { get; } = new([], 0);
}

/// <summary>One entity (node, segment or domain) of a run. Key: <c>run/entity</c>.</summary>
[Alias("bulwark.run-entity")]
public interface IRunEntityGrain : IGrainWithStringKey
{
    /// <summary>Applies one tick's events; <paramref name="setup"/> comes with the first call only.</summary>
    [Alias("apply")]
    Task<TickResult> ApplyAsync(long tick, ImmutableArray<SimEvent> events, object? setup);

    /// <summary>The run has ended: the entity may be collected like any idle grain from now on.</summary>
    [Alias("release")]
    Task ReleaseAsync();
}

/// <summary>A node of a run. Key: <c>run/DOM/seg/node</c>.</summary>
[Alias("bulwark.run-node")]
public interface IRunNodeGrain : IRunEntityGrain;

/// <summary>A segment of a run. Key: <c>run/DOM/seg</c>.</summary>
[Alias("bulwark.run-segment")]
public interface IRunSegmentGrain : IRunEntityGrain;

/// <summary>A domain of a run. Key: <c>run/DOM</c>.</summary>
[Alias("bulwark.run-domain")]
public interface IRunDomainGrain : IRunEntityGrain;
