using System.Globalization;

namespace Bulwark.Client.Reports;

/// <summary>The terminal summary of a run, and of two runs side by side.</summary>
public static class ReportText
{
    public static string Hours(double hours) => hours.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Hours(double? hours) => hours is { } h ? Hours(h) : "-";

    private static string SignedHours(double? hours) => hours is { } h ? h.ToString("+0.00;-0.00;0.00", CultureInfo.InvariantCulture) : "-";

    /// <summary>
    /// Time to recover to 95 %: hours, <c>-</c> when Q never dropped below, <c>never</c> when it
    /// did not come back, <c>not yet</c> when it has not come back in a run still going.
    /// </summary>
    public static string T95(ScopeMetrics m, RunInfo run) =>
        m.TimeToRecover95Hours is { } h ? Hours(h) : m.Recovered95 ? "-" : Going(run) ? "not yet" : "never";

    /// <summary>The run is still going: running or paused.</summary>
    private static bool Going(RunInfo run) => run.State is RunState.Running or RunState.Paused;

    public static string Whole(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary><c>completed: 3d of virtual time (4,320 ticks of 1m)</c> or <c>stopped at 1d 04:20 of 3d</c>.</summary>
    public static string Extent(RunResult run) => run.Info.State == RunState.Completed
        ? $"completed: {Duration.Format(RunFormat.At(run.Report.Ticks, run.Report.Tick))} of virtual time ({RunFormat.Count(run.Report.Ticks)} ticks of {Duration.Format(run.Report.Tick)})"
        : $"{WireNames.Of(run.Info.State)} at {RunFormat.Position(run.Info)}" + (run.Info.Message is { } m ? $": {m}" : "");

    private static string Variant(RunReport r) => r.Variant is null ? "base scenario" : $"variant {r.Variant}";

    public static async Task WriteAsync(TextWriter w, RunResult run)
    {
        var r = run.Report;
        await w.WriteLineAsync($"scenario '{r.Scenario}', {Variant(r)}, seed {r.Seed}, {run.RunId}");
        await w.WriteLineAsync($"{Extent(run)}, {RunFormat.Count(r.Events, "event")}, {RunFormat.Count(r.JournalLines, "journal line")}");
        await w.WriteLineAsync($"journal {r.JournalHash}");
        await w.WriteLineAsync();
        await TextTable.WriteAsync(w, ["SCOPE", "LOSS (h)", "MIN Q", "FINAL Q", "T95 (h)", "MTTD (h)", "MTTC (h)", "MTTR (h)", "PEAK", "TOTAL", "CASCADE", "IND (h)"],
            Scopes(r).Select(m => (IReadOnlyList<string>)[m.Scope, Hours(m.ResilienceLossHours), TextTable.Number(m.MinCapability),
                TextTable.Number(m.FinalCapability), T95(m, run.Info), Hours(m.MttdHours), Hours(m.MttcHours), Hours(m.MttrHours),
                Whole(m.PeakCompromised), Whole(m.TotalCompromised), Whole(m.LongestCascade), Hours(m.IndicatorPropagationHours)]));
        await w.WriteLineAsync();
        if (r.Objectives.IsEmpty)
        {
            await w.WriteLineAsync("no objectives");
            return;
        }
        foreach (var o in r.Objectives)
        {
            await w.WriteLineAsync($"{o.Verdict}  {o.Id}  {o.Text}  ({o.Actual})");
        }
        await w.WriteLineAsync($"{r.Objectives.Count(o => o.Passed)} of {r.Objectives.Length} objectives passed"
            + (r.Objectives.Count(o => o.Pending) is > 0 and var pending ? $", {pending} pending" : ""));
    }

    public static IEnumerable<ScopeMetrics> Scopes(RunReport r) => r.Domains.Prepend(r.Alliance);

    public static async Task WriteComparisonAsync(TextWriter w, RunResult a, RunResult b)
    {
        var d = Differences.Of(a.Report, b.Report);
        await w.WriteLineAsync($"scenario '{a.Report.Scenario}', seed {a.Report.Seed}: A = {a.Label} ({a.RunId}), B = {b.Label} ({b.RunId})");
        foreach (var (name, run) in new[] { ("A", a), ("B", b) })
        {
            await w.WriteLineAsync($"{name}: {Extent(run)}, {RunFormat.Count(run.Report.Events, "event")}, {RunFormat.Count(run.Report.JournalLines, "journal line")}, {run.Report.JournalHash}");
        }
        await w.WriteLineAsync();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var delta in d.Domains.Prepend(d.Alliance))
        {
            var ma = Find(a.Report, delta.Scope);
            var mb = Find(b.Report, delta.Scope);
            rows.Add([delta.Scope,
                ma is null ? "-" : Hours(ma.ResilienceLossHours), mb is null ? "-" : Hours(mb.ResilienceLossHours), SignedHours(delta.ResilienceLoss),
                ma is null ? "-" : TextTable.Number(ma.MinCapability), mb is null ? "-" : TextTable.Number(mb.MinCapability),
                ma is null ? "-" : T95(ma, a.Info), mb is null ? "-" : T95(mb, b.Info),
                Hours(ma?.MttdHours), Hours(mb?.MttdHours),
                ma is null ? "-" : Whole(ma.TotalCompromised), mb is null ? "-" : Whole(mb.TotalCompromised)]);
        }
        await TextTable.WriteAsync(w, ["SCOPE", "LOSS A (h)", "LOSS B (h)", "DIFF (h)", "MIN Q A", "MIN Q B", "T95 A", "T95 B", "MTTD A", "MTTD B", "TOTAL A", "TOTAL B"], rows);
        await w.WriteLineAsync();
        if (d.Objectives.Count > 0)
        {
            await w.WriteLineAsync("A     B");
            foreach (var o in d.Objectives)
            {
                var actualA = a.Report.Objectives.FirstOrDefault(x => x.Id == o.Id)?.Actual ?? "-";
                var actualB = b.Report.Objectives.FirstOrDefault(x => x.Id == o.Id)?.Actual ?? "-";
                await w.WriteLineAsync($"{Verdict(o.Baseline)}  {Verdict(o.Variant)}  {o.Id}  {o.Text}  (A: {actualA}; B: {actualB})");
            }
            await w.WriteLineAsync($"A passed {a.Report.Objectives.Count(o => o.Passed)} of {a.Report.Objectives.Length} objectives, B {b.Report.Objectives.Count(o => o.Passed)} of {b.Report.Objectives.Length}");
            await w.WriteLineAsync();
        }
        await w.WriteLineAsync(Verdict(a, b, d));
    }

