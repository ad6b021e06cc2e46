namespace Bulwark.Client.Reports;

/// <summary>One scope's metrics in run b minus run a; null where either run has no value.</summary>
public sealed record ScopeDelta(
    string Scope, double? ResilienceLoss, double? MinCapability, double? FinalCapability, double? TimeToRecover95,
    double? Mttd, double? Mttc, double? Mttr, int? PeakCompromised, int? TotalCompromised, int? LongestCascade, double? IndicatorPropagation);

/// <summary>An objective's outcome in both runs (null where a run does not have it).</summary>
public sealed record ObjectiveDelta(string Id, string Text, bool? Baseline, bool? Variant);

/// <summary>
/// What changes from run a to run b. <see cref="CapabilityHours"/> is the alliance's extra
/// resilience loss: positive when b costs hours of capability, negative when it saves them.
/// </summary>
public sealed record Differences(double CapabilityHours, ScopeDelta Alliance, IReadOnlyList<ScopeDelta> Domains, IReadOnlyList<ObjectiveDelta> Objectives)
{
    public static Differences Of(RunReport a, RunReport b)
    {
        var ids = a.Domains.Select(d => d.Scope).Concat(b.Domains.Select(d => d.Scope)).Distinct(StringComparer.Ordinal);
        var domains = ids.Select(id => Delta(id, a.Domains.FirstOrDefault(d => d.Scope == id), b.Domains.FirstOrDefault(d => d.Scope == id))).ToList();
        var objectiveIds = a.Objectives.Select(o => (o.Id, o.Text)).Concat(b.Objectives.Select(o => (o.Id, o.Text))).DistinctBy(o => o.Id);
        var objectives = objectiveIds.Select(o => new ObjectiveDelta(o.Id, o.Text,
            a.Objectives.FirstOrDefault(x => x.Id == o.Id)?.Passed, b.Objectives.FirstOrDefault(x => x.Id == o.Id)?.Passed)).ToList();
        return new Differences(b.Alliance.ResilienceLossHours - a.Alliance.ResilienceLossHours,
            Delta("alliance", a.Alliance, b.Alliance), domains, objectives);
    }

    private static ScopeDelta Delta(string scope, ScopeMetrics? a, ScopeMetrics? b)
    {
        double? D(Func<ScopeMetrics, double?> f) => a is null || b is null ? null : f(b) - f(a);
        int? I(Func<ScopeMetrics, int> f) => a is null || b is null ? null : f(b) - f(a);
        return new ScopeDelta(scope,
            D(m => m.ResilienceLossHours), D(m => m.MinCapability), D(m => m.FinalCapability), D(m => m.TimeToRecover95Hours),
            D(m => m.MttdHours), D(m => m.MttcHours), D(m => m.MttrHours),
            I(m => m.PeakCompromised), I(m => m.TotalCompromised), I(m => m.LongestCascade), D(m => m.IndicatorPropagationHours));
    }
}
