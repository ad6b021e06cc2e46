using System.Collections.Immutable;
using Bulwark.Scenarios.Yaml;

namespace Bulwark.Scenarios;

/// <summary>Loads topology files (<c>scenarios/README.md</c>): all or nothing, every error located.</summary>
public static class TopologyFile
{
    private static readonly string[] ScenarioKeys = ["injects", "seed", "topology", "objectives"];

    /// <summary>True when a topology file's errors say it is a scenario (keys only a scenario has).</summary>
    public static bool LooksLikeScenario(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Any(d => ScenarioKeys.Any(k => d.Message.StartsWith($"unknown key '{k}'", StringComparison.Ordinal)));

    /// <summary>True when a scenario file's errors say it is a topology (a <c>domains</c> key at its top).</summary>
    public static bool LooksLikeTopology(IEnumerable<Diagnostic> diagnostics) =>
        diagnostics.Any(d => d.Message.StartsWith("unknown key 'domains'", StringComparison.Ordinal));

    /// <summary>Reads and validates the topology file at <paramref name="path"/>.</summary>
    public static LoadResult<TopologyDefinition> Load(string path)
    {
        if (!SourceFile.TryRead(path, out var text, out var problem))
        {
            return new(null, [problem!]);
        }
        return Parse(text, path);
    }

    /// <summary>Validates topology <paramref name="text"/>; <paramref name="file"/> names it in diagnostics.</summary>
    public static LoadResult<TopologyDefinition> Parse(string text, string file)
    {
        var r = new YamlReader(file);
        TopologyDefinition? topology = null;
        if (r.Parse(text) is { } root && r.Mapping(root, "a topology file") is { } map)
        {
            var f = r.Fields(map, "topology file", "name", "description", "domains");
            var name = f.Get("name") is { } n ? r.Name(n, "name") : null;
            if (f.Get("description") is { } d)
            {
                r.String(d, "description");
            }
            if (f.Required("domains") is { } domains)
            {
                topology = TopologyReader.Read(r, domains, name ?? Path.GetFileNameWithoutExtension(file));
            }
        }
        var diagnostics = r.Diagnostics.OrderBy(x => x.Line).ThenBy(x => x.Column).ToImmutableArray();
        return diagnostics.IsEmpty ? new(topology, []) : new(null, diagnostics);
    }
}
