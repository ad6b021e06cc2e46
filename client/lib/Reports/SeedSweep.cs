using System.Globalization;
using System.Text.Json.Nodes;

namespace Bulwark.Client.Reports;

/// <summary>
/// A scenario run once per seed of a range (<c>bulwark run FILE --seeds N</c>), and with
/// <c>--compare</c> its variant under each seed too: what one seed cannot tell, since every run is
/// one draw of a random process. A variant's effect is judged seed by seed (the same seed for
/// both), so that what differs between seeds cancels out.
/// </summary>
/// <param name="Runs">One entry per seed, in order: the run of the scenario and, when compared, of the variant.</param>
public sealed record SeedSweep(IReadOnlyList<(RunResult A, RunResult? B)> Runs)
{
    public bool Compared => Runs.Count > 0 && Runs[0].B is not null;

    public RunReport First => Runs[0].A.Report;

    /// <summary>The alliance and each domain of the first run, in its order, then those only the variant has.</summary>
    public IEnumerable<string> Scopes => First.Domains.Select(d => d.Scope)
        .Concat(Compared ? Runs[0].B!.Report.Domains.Select(d => d.Scope) : [])
        .Distinct(StringComparer.Ordinal).Prepend("alliance");

    /// <summary>A metric of <paramref name="scope"/> in every run of one side (A or B).</summary>
    public IReadOnlyList<double> Values(string scope, Func<ScopeMetrics, double> metric, bool variant) =>
        [.. Runs.Select(r => variant ? r.B!.Report : r.A.Report).Select(r => ReportText.Find(r, scope) is { } m ? metric(m) : double.NaN)];

    /// <summary>The variant's value minus the scenario's, seed by seed.</summary>
    public IReadOnlyList<double> Differences(string scope, Func<ScopeMetrics, double> metric)
    {
        var a = Values(scope, metric, variant: false);
        var b = Values(scope, metric, variant: true);
        return [.. a.Zip(b, (x, y) => y - x)];
    }

    /// <summary>What the seeds give for <paramref name="scope"/>, worked out once for the text, the JSON and the page.</summary>
    public ScopeSpread SpreadOf(string scope)
    {
        // A loss is not negative and a capability at most 1: interval ends are kept there. A difference may be either.
        Spread Loss(bool variant) => Spread.Of(Values(scope, m => m.ResilienceLossHours, variant), lower: 0);
        Spread MinCapability(bool variant) => Spread.Of(Values(scope, m => m.MinCapability, variant), lower: 0, upper: 1);
        if (!Compared)
        {
            return new ScopeSpread(scope, Loss(false), MinCapability(false), null);
        }
        var differences = Differences(scope, m => m.ResilienceLossHours);
        return new ScopeSpread(scope, Loss(false), MinCapability(false),
            new VariantSpread(Loss(true), MinCapability(true), Spread.Of(differences), differences.Count(d => d > 0), differences.Count(d => d < 0)));
    }

    /// <summary>How many runs of one side passed objective <paramref name="id"/>; null when that side does not have it.</summary>
    public int? Passed(string id, bool variant) =>
        (variant ? Runs[0].B!.Report : First).Objectives.Any(o => o.Id == id)
            ? Runs.Count(r => (variant ? r.B!.Report : r.A.Report).Objectives.Any(o => o.Id == id && o.Passed))
            : null;

    /// <summary>The objectives of both sides, in the order of the first run's, then any only the variant has.</summary>
    public IEnumerable<(string Id, string Text)> Objectives =>
        First.Objectives.Select(o => (o.Id, o.Text))
            .Concat(Compared ? Runs[0].B!.Report.Objectives.Select(o => (o.Id, o.Text)) : [])
            .DistinctBy(o => o.Id);

