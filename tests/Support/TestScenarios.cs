using System.Collections.Immutable;

namespace Bulwark.Tests.Support;

/// <summary>Scenarios built in code over the small test topologies, for hand-computed expectations.</summary>
public static class TestScenarios
{
    public static InjectDefinition Inject(string id, TimeSpan time, string target, InjectKind kind, params (string Key, string Value)[] parameters) =>
        new(id, time, target, kind, parameters.ToImmutableSortedDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal), null, null, null);

    public static ScenarioDefinition Build(TopologyDefinition topology, TimeSpan duration, TimeSpan tick, IEnumerable<InjectDefinition> injects,
        IEnumerable<ObjectiveDefinition>? objectives = null, ulong seed = 1, TimeSpan? containAfter = null, TimeSpan? recoverAfter = null,
        TimeSpan? spread = null) =>
        new(new ScenarioMetadata("test", "", "", Tlp.Amber), seed, duration, tick, topology,
            [.. topology.Domains.Select(d => new Playbook(d.Id, containAfter ?? TimeSpan.FromMinutes(30), recoverAfter ?? TimeSpan.FromHours(4), true, 0.5, true, 5))],
            new AdversaryProfile(spread ?? TimeSpan.FromMinutes(10), spread ?? TimeSpan.FromHours(1)),
            [.. injects.OrderBy(i => i.Time).ThenBy(i => i.Id, StringComparer.Ordinal)], [.. objectives ?? []], null);
}