    /// <summary>
    /// <c>what no-sharing costs against base: 12.340 h of capability (alliance resilience loss 4.100 h -> 16.440 h)</c>,
    /// to the thousandth of an hour, so that a small difference shows in the losses too.
    /// </summary>
    public static string Verdict(RunResult a, RunResult b, Differences d)
    {
        static string Hours(double hours) => hours.ToString("0.000", CultureInfo.InvariantCulture);
        var losses = $"(alliance resilience loss {Hours(a.Report.Alliance.ResilienceLossHours)} h -> {Hours(b.Report.Alliance.ResilienceLossHours)} h)";
        var verb = d.CapabilityHours switch
        {
            > 0 => "costs",
            < 0 => "saves",
            _ => null,
        };
        return verb is null
            ? $"{b.Label} makes no difference to alliance capability {losses}"
            : $"what {b.Label} {verb} against {a.Label}: {Hours(Math.Abs(d.CapabilityHours))} h of capability {losses}";
    }

    private static string Verdict(bool? passed) => passed switch
    {
        true => "PASS",
        false => "FAIL",
        null => "-   ",
    };

    public static ScopeMetrics? Find(RunReport r, string scope) =>
        scope == "alliance" ? r.Alliance : r.Domains.FirstOrDefault(m => m.Scope == scope);
}