    public static async Task WriteAsync(TextWriter w, SeedSweep sweep)
    {
        var first = sweep.First;
        var seeds = $"{RunFormat.Count(sweep.Runs.Count, "seed")} ({sweep.Runs[0].A.Report.Seed} to {sweep.Runs[^1].A.Report.Seed})";
        await w.WriteLineAsync(sweep.Compared
            ? $"scenario '{first.Scenario}', {seeds}: A = {sweep.Runs[0].A.Label}, B = {sweep.Runs[0].B!.Label}"
            : $"scenario '{first.Scenario}'{(first.Variant is null ? "" : $" (variant {first.Variant})")}, {seeds}");
        await w.WriteLineAsync();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var (scope, loss, minCapability, variant) in sweep.Scopes.Select(sweep.SpreadOf))
        {
            rows.Add(variant is null
                ? [scope, loss.Text("0.00"), ReportText.Hours(loss.Min), ReportText.Hours(loss.Max), minCapability.Text("0.000"), TextTable.Number(minCapability.Min)]
                : [scope, loss.Text("0.00"), variant.Loss.Text("0.00"), variant.Difference.Text("+0.00;-0.00;0.00"),
                    $"{RunFormat.Count(variant.Worse)} / {RunFormat.Count(variant.Better)}"]);
        }
        await TextTable.WriteAsync(w, sweep.Compared
            ? ["SCOPE", "LOSS A (h)", "LOSS B (h)", "DIFF (h)", "B WORSE / BETTER"]
            : ["SCOPE", "LOSS (h)", "LEAST", "MOST", "MIN Q", "LOWEST"], rows);
        await w.WriteLineAsync($"(mean +/- half-width of its 95 % confidence interval over the seeds{(sweep.Compared ? "; DIFF is B - A seed by seed" : "")})");
        var objectives = sweep.Objectives.ToList();
        if (objectives.Count > 0)
        {
            await w.WriteLineAsync();
            var n = sweep.Runs.Count;
            // Passed counts first, as in the report of one run, so that the objectives' texts line up.
            var width = Math.Max($"{RunFormat.Count(n)} of {RunFormat.Count(n)}".Length, sweep.Compared ? "PASSED A".Length : "PASSED".Length);
            string Passed(string id, bool variant) => (sweep.Passed(id, variant) is { } passed ? $"{RunFormat.Count(passed)} of {RunFormat.Count(n)}" : "-").PadLeft(width);
            await w.WriteLineAsync(sweep.Compared ? $"{"PASSED A".PadLeft(width)}  {"PASSED B".PadLeft(width)}  OBJECTIVE" : $"{"PASSED".PadLeft(width)}  OBJECTIVE");
            foreach (var o in objectives)
            {
                await w.WriteLineAsync(sweep.Compared
                    ? $"{Passed(o.Id, false)}  {Passed(o.Id, true)}  {o.Id}  {o.Text}"
                    : $"{Passed(o.Id, false)}  {o.Id}  {o.Text}");
            }
        }
        if (sweep.Compared)
        {
            await w.WriteLineAsync();
            await w.WriteLineAsync(Verdict(sweep));
        }
    }

    /// <summary>
    /// <c>what no-sharing costs against base: 0.933 h of capability on average over 10 seeds (95 % interval 0.048
    /// to 1.818 h; it costs capability in 8 of them, saves it in 2)</c>; or, when the interval holds 0, that the
    /// seeds show no clear effect.
    /// </summary>
    public static string Verdict(SeedSweep sweep)
    {
        var alliance = sweep.SpreadOf("alliance").Variant!;
        var s = alliance.Difference;
        var a = sweep.Runs[0].A.Label;
        var b = sweep.Runs[0].B!.Label;
        var over = $"over {RunFormat.Count(s.Count, "seed")}";
        var counts = $"it costs capability in {RunFormat.Count(alliance.Worse)} of them, saves it in {RunFormat.Count(alliance.Better)}";
        if (s.Min == 0 && s.Max == 0)
        {
            return $"{b} makes no difference to alliance capability against {a} {over}";
        }
        if (s.HoldsZero)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"no clear effect of {b} against {a} {over}: {s.Mean:+0.000;-0.000;0.000} h of capability lost on average, "
                + $"95 % interval {s.Low:+0.000;-0.000;0.000} to {s.High:+0.000;-0.000;0.000} h, which holds 0 ({counts})");
        }
        // A saving is told as a positive amount, its interval too.
        var (verb, mean, low, high) = s.Mean > 0 ? ("costs", s.Mean, s.Low, s.High) : ("saves", -s.Mean, -s.High, -s.Low);
        return string.Create(CultureInfo.InvariantCulture,
            $"what {b} {verb} against {a}: {mean:0.000} h of capability on average {over} (95 % interval {low:0.000} to {high:0.000} h; {counts})");
    }

    /// <summary>One run of a sweep: its id, seed, journal hash, events, the alliance's figures and its objectives.</summary>
    public static JsonObject Run(RunResult r) => new()
    {
        ["runId"] = r.RunId,
        ["seed"] = r.Report.Seed,
        ["journalHash"] = r.Report.JournalHash,
        ["events"] = r.Report.Events,
        ["alliance"] = new JsonObject { ["resilienceLoss"] = r.Report.Alliance.ResilienceLossHours, ["minCapability"] = r.Report.Alliance.MinCapability },
        ["objectives"] = new JsonArray([.. r.Report.Objectives.Select(o => (JsonNode)new JsonObject { ["id"] = o.Id, ["passed"] = o.Passed })]),
    };

    /// <summary>
    /// A sweep stopped before its end (Ctrl-C, SIGTERM): the seeds asked for and the runs that completed, in seed order.
    /// No spreads: the seeds done are not the sample that was asked for.
    /// </summary>
    public static JsonObject Stopped(string scenario, ulong firstSeed, int seeds, IEnumerable<RunResult> completed) => new()
    {
        ["scenario"] = scenario,
        ["stopped"] = true,
        ["firstSeed"] = firstSeed,
        ["seedsAsked"] = seeds,
        ["completed"] = new JsonArray([.. completed.Select(r =>
        {
            var run = Run(r);
            run["variant"] = r.Report.Variant;
            return (JsonNode)run;
        })]),
    };

    public static JsonObject Json(SeedSweep sweep)
    {
        var scopes = sweep.Scopes.Select(sweep.SpreadOf).ToList();
        JsonObject Side(bool variant) => new()
        {
            ["variant"] = (variant ? sweep.Runs[0].B! : sweep.Runs[0].A).Report.Variant,
            ["runs"] = new JsonArray([.. sweep.Runs.Select(r => (JsonNode)Run(variant ? r.B! : r.A))]),
            ["scopes"] = new JsonArray([.. scopes.Select(scope => (JsonNode)new JsonObject
            {
                ["id"] = scope.Scope,
                ["resilienceLoss"] = (variant ? scope.Variant!.Loss : scope.Loss).Json(),
                ["minCapability"] = (variant ? scope.Variant!.MinCapability : scope.MinCapability).Json(),
            })]),
            ["objectives"] = new JsonArray([.. sweep.Objectives.Select(o => (JsonNode)new JsonObject
            {
                ["id"] = o.Id,
                ["text"] = o.Text,
                ["passed"] = sweep.Passed(o.Id, variant),
            })]),
        };
        var json = new JsonObject
        {
            ["scenario"] = sweep.First.Scenario,
            ["seeds"] = new JsonArray([.. sweep.Runs.Select(r => (JsonNode)r.A.Report.Seed)]),
            ["baseline"] = Side(variant: false),
        };
        if (sweep.Compared)
        {
            json["compared"] = Side(variant: true);
            json["differences"] = new JsonObject
            {
                ["scopes"] = new JsonArray([.. scopes.Select(scope => (JsonNode)new JsonObject
                {
                    ["id"] = scope.Scope,
                    ["resilienceLoss"] = scope.Variant!.Difference.Json(),
                    ["worse"] = scope.Variant.Worse,
                    ["better"] = scope.Variant.Better,
                })]),
                // The alliance's difference: scopes[0].
                ["capabilityHours"] = scopes[0].Variant!.Difference.Json(),
            };
        }
        return json;
    }
}

