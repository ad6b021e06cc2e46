using System.Globalization;

namespace Bulwark.Grains.Simulation;

/// <summary>
/// A domain in an exercise: turns detections into indicators, hardens its exposed nodes, raises
/// its alert level and shares indicators over its agreements. Hardening and alert levels go out
/// as one broadcast addressed to the domain itself, which the calendar hands to its nodes. A
/// domain shares its own first detection of a technique over every agreement, even when it knew
/// the technique already. A nato-enterprise domain is the alliance's hub: it also passes on what
/// it receives, unless it came under TLP:AMBER+STRICT or TLP:RED (which do not allow it), to every
/// partner but the sender, under the stricter of the label it came under and the agreement's.
/// Each domain sends a technique out once.
/// </summary>
public sealed class DomainModel(DomainSetup setup) : ITickModel
{
    private readonly SortedDictionary<string, long> _known = new(StringComparer.Ordinal);
    // Techniques this domain has sent to its partners.
    private readonly HashSet<string> _sent = new(StringComparer.Ordinal);
    private int _alertLevel = setup.AlertLevel;

    public string Id => setup.Id;

    public TickResult Apply(long tick, IReadOnlyList<SimEvent> events)
    {
        var journal = new List<JournalEntry>();
        var emitted = new List<SimEvent>();
        var levelBefore = _alertLevel;
        void Log(string kind, string detail) => journal.Add(new JournalEntry(tick, Id, kind, detail));

        void SetLevel(int level, string why)
        {
            if (level == _alertLevel)
            {
                return;
            }
            Log("alert", $"{_alertLevel}->{level} {why}");
            _alertLevel = level;
        }

        void Learn(string technique, string origin, string how, Tlp label)
        {
            if (_known.TryAdd(technique, tick))
            {
                Log("indicator", $"{technique} {how}");
                var hardening = (long)Math.Round(setup.IndicatorHardening * 1e6);
                if (hardening > 0)
                {
                    emitted.Add(new SimEvent(tick + 1, Id, SimEventKind.Harden, Id, technique, hardening, ""));
                }
                if (setup.RaiseAlertOnIndicator && _alertLevel > 1)
                {
                    SetLevel(_alertLevel - 1, "on " + technique);
                }
            }
            if (origin != Id && setup.Kind != DomainKind.NatoEnterprise || setup.Sharing.IsEmpty)
            {
                return;
            }
            if (origin != Id && label >= Tlp.AmberStrict)
            {
                // Every such copy is journalled, also of a technique passed on before from elsewhere.
                Log("withheld", $"{technique} received from {origin} under TLP:{(label == Tlp.Red ? "RED" : "AMBER+STRICT")}: not passed on");
                return;
            }
            if (_sent.Contains(technique))
            {
                return;
            }
            _sent.Add(technique);
            var partners = new List<string>();
            foreach (var (partner, delay, agreed) in setup.Sharing)
            {
                if (partner == origin)
                {
                    continue;
                }
                var sent = agreed > label ? agreed : label;
                emitted.Add(new SimEvent(tick + delay, partner, SimEventKind.Indicator, Id, technique, (long)sent, "shared by " + Id));
                partners.Add($"{partner}+{delay.ToString(CultureInfo.InvariantCulture)}({WireNames.Of(sent)})");
            }
            if (partners.Count > 0)
            {
                Log("shared", $"{technique} with {string.Join(",", partners)}");
            }
        }

        var sorted = events.ToList();
        sorted.Sort(SimEvent.Canonical);
        foreach (var e in sorted)
        {
            switch (e.Kind)
            {
                case SimEventKind.Detection:
                    Learn(e.Technique, Id, "detected on " + e.Source, Tlp.Clear);
                    break;
                case SimEventKind.Indicator:
                    Learn(e.Technique, e.Source, e.Detail, (Tlp)e.Value);
                    break;
                case SimEventKind.SetAlert:
                    SetLevel((int)e.Value, "by " + e.Source);
                    break;
                default:
                    throw new InvalidOperationException($"domain {Id} cannot apply {e.Kind}");
            }
        }
        // The nodes learn the level the domain ends the tick on. (One broadcast per change would
        // reach them in canonical order, by value: two raises in a tick, 4->3->2, left them at 3.)
        if (_alertLevel != levelBefore)
        {
            emitted.Add(new SimEvent(tick + 1, Id, SimEventKind.AlertLevel, Id, "", _alertLevel, ""));
        }
        return new TickResult(Id, [.. journal], [.. emitted]);
    }
}
