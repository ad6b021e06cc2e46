using System.Globalization;
using System.Text.Json.Nodes;

namespace Bulwark.Client.Reports;

/// <summary>A finished (or stopped) run as the CLI shows it: its id, its last progress and its report.</summary>
public sealed record RunResult(string RunId, RunInfo Info, RunReport Report)
{
    /// <summary><c>base</c> or the variant's name.</summary>
    public string Label => Report.Variant ?? "base";
}

/// <summary>Virtual times, progress lines and the JSON of a run's progress.</summary>
public static class RunFormat
{
    /// <summary>A virtual time as controllers read it: <c>05:30</c>, <c>1d 04:20</c>, <c>00:00:30</c> when seconds matter.</summary>
    public static string VirtualTime(TimeSpan time)
    {
        var clock = time.Seconds == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{time.Hours:00}:{time.Minutes:00}")
            : string.Create(CultureInfo.InvariantCulture, $"{time.Hours:00}:{time.Minutes:00}:{time.Seconds:00}");
        return time.Days > 0 ? string.Create(CultureInfo.InvariantCulture, $"{time.Days}d {clock}") : clock;
    }

    /// <summary>The virtual time of <paramref name="tick"/>.</summary>
    public static TimeSpan At(long tick, TimeSpan tickLength) => TimeSpan.FromTicks(tick * tickLength.Ticks);

    /// <summary>Ticks done: all of them once the run has completed (idle ticks at the end are skipped, not processed).</summary>
    public static long Done(RunInfo info) => info.State == RunState.Completed ? info.Ticks : Math.Min(info.Tick, info.Ticks);

    public static double Progress(RunInfo info) => info.Ticks == 0 ? 1.0 : (double)Done(info) / info.Ticks;

    /// <summary><c>1d 04:20 / 3d</c>; <c>unknown</c> for a run whose place is not known.</summary>
    public static string Position(RunInfo info) => info.IsPlaceUnknown
        ? "unknown"
        : $"{VirtualTime(At(Done(info), info.TickLength))} / {Duration.Format(At(info.Ticks, info.TickLength))}";

    public static string Percent(double fraction) => string.Create(CultureInfo.InvariantCulture, $"{Math.Floor(fraction * 100):0}%");

    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A count with its noun: <c>1 event</c>, <c>2,000 events</c>, <c>1 dependency</c>.</summary>
    public static string Count(long value, string noun) =>
        Count(value) + " " + (value == 1 ? noun : noun.EndsWith('y') ? noun[..^1] + "ies" : noun + "s");

    public static string Pace(double pace) => pace == 0 ? "full speed" : string.Create(CultureInfo.InvariantCulture, $"pace {pace:0.###}x");

    /// <summary>One line about a run: id, scenario, state, position, events.</summary>
    public static string InfoLine(RunInfo info)
    {
        var variant = info.Variant is null ? "" : $" (variant {info.Variant})";
        // Why it failed, or why it stopped without a controller's stop.
        var why = info.Message is not null ? $": {info.Message}" : "";
        if (info.IsPlaceUnknown)
        {
            return $"{info.RunId}  {WireNames.Of(info.State)}{why}";
        }
        var events = info.Events == RunInfo.EventsNotKnown ? "events not known" : Count(info.Events, "event");
        return $"{info.RunId}  '{info.Scenario}'{variant}  {WireNames.Of(info.State)}{why}  {Position(info)} ({Percent(Progress(info))})"
            + $"  {events}  {Count(info.JournalLines, "journal line")}  {Pace(info.Pace)}";
    }

    /// <summary>One run's <see cref="InfoJson"/>, or several as <c>{"runs":[…]}</c>.</summary>
    public static JsonObject InfosJson(IReadOnlyList<RunInfo> infos) => infos.Count == 1
        ? InfoJson(infos[0])
        : new JsonObject { ["runs"] = new JsonArray([.. infos.Select(i => (JsonNode)InfoJson(i))]) };

    /// <summary>A run as JSON; what is not known of it (<see cref="RunInfo.IsPlaceUnknown"/>, <see cref="RunInfo.EventsNotKnown"/>) is null.</summary>
    public static JsonObject InfoJson(RunInfo info) => new()
    {
        ["runId"] = info.RunId,
        ["scenario"] = info.IsPlaceUnknown ? null : info.Scenario,
        ["variant"] = info.Variant,
        ["state"] = WireNames.Of(info.State),
        ["tick"] = info.IsPlaceUnknown ? null : Done(info),
        ["ticks"] = info.IsPlaceUnknown ? null : info.Ticks,
        ["tickLength"] = info.IsPlaceUnknown ? null : Duration.Format(info.TickLength),
        ["virtualTime"] = info.IsPlaceUnknown ? null : VirtualTime(At(Done(info), info.TickLength)),
        ["duration"] = info.IsPlaceUnknown ? null : Duration.Format(At(info.Ticks, info.TickLength)),
        ["progress"] = info.IsPlaceUnknown ? null : Progress(info),
        ["events"] = info.IsPlaceUnknown || info.Events == RunInfo.EventsNotKnown ? null : info.Events,
        ["journalLines"] = info.JournalLines,
        ["pace"] = info.Pace,
        ["message"] = info.Message,
    };

    public static IReadOnlyList<string> InfoHeader { get; } = ["RUN", "SCENARIO", "VARIANT", "STATE", "PROGRESS", "EVENTS"];

    /// <summary>A run's row in a table; a run that ended without a stop (its silo went) says so with its state, its reason left to run-status.</summary>
    public static IReadOnlyList<string> InfoRow(RunInfo info) => info.IsPlaceUnknown
        ? [info.RunId, "?", "-", WireNames.Of(info.State), "unknown", "?"]
        : [info.RunId, info.Scenario, info.Variant ?? "-", WireNames.Of(info.State), $"{Position(info)} ({Percent(Progress(info))})",
            info.Events == RunInfo.EventsNotKnown ? "?" : Count(info.Events)];

    /// <summary>True once the run will not advance again.</summary>
    public static bool IsOver(RunState state) => state is RunState.Completed or RunState.Stopped or RunState.Failed;
}
