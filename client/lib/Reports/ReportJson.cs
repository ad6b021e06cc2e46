using System.Text.Json.Nodes;

namespace Bulwark.Client.Reports;

/// <summary>
/// The JSON of a run's report (<c>run --json</c>, <c>report --json</c>) and of a comparison of
/// two runs. Hours are numbers of hours; a metric that has no value (no detections, never
/// dropped below 95 %) is null.
/// </summary>
public static class ReportJson
{
    public static JsonObject Of(RunResult run)
    {
        var r = run.Report;
        return new JsonObject
        {
            ["runId"] = run.RunId,
            ["scenario"] = r.Scenario,
            ["variant"] = r.Variant,
            ["seed"] = r.Seed,
            ["state"] = WireNames.Of(run.Info.State),
            ["message"] = run.Info.Message,
            ["ticks"] = r.Ticks,
            // Where the run stands (or stopped): the same as ticks once it has completed. The virtual time as run-status gives it.
            ["tick"] = run.Info.Tick,
            ["virtualTime"] = RunFormat.VirtualTime(RunFormat.At(run.Info.Tick, r.Tick)),
            ["tickLength"] = Duration.Format(r.Tick),
            ["duration"] = Duration.Format(RunFormat.At(r.Ticks, r.Tick)),
            ["journalHash"] = r.JournalHash,
            ["events"] = r.Events,
            ["journalLines"] = r.JournalLines,
            ["alliance"] = Scope(r.Alliance, id: false),
            ["domains"] = new JsonArray([.. r.Domains.Select(d => (JsonNode)Scope(d, id: true))]),
            ["objectives"] = new JsonArray([.. r.Objectives.Select(o => (JsonNode)new JsonObject
            {
                ["id"] = o.Id,
                ["text"] = o.Text,
                ["passed"] = o.Passed,
                ["pending"] = o.Pending,
                ["actual"] = o.Actual,
            })]),
            ["objectivesPassed"] = r.Objectives.Count(o => o.Passed),
            ["objectivesPending"] = r.Objectives.Count(o => o.Pending),
            ["timeline"] = new JsonArray([.. r.Timeline.Select(e => (JsonNode)new JsonObject
            {
                ["tick"] = e.Tick,
                ["time"] = RunFormat.VirtualTime(RunFormat.At(e.Tick, r.Tick)),
                ["entity"] = e.Entity,
                ["kind"] = e.Kind,
                ["detail"] = e.Detail,
            })]),
        };
    }

    private static JsonObject Scope(ScopeMetrics m, bool id)
    {
        var json = new JsonObject();
        if (id)
        {
            json["id"] = m.Scope;
        }
        json["resilienceLoss"] = m.ResilienceLossHours;
        json["minCapability"] = m.MinCapability;
        json["finalCapability"] = m.FinalCapability;
        json["timeToRecover95"] = m.TimeToRecover95Hours;
        json["recovered95"] = m.Recovered95;
        json["mttd"] = m.MttdHours;
        json["mttc"] = m.MttcHours;
        json["mttr"] = m.MttrHours;
        json["peakCompromised"] = m.PeakCompromised;
        json["totalCompromised"] = m.TotalCompromised;
        json["longestCascade"] = m.LongestCascade;
        json["indicatorPropagation"] = m.IndicatorPropagationHours;
        json["indicatorPropagationMax"] = m.IndicatorPropagationMaxHours;
        json["series"] = new JsonArray([.. m.Series.Select(p => (JsonNode)new JsonObject { ["tick"] = p.Tick, ["capability"] = p.Capability })]);
        return json;
    }

    /// <summary><c>{"runs":[a, b],"differences":{…}}</c>; differences are b − a.</summary>
    public static JsonObject Comparison(RunResult a, RunResult b)
    {
        var d = Differences.Of(a.Report, b.Report);
        return new JsonObject
        {
            ["runs"] = new JsonArray(Of(a), Of(b)),
            ["differences"] = new JsonObject
            {
                ["baseline"] = a.Label,
                ["variant"] = b.Label,
                ["capabilityHours"] = d.CapabilityHours,
                ["alliance"] = Deltas(d.Alliance, id: false),
                ["domains"] = new JsonArray([.. d.Domains.Select(s => (JsonNode)Deltas(s, id: true))]),
                ["objectives"] = new JsonArray([.. d.Objectives.Select(o => (JsonNode)new JsonObject
                {
                    ["id"] = o.Id,
                    ["text"] = o.Text,
                    ["baseline"] = o.Baseline,
                    ["variant"] = o.Variant,
                    ["changed"] = o.Baseline != o.Variant,
                })]),
            },
        };
    }

    private static JsonObject Deltas(ScopeDelta s, bool id)
    {
        var json = new JsonObject();
        if (id)
        {
            json["id"] = s.Scope;
        }
        json["resilienceLoss"] = s.ResilienceLoss;
        json["minCapability"] = s.MinCapability;
        json["finalCapability"] = s.FinalCapability;
        json["timeToRecover95"] = s.TimeToRecover95;
        json["mttd"] = s.Mttd;
        json["mttc"] = s.Mttc;
        json["mttr"] = s.Mttr;
        json["peakCompromised"] = s.PeakCompromised;
        json["totalCompromised"] = s.TotalCompromised;
        json["longestCascade"] = s.LongestCascade;
        json["indicatorPropagation"] = s.IndicatorPropagation;
        return json;
    }
}