/// <summary>What the seeds give for one scope: the scenario's loss and minimum capability, and the variant's when compared.</summary>
public sealed record ScopeSpread(string Scope, Spread Loss, Spread MinCapability, VariantSpread? Variant);

/// <summary>
/// A compared variant's loss and minimum capability in one scope, its loss minus the scenario's seed by seed, and in
/// how many seeds that difference is a loss (<see cref="Worse"/>) or a gain (<see cref="Better"/>).
/// </summary>
public sealed record VariantSpread(Spread Loss, Spread MinCapability, Spread Difference, int Worse, int Better);

/// <summary>
/// Mean, sample standard deviation, the 95 % confidence interval of the mean (Student's t), and
/// the least and greatest of some values. NaN values (a scope a run does not have) are left out.
/// </summary>
/// <param name="Count">How many values there were (NaNs left out).</param>
/// <param name="Mean">Their mean.</param>
/// <param name="StandardDeviation">Their sample standard deviation (n - 1).</param>
/// <param name="HalfWidth">Half the width of the interval: mean +/- this, as the text gives it.</param>
/// <param name="Low">The interval's lower end, not below the least value the quantity can take.</param>
/// <param name="High">The interval's upper end, not above the greatest value the quantity can take.</param>
/// <param name="Min">The least value.</param>
/// <param name="Max">The greatest value.</param>
public sealed record Spread(int Count, double Mean, double StandardDeviation, double HalfWidth, double Low, double High, double Min, double Max)
{
    /// <param name="values">The values, in seed order.</param>
    /// <param name="lower">The least value the quantity can take (a loss is not negative): few seeds with a wide spread
    /// give an interval that would go past it.</param>
    /// <param name="upper">The greatest value it can take (a capability is at most 1).</param>
    public static Spread Of(IEnumerable<double> values, double lower = double.NegativeInfinity, double upper = double.PositiveInfinity)
    {
        var xs = values.Where(v => !double.IsNaN(v)).ToList();
        if (xs.Count == 0)
        {
            return new Spread(0, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
        }
        // Summed in seed order, one value after another: the same values give the same digits everywhere.
        var sum = 0.0;
        foreach (var x in xs)
        {
            sum += x;
        }
        var mean = sum / xs.Count;
        var squares = 0.0;
        foreach (var x in xs)
        {
            squares += (x - mean) * (x - mean);
        }
        var sd = xs.Count < 2 ? 0 : Math.Sqrt(squares / (xs.Count - 1));
        var half = xs.Count < 2 ? 0 : StudentT95(xs.Count - 1) * sd / Math.Sqrt(xs.Count);
        return new Spread(xs.Count, mean, sd, half, Math.Max(lower, mean - half), Math.Min(upper, mean + half), xs.Min(), xs.Max());
    }

    /// <summary>The interval holds 0: the values do not tell a difference from none.</summary>
    public bool HoldsZero => Low <= 0 && High >= 0;

    /// <summary><c>1.22 +/-0.10</c>: the mean in <paramref name="format"/>, the half-width unsigned, with as many decimals.</summary>
    public string Text(string format) => Count == 0
        ? "-"
        : $"{Mean.ToString(format, CultureInfo.InvariantCulture)} +/-{HalfWidth.ToString(format.Split(';')[^1], CultureInfo.InvariantCulture)}";

    public JsonObject Json() => new()
    {
        ["mean"] = Count == 0 ? null : Mean,
        ["stdDev"] = Count == 0 ? null : StandardDeviation,
        ["halfWidth"] = Count == 0 ? null : HalfWidth,
        ["low"] = Count == 0 ? null : Low,
        ["high"] = Count == 0 ? null : High,
        ["min"] = Count == 0 ? null : Min,
        ["max"] = Count == 0 ? null : Max,
    };

    /// <summary>
    /// The two-sided 95 % critical value of Student's t with <paramref name="df"/> degrees of freedom (the usual
    /// table); between the table's rows above 30, the row below, so that the interval is never too narrow.
    /// </summary>
    public static double StudentT95(int df) => df switch
    {
        <= 0 => double.NaN,
        <= 30 => Table[df - 1],
        < 40 => Table[29],
        < 60 => 2.021,
        < 120 => 2.000,
        _ => 1.980,
    };

    private static readonly double[] Table =
    [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ];
}
