using System.Collections.Immutable;
using System.Globalization;

namespace Bulwark;

/// <summary>
/// Parameters of each inject kind, their defaults and checks — shared by the scenario reader and
/// by hand injects into a running exercise.
/// </summary>
public static class InjectRules
{
    /// <summary>How long each disruptive kind lasts when no <c>duration</c> is given.</summary>
    public static TimeSpan DefaultDuration(InjectKind kind) => kind switch
    {
        InjectKind.Ddos => TimeSpan.FromHours(6),
        InjectKind.CableCut => TimeSpan.FromDays(7),
        InjectKind.PowerOutage => TimeSpan.FromHours(4),
        InjectKind.Ransomware => TimeSpan.FromDays(2),
        InjectKind.Wiper => TimeSpan.FromDays(10),
        _ => TimeSpan.Zero,
    };

    /// <summary>True for kinds that put targets down or degraded for a duration.</summary>
    public static bool IsDisruptive(InjectKind kind) =>
        kind is InjectKind.Ddos or InjectKind.CableCut or InjectKind.PowerOutage or InjectKind.Ransomware or InjectKind.Wiper;

    /// <summary>The parameter names a kind accepts, with the required ones first.</summary>
    public static (string[] Required, string[] Optional) Names(InjectKind kind) => kind switch
    {
        InjectKind.Compromise => (["technique"], ["techniques"]),
        InjectKind.Campaign => (["techniques"], ["count"]),
        InjectKind.IntelReport => (["techniques"], []),
        InjectKind.Patch => (["technique"], []),
        InjectKind.SetAlertLevel => (["level"], []),
        _ when IsDisruptive(kind) => ([], ["duration"]),
        _ => ([], []),
    };

    /// <summary>True when the kind must target a domain (not a segment or node).</summary>
    public static bool TargetsDomain(InjectKind kind) => kind is InjectKind.IntelReport or InjectKind.SetAlertLevel;

    /// <summary>The most footholds one campaign takes.</summary>
    public const int MaxCount = 1_000_000;

    /// <summary>
    /// Every problem with <paramref name="parameters"/> for <paramref name="kind"/>; empty when fine. With
    /// <paramref name="tick"/>, a <c>duration</c> must also be a whole number of ticks.
    /// </summary>
    public static IReadOnlyList<string> Problems(InjectKind kind, IReadOnlyDictionary<string, string> parameters, TimeSpan? tick = null)
    {
        var problems = new List<string>();
        var (required, optional) = Names(kind);
        var name = WireNames.Of(kind);
        foreach (var key in parameters.Keys.Order(StringComparer.Ordinal))
        {
            if (!required.Contains(key) && !optional.Contains(key))
            {
                var allowed = required.Concat(optional).ToArray();
                problems.Add($"{name} takes no parameter '{Echo.Of(key)}'" + (allowed.Length == 0 ? "" : $"; it takes: {string.Join(", ", allowed)}"));
            }
        }
        foreach (var key in required)
        {
            if (!parameters.ContainsKey(key))
            {
                problems.Add($"{name} needs parameter '{key}'");
            }
        }
        foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var problem = key switch
            {
                "technique" => ObservationRules.IsTechnique(value) ? null : $"'{Echo.Of(value)}' is not an ATT&CK technique id (T1234 or T1234.001)",
                "techniques" => List(value).Count == 0 ? "'techniques' needs at least one technique"
                    : List(value).FirstOrDefault(t => !ObservationRules.IsTechnique(t)) is { } bad ? $"'{Echo.Of(bad)}' is not an ATT&CK technique id (T1234 or T1234.001)" : null,
                "count" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxCount ? null
                    : string.Create(CultureInfo.InvariantCulture, $"'count' must be a whole number from 1 to {MaxCount:N0}, not '{Echo.Of(value)}'"),
                "level" => value is "1" or "2" or "3" or "4" or "5" ? null : $"'level' must be 1 to 5 (CYBERCON), not '{Echo.Of(value)}'",
                "duration" => !Duration.TryParse(value, out var d, out var error) ? $"'duration': {error}"
                    : d <= TimeSpan.Zero ? "'duration' must be longer than 0s"
                    : tick is { } t && d.Ticks % t.Ticks != 0 ? $"'duration' {Duration.Format(d)} is not a whole number of ticks ({Duration.Format(t)})"
                    : null,
                _ => null,
            };
            if (problem is not null)
            {
                problems.Add(problem);
            }
        }
        return problems;
    }

    /// <summary>Splits a comma-separated list, trimming blanks.</summary>
    public static IReadOnlyList<string> List(string? value) =>
        value is null ? [] : value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The techniques an inject brings, in order: <c>technique</c> then <c>techniques</c>, without repeats.</summary>
    public static ImmutableArray<string> Techniques(IReadOnlyDictionary<string, string> parameters) =>
        [.. new[] { parameters.GetValueOrDefault("technique") }.OfType<string>()
            .Concat(List(parameters.GetValueOrDefault("techniques"))).Distinct(StringComparer.Ordinal)];

    /// <summary>The inject's duration, or the kind's default.</summary>
    public static TimeSpan DurationOf(InjectKind kind, IReadOnlyDictionary<string, string> parameters) =>
        parameters.TryGetValue("duration", out var text) && Duration.TryParse(text, out var d, out _) ? d : DefaultDuration(kind);

    /// <summary>The campaign's number of footholds; default 1.</summary>
    public static int CountOf(IReadOnlyDictionary<string, string> parameters) =>
        parameters.TryGetValue("count", out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : 1;

    /// <summary>The alert level of a set-alert-level inject.</summary>
    public static int LevelOf(IReadOnlyDictionary<string, string> parameters) =>
        int.Parse(parameters["level"], CultureInfo.InvariantCulture);
}
