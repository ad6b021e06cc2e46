using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using System.Text;

namespace Bulwark.Client.Reports;

/// <summary>
/// A run's report (or two runs compared) as one self-contained HTML page: inline CSS, charts
/// drawn here as inline SVG, no scripts, fonts or anything fetched from elsewhere — it opens the
/// same on an air-gapped exercise network.
/// </summary>
public static class HtmlReport
{
    private const int ChartWidth = 720;
    private const int ChartHeight = 170;
    private const int Left = 44;
    private const int Right = 16;
    private const int Top = 12;
    private const int Bottom = 30;
    private static readonly string[] Colours = ["#1f5fa8", "#c2410c"];

    private const string Style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;margin:24px auto;max-width:1100px;padding:0 16px}
        h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
        h3{font-size:14px;margin:14px 0 2px}
        .meta{color:#57606a;margin:2px 0}.meta code{color:#1b1f24}
        table{border-collapse:collapse;margin:6px 0}th,td{padding:3px 9px;border-bottom:1px solid #eaeef2;text-align:right;white-space:nowrap}
        th{background:#f6f8fa;font-weight:600}td:first-child,th:first-child{text-align:left}
        td.text{text-align:left;white-space:normal}
        .pass{background:#dafbe1;color:#116329;font-weight:600;text-align:center}.fail{background:#ffebe9;color:#a40e26;font-weight:600;text-align:center}
        .worse{color:#a40e26}.better{color:#116329}
        .legend span{display:inline-block;width:14px;height:3px;vertical-align:middle;margin:0 4px 0 12px}
        svg{display:block;margin:2px 0 10px}svg text{font:11px system-ui,sans-serif;fill:#57606a}
        .timeline td{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}
        """;

    /// <summary>The page for one run.</summary>
    public static string Of(RunResult run)
    {
        var r = run.Report;
        var html = new Html();
        html.Begin($"{r.Scenario} — {run.RunId}");
        html.Add("<h1>").Text(r.Scenario).Add("</h1>\n");
        Meta(html, run);
        html.Add("<h2>Summary</h2>\n");
        SummaryTable(html, run);
        html.Add("<h2>Objectives</h2>\n");
        Objectives(html, r);
        html.Add("<h2>Capability over time</h2>\n");
        foreach (var scope in ReportText.Scopes(r))
        {
            html.Add("<h3>").Text(scope.Scope).Add("</h3>\n");
            Chart(html, [(run.Label, scope.Series)], r.Ticks, r.Tick);
        }
        html.Add("<h2>Timeline</h2>\n");
        Timeline(html, r);
        return html.End();
    }

    /// <summary>The page comparing run <paramref name="b"/> with run <paramref name="a"/>.</summary>
    public static string Comparison(RunResult a, RunResult b)
    {
        var d = Differences.Of(a.Report, b.Report);
        var html = new Html();
        html.Begin($"{a.Report.Scenario} — {a.Label} vs {b.Label}");
        html.Add("<h1>").Text(a.Report.Scenario).Add(": ").Text(a.Label).Add(" vs ").Text(b.Label).Add("</h1>\n");
        foreach (var run in new[] { a, b })
        {
            html.Add("<h3>").Text(run.Label).Add("</h3>\n");
            Meta(html, run);
        }
        html.Add("<p><strong>").Text(ReportText.Verdict(a, b, d)).Add("</strong></p>\n");

        html.Add("<h2>Differences (").Text(b.Label).Add(" − ").Text(a.Label).Add(")</h2>\n<table><tr>");
        foreach (var h in new[] { "Scope", "Loss A (h)", "Loss B (h)", "Δ loss (h)", "Δ min Q", "Δ final Q", "Δ T95 (h)", "Δ MTTD (h)", "Δ MTTC (h)", "Δ MTTR (h)", "Δ peak", "Δ total", "Δ cascade" })
        {
            html.Add("<th>").Text(h).Add("</th>");
        }
        html.Add("</tr>\n");
        foreach (var delta in d.Domains.Prepend(d.Alliance))
        {
            var ma = ReportText.Find(a.Report, delta.Scope);
            var mb = ReportText.Find(b.Report, delta.Scope);
            html.Add("<tr><td>").Text(delta.Scope).Add("</td>");
            html.Cell(ma is null ? "-" : ReportText.Hours(ma.ResilienceLossHours)).Cell(mb is null ? "-" : ReportText.Hours(mb.ResilienceLossHours));
            html.Delta(delta.ResilienceLoss, "0.00", higherIsWorse: true).Delta(delta.MinCapability, "0.000", higherIsWorse: false)
                .Delta(delta.FinalCapability, "0.000", higherIsWorse: false).Delta(delta.TimeToRecover95, "0.00", higherIsWorse: true)
                .Delta(delta.Mttd, "0.00", higherIsWorse: true).Delta(delta.Mttc, "0.00", higherIsWorse: true).Delta(delta.Mttr, "0.00", higherIsWorse: true)
                .Delta(delta.PeakCompromised, "0", higherIsWorse: true).Delta(delta.TotalCompromised, "0", higherIsWorse: true)
                .Delta(delta.LongestCascade, "0", higherIsWorse: true);
            html.Add("</tr>\n");
        }
        html.Add("</table>\n");

        foreach (var run in new[] { a, b })
        {
            html.Add("<h2>Summary: ").Text(run.Label).Add("</h2>\n");
            SummaryTable(html, run);
        }

        html.Add("<h2>Objectives</h2>\n<table><tr><th>").Text(a.Label).Add("</th><th>").Text(b.Label).Add("</th><th>Objective</th><th>Check</th><th>")
            .Text(a.Label).Add("</th><th>").Text(b.Label).Add("</th></tr>\n");
        foreach (var o in d.Objectives)
        {
            html.Add("<tr>").Verdict(o.Baseline).Verdict(o.Variant).Add("<td class=\"text\">").Text(o.Id).Add("</td><td class=\"text\">").Text(o.Text).Add("</td>");
            html.Add("<td class=\"text\">").Text(a.Report.Objectives.FirstOrDefault(x => x.Id == o.Id)?.Actual ?? "-").Add("</td>");
            html.Add("<td class=\"text\">").Text(b.Report.Objectives.FirstOrDefault(x => x.Id == o.Id)?.Actual ?? "-").Add("</td></tr>\n");
        }
        html.Add("</table>\n");

        html.Add("<h2>Capability over time</h2>\n<p class=\"legend\">");
        for (var i = 0; i < 2; i++)
        {
            html.Add($"<span style=\"background:{Colours[i]}\"></span>").Text(i == 0 ? a.Label : b.Label);
        }
        html.Add("</p>\n");
        var ticks = Math.Max(a.Report.Ticks, b.Report.Ticks);
        foreach (var delta in d.Domains.Prepend(d.Alliance))
        {
            html.Add("<h3>").Text(delta.Scope).Add("</h3>\n");
            Chart(html, [(a.Label, ReportText.Find(a.Report, delta.Scope)?.Series ?? []), (b.Label, ReportText.Find(b.Report, delta.Scope)?.Series ?? [])],
                ticks, a.Report.Tick);
        }

        foreach (var run in new[] { a, b })
        {
            html.Add("<h2>Timeline: ").Text(run.Label).Add("</h2>\n");
            Timeline(html, run.Report);
        }
        return html.End();
    }

    /// <summary>
    /// The page of a sweep over seeds (<see cref="SeedSweep"/>): the verdict, each scope's spread, the objectives
    /// passed per seed, the alliance's loss seed by seed as a strip of dots, and every run.
    /// </summary>
    public static string Sweep(SeedSweep sweep)
    {
        var first = sweep.First;
        var a = sweep.Runs[0].A.Label;
        var b = sweep.Runs[0].B?.Label;
        var n = sweep.Runs.Count;
        var html = new Html();
        html.Begin($"{first.Scenario} — {RunFormat.Count(n, "seed")}");
        html.Add("<h1>").Text(first.Scenario).Add("</h1>\n");
        html.Add("<p class=\"meta\">").Text(b is null ? a == "base" ? "base scenario" : $"variant {a}" : $"A = {a}, B = {b}")
            .Text($" · {RunFormat.Count(n, "seed")}, {sweep.Runs[0].A.Report.Seed} to {sweep.Runs[^1].A.Report.Seed} · {RunFormat.Count(n * (b is null ? 1 : 2), "run")}")
            .Add("</p>\n");
        if (b is not null)
        {
            html.Add("<p><strong>").Text(SeedSweep.Verdict(sweep)).Add("</strong></p>\n");
        }

        html.Add("<h2>Resilience loss and minimum capability</h2>\n<p class=\"meta\">")
            .Text("Mean ± half-width of its 95 % confidence interval over the seeds (Student's t)"
                + (b is null ? "." : $"; Δ is {b} − {a}, seed by seed."))
            .Add("</p>\n<table><tr>");
        var headers = b is null
            ? new[] { "Scope", "Loss (h)", "Least", "Most", "Min Q", "Lowest" }
            : ["Scope", $"Loss {a} (h)", $"Loss {b} (h)", "Δ loss (h)", $"{b} worse", $"{b} better", $"Min Q {a}", $"Min Q {b}"];
        foreach (var h in headers)
        {
            html.Add("<th>").Text(h).Add("</th>");
        }
        html.Add("</tr>\n");
        foreach (var (scope, loss, minCapability, variant) in sweep.Scopes.Select(sweep.SpreadOf))
        {
            html.Add("<tr><td>").Text(scope).Add("</td>");
            if (variant is null)
            {
                html.Cell(loss.Text("0.00")).Cell(ReportText.Hours(loss.Min)).Cell(ReportText.Hours(loss.Max)).Cell(minCapability.Text("0.000")).Cell(TextTable.Number(minCapability.Min));
            }
            else
            {
                html.Cell(loss.Text("0.00")).Cell(variant.Loss.Text("0.00"));
                // Coloured only when the interval leaves 0 out: a clear effect.
                var delta = variant.Difference;
                var css = delta.Count == 0 || delta.HoldsZero ? "" : delta.Mean > 0 ? " class=\"worse\"" : " class=\"better\"";
                html.Add($"<td{css}>").Text(delta.Text("+0.00;-0.00;0.00")).Add("</td>");
                html.Cell(RunFormat.Count(variant.Worse)).Cell(RunFormat.Count(variant.Better))
                    .Cell(minCapability.Text("0.000")).Cell(variant.MinCapability.Text("0.000"));
            }
            html.Add("</tr>\n");
        }
        html.Add("</table>\n");

        html.Add("<h2>Objectives: seeds that passed</h2>\n<table><tr>");
        foreach (var h in b is null ? new[] { "Passed", "Objective", "Check" } : [a, b, "Objective", "Check"])
        {
            html.Add("<th>").Text(h).Add("</th>");
        }
        html.Add("</tr>\n");
        foreach (var (id, text) in sweep.Objectives)
        {
            html.Add("<tr>");
            foreach (var variant in b is null ? new[] { false } : [false, true])
            {
                html.Cell(sweep.Passed(id, variant) is { } passed ? $"{RunFormat.Count(passed)} of {RunFormat.Count(n)}" : "-");
            }
            html.Add("<td class=\"text\">").Text(id).Add("</td><td class=\"text\">").Text(text).Add("</td></tr>\n");
        }
        html.Add("</table>\n");

        html.Add("<h2>Alliance resilience loss, seed by seed</h2>\n<p class=\"legend\">");
        var sides = b is null ? new[] { (Label: a, Variant: false) } : [(a, false), (b, true)];
        for (var i = 0; i < sides.Length; i++)
        {
            html.Add($"<span style=\"background:{Colours[i]}\"></span>").Text(sides[i].Label);
        }
        html.Add("</p>\n");
        Strip(html, [.. sides.Select(side => sweep.Values("alliance", m => m.ResilienceLossHours, side.Variant))]);

        html.Add("<h2>Runs</h2>\n<table><tr><th>Seed</th>");
        foreach (var (label, _) in sides)
        {
            html.Add("<th>").Text($"Run {label}").Add("</th><th>").Text($"Loss {label} (h)").Add("</th><th>").Text($"Objectives {label}").Add("</th>");
        }
        html.Add("</tr>\n");
        foreach (var (runA, runB) in sweep.Runs)
        {
            html.Add("<tr><td>").Text(runA.Report.Seed.ToString(CultureInfo.InvariantCulture)).Add("</td>");
            foreach (var run in runB is null ? new[] { runA } : [runA, runB])
            {
                html.Add("<td><code>").Text(run.RunId).Add("</code></td>").Cell(ReportText.Hours(run.Report.Alliance.ResilienceLossHours))
                    .Cell($"{run.Report.Objectives.Count(o => o.Passed)} of {run.Report.Objectives.Length}");
            }
            html.Add("</tr>\n");
        }
        html.Add("</table>\n");
        return html.End();
    }

    /// <summary>One row of dots per series, each dot a seed's value, on a common scale from 0: the spread at a glance.</summary>
    private static void Strip(Html html, IReadOnlyList<double>[] series)
    {
        const int rowHeight = 28;
        var height = Top + rowHeight * series.Length + Bottom;
        const double plotWidth = ChartWidth - Left - Right;
        var most = series.SelectMany(s => s).Where(v => !double.IsNaN(v)).DefaultIfEmpty(0).Max();
        var end = most <= 0 ? 1 : most * 1.05;
        double X(double v) => Left + plotWidth * v / end;
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
        html.Add($"<svg width=\"{ChartWidth}\" height=\"{height}\" viewBox=\"0 0 {ChartWidth} {height}\" role=\"img\">");
        html.Add("<title>").Text("alliance resilience loss in hours, one dot per seed").Add("</title>");
        var axis = Top + rowHeight * series.Length;
        html.Add($"<line x1=\"{Left}\" x2=\"{F(Left + plotWidth)}\" y1=\"{axis}\" y2=\"{axis}\" stroke=\"#8c959f\"/>");
        for (var i = 0; i <= 4; i++)
        {
            var v = end * i / 4;
            html.Add($"<text x=\"{F(X(v))}\" y=\"{axis + 16}\" text-anchor=\"{(i == 0 ? "start" : i == 4 ? "end" : "middle")}\">")
                .Text(v.ToString("0.##", CultureInfo.InvariantCulture) + " h").Add("</text>");
        }
        for (var s = 0; s < series.Length; s++)
        {
            var y = Top + rowHeight * s + rowHeight / 2;
            foreach (var v in series[s].Where(v => !double.IsNaN(v)))
            {
                html.Add($"<circle cx=\"{F(X(v))}\" cy=\"{y}\" r=\"4\" fill=\"{Colours[s % Colours.Length]}\" fill-opacity=\"0.55\"/>");
            }
        }
        html.Add("</svg>\n");
    }

    private static void Meta(Html html, RunResult run)
    {
        var r = run.Report;
        html.Add("<p class=\"meta\">").Text(r.Variant is null ? "base scenario" : $"variant {r.Variant}")
            .Text($" · seed {r.Seed} · run ").Add("<code>").Text(run.RunId).Add("</code> · ").Text(ReportText.Extent(run))
            .Text($" · {RunFormat.Count(r.Events, "event")} · {RunFormat.Count(r.JournalLines, "journal line")}").Add("</p>\n");
        html.Add("<p class=\"meta\">journal <code>").Text(r.JournalHash).Add("</code></p>\n");
    }

    private static void SummaryTable(Html html, RunResult run)
    {
        var r = run.Report;
        html.Add("<table><tr>");
        foreach (var h in new[] { "Scope", "Loss (h)", "Min Q", "Final Q", "T95 (h)", "MTTD (h)", "MTTC (h)", "MTTR (h)", "Peak", "Total", "Cascade", "Indicators (h)" })
        {
            html.Add("<th>").Text(h).Add("</th>");
        }
        html.Add("</tr>\n");
        foreach (var m in ReportText.Scopes(r))
        {
            html.Add("<tr><td>").Text(m.Scope).Add("</td>")
                .Cell(ReportText.Hours(m.ResilienceLossHours)).Cell(TextTable.Number(m.MinCapability)).Cell(TextTable.Number(m.FinalCapability))
                .Cell(ReportText.T95(m, run.Info)).Cell(ReportText.Hours(m.MttdHours)).Cell(ReportText.Hours(m.MttcHours)).Cell(ReportText.Hours(m.MttrHours))
                .Cell(ReportText.Whole(m.PeakCompromised)).Cell(ReportText.Whole(m.TotalCompromised)).Cell(ReportText.Whole(m.LongestCascade))
                .Cell(ReportText.Hours(m.IndicatorPropagationHours))
                .Add("</tr>\n");
        }
        html.Add("</table>\n");
    }

    private static void Objectives(Html html, RunReport r)
    {
        if (r.Objectives.IsEmpty)
        {
            html.Add("<p>No objectives.</p>\n");
            return;
        }
        html.Add("<table><tr><th>Result</th><th>Objective</th><th>Check</th><th>Actual</th></tr>\n");
        foreach (var o in r.Objectives)
        {
            html.Add("<tr>").Verdict(o.Pending ? null : o.Passed, o.Pending ? "PENDING" : "-").Add("<td class=\"text\">").Text(o.Id).Add("</td><td class=\"text\">").Text(o.Text)
                .Add("</td><td class=\"text\">").Text(o.Actual).Add("</td></tr>\n");
        }
        html.Add("</table>\n");
        html.Add("<p>").Text($"{r.Objectives.Count(o => o.Passed)} of {r.Objectives.Length} objectives passed"
            + (r.Objectives.Count(o => o.Pending) is > 0 and var pending ? $", {pending} pending." : ".")).Add("</p>\n");
    }

    private static void Timeline(Html html, RunReport r)
    {
        if (r.Timeline.IsEmpty)
        {
            html.Add("<p>No notable events.</p>\n");
            return;
        }
        html.Add("<table class=\"timeline\"><tr><th>Tick</th><th>Time</th><th>Entity</th><th>Event</th><th>Detail</th></tr>\n");
        foreach (var e in r.Timeline)
        {
            html.Add("<tr>").Cell(e.Tick.ToString(CultureInfo.InvariantCulture)).Cell(RunFormat.VirtualTime(RunFormat.At(e.Tick, r.Tick)))
                .Add("<td class=\"text\">").Text(e.Entity).Add("</td><td class=\"text\">").Text(e.Kind)
                .Add("</td><td class=\"text\">").Text(e.Detail).Add("</td></tr>\n");
        }
        html.Add("</table>\n");
    }

    /// <summary>
    /// A step chart of Q(t) from 0 to 1 over the whole exercise, one polyline per series. Inline
    /// SVG in HTML needs no namespace, so the page names no URL at all.
    /// </summary>
    private static void Chart(Html html, (string Label, ImmutableArray<CapabilityPoint> Series)[] series, long ticks, TimeSpan tick)
    {
        var end = Math.Max(1, Math.Max(ticks, series.SelectMany(s => s.Series).Select(p => p.Tick).DefaultIfEmpty(0).Max()));
        const double plotWidth = ChartWidth - Left - Right;
        const double plotHeight = ChartHeight - Top - Bottom;
        double X(long t) => Left + plotWidth * t / end;
        static double Y(double q) => Top + plotHeight * (1 - Math.Clamp(q, 0, 1));
        static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);

        html.Add($"<svg width=\"{ChartWidth}\" height=\"{ChartHeight}\" viewBox=\"0 0 {ChartWidth} {ChartHeight}\" role=\"img\">");
        html.Add("<title>").Text("capability over virtual time: " + string.Join(", ", series.Select(s => s.Label))).Add("</title>");
        foreach (var q in new[] { 0.0, 0.25, 0.5, 0.75, 1.0 })
        {
            html.Add($"<line x1=\"{Left}\" x2=\"{F(Left + plotWidth)}\" y1=\"{F(Y(q))}\" y2=\"{F(Y(q))}\" stroke=\"{(q is 0 or 1 ? "#8c959f" : "#eaeef2")}\"/>");
            html.Add($"<text x=\"{Left - 6}\" y=\"{F(Y(q) + 4)}\" text-anchor=\"end\">{q.ToString("0.##", CultureInfo.InvariantCulture)}</text>");
        }
        for (var i = 0; i <= 4; i++)
        {
            var t = end * i / 4;
            html.Add($"<line x1=\"{F(X(t))}\" x2=\"{F(X(t))}\" y1=\"{F(Y(0))}\" y2=\"{F(Y(0) + 4)}\" stroke=\"#8c959f\"/>");
            html.Add($"<text x=\"{F(X(t))}\" y=\"{F(Y(0) + 16)}\" text-anchor=\"{(i == 0 ? "start" : i == 4 ? "end" : "middle")}\">")
                .Text(RunFormat.VirtualTime(RunFormat.At(t, tick))).Add("</text>");
        }
        html.Add($"<text x=\"12\" y=\"{F(Top + plotHeight / 2)}\" transform=\"rotate(-90 12 {F(Top + plotHeight / 2)})\" text-anchor=\"middle\">Q</text>");
        for (var s = 0; s < series.Length; s++)
        {
            var points = series[s].Series;
            if (points.IsEmpty)
            {
                continue;
            }
            var path = new StringBuilder();
            path.Append(CultureInfo.InvariantCulture, $"{F(X(points[0].Tick))},{F(Y(points[0].Capability))}");
            for (var i = 1; i < points.Length; i++)
            {
                var x = F(X(points[i].Tick));
                path.Append(CultureInfo.InvariantCulture, $" {x},{F(Y(points[i - 1].Capability))} {x},{F(Y(points[i].Capability))}");
            }
            path.Append(CultureInfo.InvariantCulture, $" {F(X(end))},{F(Y(points[^1].Capability))}");
            html.Add($"<polyline fill=\"none\" stroke=\"{Colours[s % Colours.Length]}\" stroke-width=\"{(s == 0 ? 2 : 1.5).ToString(CultureInfo.InvariantCulture)}\" points=\"{path}\"/>");
        }
        html.Add("</svg>\n");
    }

    /// <summary>An HTML builder where every piece of text goes through <see cref="WebUtility.HtmlEncode(string)"/>.</summary>
    private sealed class Html
    {
        private readonly StringBuilder _b = new();

        public Html Add(string markup)
        {
            _b.Append(markup);
            return this;
        }

        public Html Text(string text)
        {
            _b.Append(WebUtility.HtmlEncode(text));
            return this;
        }

        public Html Cell(string text) => Add("<td>").Text(text).Add("</td>");

        public Html Verdict(bool? passed, string unknown = "-") => passed switch
        {
            true => Add("<td class=\"pass\">PASS</td>"),
            false => Add("<td class=\"fail\">FAIL</td>"),
            null => Add("<td>").Text(unknown).Add("</td>"),
        };

        public Html Delta(double? value, string format, bool higherIsWorse)
        {
            if (value is not { } v)
            {
                return Cell("-");
            }
            var css = v == 0 ? "" : (v > 0) == higherIsWorse ? " class=\"worse\"" : " class=\"better\"";
            return Add($"<td{css}>").Text(v.ToString("+" + format + ";-" + format + ";" + format, CultureInfo.InvariantCulture)).Add("</td>");
        }

        public Html Delta(int? value, string format, bool higherIsWorse) => Delta((double?)value, format, higherIsWorse);

        public void Begin(string title)
        {
            Add("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
            Text(title);
            Add("</title>\n<style>\n").Add(Style).Add("</style>\n</head>\n<body>\n");
        }

        public string End()
        {
            Add("<p class=\"meta\">Generated by bulwark.</p>\n</body>\n</html>\n");
            return _b.ToString();
        }
    }
}
