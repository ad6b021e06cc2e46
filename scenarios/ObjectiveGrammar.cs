using System.Globalization;
using System.Text.RegularExpressions;

namespace Bulwark.Scenarios;

/// <summary>
/// The six objective forms (see <c>scenarios/README.md</c>). Keywords are case-sensitive;
/// <c>&gt;=</c> may be written <c>≥</c> and <c>&lt;=</c> <c>≤</c>. Scopes and sectors are checked
/// against the topology by the caller.
/// </summary>
internal static partial class ObjectiveGrammar
{
    public const string Forms =
        "'SCOPE capability >= X at T', 'SCOPE resilience loss <= T', 'SCOPE min capability >= X', "
        + "'no node of sector S down longer than T', 'no node of sector S out of action longer than T', 'SCOPE recovers to P% within T' "
        + "(SCOPE is alliance or a domain id, X from 0 to 1, T a duration)";

    /// <summary>An objective as written; <see cref="Scope"/> is a sector name for <see cref="ObjectiveKind.MaxDownTime"/> and <see cref="ObjectiveKind.MaxOutOfAction"/>.</summary>
    public sealed record Parsed(ObjectiveKind Kind, string Scope, double Threshold, TimeSpan Time);

    [GeneratedRegex(@"^\s*no\s+node\s+of\s+sector\s+(?<sector>\S+)\s+down\s+longer\s+than\s+(?<t>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex MaxDownTime();

    [GeneratedRegex(@"^\s*no\s+node\s+of\s+sector\s+(?<sector>\S+)\s+out\s+of\s+action\s+longer\s+than\s+(?<t>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex MaxOutOfAction();

    [GeneratedRegex(@"^\s*(?<scope>\S+)\s+min\s+capability\s*(?:>=|≥)\s*(?<x>[^\s>=≥]+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex MinCapability();

    [GeneratedRegex(@"^\s*(?<scope>\S+)\s+capability\s*(?:>=|≥)\s*(?<x>[^\s>=≥]+)\s+at\s+(?<t>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex CapabilityAt();

    [GeneratedRegex(@"^\s*(?<scope>\S+)\s+resilience\s+loss\s*(?:<=|≤)\s*(?<t>[^\s<=≤]+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex ResilienceLoss();

    [GeneratedRegex(@"^\s*(?<scope>\S+)\s+recovers\s+to\s+(?<p>[^\s%]+)%\s+within\s+(?<t>\S+)\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex RecoverWithin();

    /// <summary>Parses <paramref name="text"/>; null with every problem added to <paramref name="problems"/> when it is not an objective.</summary>
    public static Parsed? Parse(string text, List<string> problems)
    {
        var before = problems.Count;
        Parsed? parsed = null;
        if (MaxDownTime().Match(text) is { Success: true } down)
        {
            parsed = new(ObjectiveKind.MaxDownTime, down.Groups["sector"].Value, 0, Time(down, problems));
        }
        else if (MaxOutOfAction().Match(text) is { Success: true } outOfAction)
        {
            parsed = new(ObjectiveKind.MaxOutOfAction, outOfAction.Groups["sector"].Value, 0, Time(outOfAction, problems));
        }
        else if (MinCapability().Match(text) is { Success: true } min)
        {
            parsed = new(ObjectiveKind.MinCapability, min.Groups["scope"].Value, Fraction(min.Groups["x"].Value, problems), TimeSpan.Zero);
        }
        else if (CapabilityAt().Match(text) is { Success: true } at)
        {
            parsed = new(ObjectiveKind.CapabilityAt, at.Groups["scope"].Value, Fraction(at.Groups["x"].Value, problems), Time(at, problems));
        }
        else if (ResilienceLoss().Match(text) is { Success: true } loss)
        {
            parsed = new(ObjectiveKind.ResilienceLoss, loss.Groups["scope"].Value, 0, Time(loss, problems));
        }
        else if (RecoverWithin().Match(text) is { Success: true } recover)
        {
            parsed = new(ObjectiveKind.RecoverWithin, recover.Groups["scope"].Value, Percentage(recover.Groups["p"].Value, problems), Time(recover, problems));
        }
        else
        {
            problems.Add($"'{Echo.Of(text)}' is not an objective; write one of: {Forms}");
        }
        return problems.Count == before ? parsed : null;
    }

    private static TimeSpan Time(Match match, List<string> problems)
    {
        if (Duration.TryParse(match.Groups["t"].Value, out var value, out var error))
        {
            return value;
        }
        problems.Add(error);
        return TimeSpan.Zero;
    }

    private static double Fraction(string text, List<string> problems)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            problems.Add($"capability threshold '{Echo.Of(text)}' is not a number");
            return 0;
        }
        if (value is < 0 or > 1)
        {
            problems.Add($"capability threshold {value.ToString(CultureInfo.InvariantCulture)} is out of range 0..1");
        }
        return value;
    }

    private static double Percentage(string text, List<string> problems)
    {
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            problems.Add($"percentage '{Echo.Of(text)}' is not a number");
            return 0;
        }
        if (value is < 0 or > 100)
        {
            problems.Add($"percentage {value.ToString(CultureInfo.InvariantCulture)} is out of range 0..100");
        }
        return value / 100;
    }
}
