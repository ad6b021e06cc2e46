using Bulwark.Scenarios.Yaml;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Scenarios;

/// <summary>
/// The fields of one <c>playbooks</c> entry that the file sets; the rest come from the entry below
/// it (a domain's entry over <c>default</c>, <c>default</c> over the built-in defaults, a variant's
/// entry over the base file's entry with the same key).
/// </summary>
internal sealed record PlaybookPatch(
    TimeSpan? ContainAfter, TimeSpan? RecoverAfter, bool? Patch, double? IndicatorHardening, bool? RaiseAlertOnIndicator, int? AlertLevel)
{
    public static readonly PlaybookPatch Empty = new(null, null, null, null, null, null);

    /// <summary>The defaults of <see cref="Playbook"/>: contain after 30m, recover after 4h, patch, hardening 0.5, raise alert, level 5.</summary>
    public static Playbook Defaults(string domain) =>
        new(domain, TimeSpan.FromMinutes(30), TimeSpan.FromHours(4), true, 0.5, true, 5);

    /// <summary>This patch with <paramref name="over"/>'s fields on top.</summary>
    public PlaybookPatch Then(PlaybookPatch over) => new(
        over.ContainAfter ?? ContainAfter, over.RecoverAfter ?? RecoverAfter, over.Patch ?? Patch,
        over.IndicatorHardening ?? IndicatorHardening, over.RaiseAlertOnIndicator ?? RaiseAlertOnIndicator,
        over.AlertLevel ?? AlertLevel);

    public Playbook Apply(Playbook playbook) => new(
        playbook.Domain, ContainAfter ?? playbook.ContainAfter, RecoverAfter ?? playbook.RecoverAfter, Patch ?? playbook.Patch,
        IndicatorHardening ?? playbook.IndicatorHardening, RaiseAlertOnIndicator ?? playbook.RaiseAlertOnIndicator,
        AlertLevel ?? playbook.AlertLevel);

    /// <summary>
    /// Reads one entry of <c>playbooks</c>; bad fields are reported and left unset. <paramref name="duration"/> reads
    /// (and checks) a delay.
    /// </summary>
    public static PlaybookPatch Read(YamlReader r, YamlNode node, Func<YamlNode, string, TimeSpan?> duration)
    {
        if (r.Mapping(node, "a playbook") is not { } map)
        {
            return Empty;
        }
        var f = r.Fields(map, "playbook", "contain-after", "recover-after", "patch", "indicator-hardening", "raise-alert-on-indicator", "alert-level");
        return new PlaybookPatch(
            f.Get("contain-after") is { } c ? duration(c, "contain-after") : null,
            f.Get("recover-after") is { } rec ? duration(rec, "recover-after") : null,
            f.Get("patch") is { } p ? r.Bool(p, "patch") : null,
            f.Get("indicator-hardening") is { } h ? r.Number(h, "indicator-hardening", 0, 1) : null,
            f.Get("raise-alert-on-indicator") is { } a ? r.Bool(a, "raise-alert-on-indicator") : null,
            f.Get("alert-level") is { } l ? r.Int(l, "alert-level", 1, 5) : null);
    }
}
