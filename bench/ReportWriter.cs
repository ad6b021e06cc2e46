using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Bulwark.Bench;

/// <summary>Writes a <see cref="BenchReport"/> as Markdown or JSON.</summary>
internal static class ReportWriter
{
    private const double DisturbedPercent = 10;

    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static string Json(BenchReport report) => JsonSerializer.Serialize(report, JsonOptions);

    public static string Markdown(BenchReport report)
    {
        var m = report.Machine;
        var s = report.Settings;
        var md = new StringBuilder();
        md.AppendLine("## Live posture ingest (bulwark-bench)");
        md.AppendLine();
        md.AppendLine(Inv, $"- Machine: {m.ProcessorCount} cores, {m.Os}, {m.Runtime} ({m.Architecture}, {(m.ServerGc ? "server" : "workstation")} GC in the client), {m.Date.UtcDateTime:yyyy-MM-dd HH:mm} UTC{(m.LoadAverageAtStart is { } l ? $"; load average {l:0.00} at start" : "")}");
        md.AppendLine(Inv, $"- Topology: {s.Topology} ({s.Domains} domains, {s.Segments} segments, {s.Nodes} nodes); silo and client on the same machine, separate processes");
        md.AppendLine("- CPU columns: share of the whole machine (100 = every core) used by the silo, this client and other processes during the measured windows");
        md.AppendLine(Inv, $"- Each phase: {s.Warmup} s warm-up, then {s.Seconds} s measured (after an unmeasured round of every phase, {s.InitialWarmup} s each); {s.Concurrency} calls in flight for raw and single, {s.BatchConcurrency} batches in flight for batched; {BenchRun.PacedPhase} at {s.PacedLoad}; {s.Repeat} repeat(s), medians shown");
        var reruns = report.Phases.SelectMany(p => p.Samples).Sum(x => x.Attempts - 1);
        md.AppendLine(Inv, $"- A phase whose window saw more than {s.MaxOther}% of the machine used by other processes was run again (at most {s.Retries} times): {reruns} re-run(s) in this run");
        var disturbed = report.Phases.SelectMany(p => p.Samples).Where(x => x.Cpu is { Other: > DisturbedPercent }).ToList();
        if (disturbed.Count > 0)
        {
            md.AppendLine(Inv, $"- **Disturbed:** other processes took more than {DisturbedPercent}% of the machine in {disturbed.Count} of {report.Phases.Sum(p => p.Samples.Count)} measured windows (up to {disturbed.Max(x => x.Cpu!.Other):0}%); treat these numbers as lower bounds");
        }
        md.AppendLine();
        md.AppendLine("| Phase | Rate (/s) | Unit | × raw | Read p50 (ms) | Read p99 (ms) | Read max (ms) | Reads | CPU % silo / client / other |");
        md.AppendLine("|---|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in report.Phases)
        {
            var r = p.MedianReads;
            md.AppendLine(Inv, $"| {p.Phase} | {Rate(p.MedianRate)} | {p.Unit} | {Ratio(p)} | {Ms(r?.P50)} | {Ms(r?.P99)} | {Ms(r?.Max)} | {Count(r?.Count)} | {Cpu(p.MedianCpu)} |");
        }
        md.AppendLine();
        md.AppendLine("Targets:");
        md.AppendLine();
        foreach (var t in report.Targets)
        {
            md.AppendLine(Inv, $"- {t.Target}: **{(t.Met ? "met" : "not met")}** ({t.Detail})");
        }

        if (s.Repeat > 1)
        {
            md.AppendLine();
            md.AppendLine("Per repeat (rate /s; read p99 where measured; CPU % taken by other processes; the bench's own collections and their pauses, which delay the reads it times):");
            md.AppendLine();
            md.Append("| Phase |");
            for (var i = 1; i <= s.Repeat; i++)
            {
                md.Append(Inv, $" #{i} |");
            }
            md.AppendLine();
            md.Append("|---|");
            md.AppendLine(string.Concat(Enumerable.Repeat("---:|", s.Repeat)));
            foreach (var p in report.Phases)
            {
                md.Append(Inv, $"| {p.Phase} |");
                foreach (var sample in p.Samples)
                {
                    md.Append(' ').Append(Rate(sample.Rate));
                    if (sample.Reads is { } reads)
                    {
                        md.Append(Inv, $", p99 {Ms(reads.P99)} ms");
                    }
                    if (sample.Cpu is { } cpu)
                    {
                        md.Append(Inv, $", other {cpu.Other:0}%");
                    }
                    if (sample.ClientGc is { } gc)
                    {
                        md.Append(Inv, $", bench GC {gc.Gen0 + gc.Gen1 + gc.Gen2} ({gc.Gen1}+{gc.Gen2} gen 1+2) {gc.PauseMs:0} ms");
                    }
                    md.Append(" |");
                }
                md.AppendLine();
            }
        }

        md.AppendLine();
        md.AppendLine("Ingest as the silo answered it (all repeats, measured windows only) and failed calls (warm-ups included):");
        md.AppendLine();
        md.AppendLine("| Phase | Calls | Accepted | Applied | Stale | Nodes changed | Errors |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var p in report.Phases)
        {
            var calls = p.Samples.Sum(x => x.Calls);
            var totals = p.Samples.Select(x => x.Ingest).OfType<IngestTotals>().ToList();
            var ingest = totals.Count == 0
                ? "| | | | "
                : $"| {Count(totals.Sum(x => x.Accepted))} | {Count(totals.Sum(x => x.Applied))} | {Count(totals.Sum(x => x.Stale))} | {Count(totals.Sum(x => x.Changed))} ";
            md.AppendLine(Inv, $"| {p.Phase} | {Count(calls)} {ingest}| {Count(p.Errors)} |");
        }
        foreach (var p in report.Phases.Where(p => p.Unit != "reads" && p.Samples.Any(x => x.Calls == 0)))
        {
            md.AppendLine(Inv, $"- warning: in some repeat no {p.Phase} call completed inside the measured window; the rate is only a pro-rata estimate, lengthen --seconds");
        }
        var firstErrors = report.Phases.SelectMany(p => p.Samples).Where(x => x.FirstError is not null)
            .Select(x => $"{x.Phase}: {x.FirstError}").Distinct().Take(5).ToList();
        foreach (var e in firstErrors)
        {
            md.AppendLine(Inv, $"- first error, {e}");
        }

        md.AppendLine();
        md.AppendLine(Inv, $"Silo log during the run: {report.Silo.Errors} error line(s), {report.Silo.Warnings} warning line(s).");
        foreach (var line in report.Silo.FirstProblems.Take(10))
        {
            md.AppendLine(Inv, $"- `{line.Replace('`', '\'')}`");
        }
        return md.ToString();
    }

    private static string Cpu(CpuShare? c) => c is null ? "" : string.Create(Inv, $"{c.Silo:0} / {c.Client:0} / {c.Other:0}");

    private static string Rate(double rate) => double.IsNaN(rate) ? "–" : rate.ToString("N0", Inv);

    private static string Ratio(PhaseSummary p) => double.IsNaN(p.RatioToRaw) ? "" : p.RatioToRaw.ToString("0.00", Inv) + "×";

    private static string Ms(double? ms) => ms is { } v && !double.IsNaN(v) ? v.ToString("0.00", Inv) : "";

    private static string Count(long? n) => n is { } v ? v.ToString("N0", Inv) : "";
}
