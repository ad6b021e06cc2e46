using System.Collections.Immutable;
using System.Globalization;
using Bulwark.Scenarios.Yaml;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Scenarios.Generators;

/// <summary>Reads one <c>topology.generators</c> entry into a <see cref="GeneratorSpec"/>, reporting every bad field.</summary>
internal static class GeneratorReader
{
    /// <summary>Upper bound on generated nodes per generator, so a typo cannot exhaust memory.</summary>
    public const int MaxNodes = 1_000_000;

    /// <summary>Upper bound on the links between segments one generator makes (each costs memory on both ends).</summary>
    public const long MaxLinks = 2_000_000;

    /// <summary>Upper bound on the dependencies one generator gives its nodes, all nodes together.</summary>
    public const long MaxDependencies = 5_000_000;

    private static readonly (string Key, GraphModel Model)[] ModelParameters =
    [
        ("mean-degree", GraphModel.ErdosRenyi),
        ("m", GraphModel.BarabasiAlbert),
        ("k", GraphModel.WattsStrogatz),
        ("beta", GraphModel.WattsStrogatz),
    ];

    /// <summary>The spec, or null when a field is bad; <paramref name="defaultSeed"/> is null when the scenario's own seed is bad.</summary>
    public static GeneratorSpec? Read(YamlReader r, YamlNode node, ulong? defaultSeed, out YamlNode prefixAt)
    {
        prefixAt = node;
        if (r.Mapping(node, "a generator") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "generator", "model", "nodes", "segment-size", "domains", "domain-prefix", "sector", "seed",
            "node", "dependencies", "sharing", "mean-degree", "m", "k", "beta");
        var model = f.Required("model") is { } modelNode ? r.Enum<GraphModel>(modelNode, "graph model") : null;
        var nodes = f.Required("nodes") is { } n ? r.Int(n, "nodes", 1, MaxNodes) : null;
        var segmentSize = f.Get("segment-size") is { } s ? r.Int(s, "segment-size", 1, MaxNodes) : 20;
        int? domains = 1;
        if (f.Get("domains") is { } domainsNode)
        {
            domains = r.Int(domainsNode, "domains", 1, MaxNodes);
            if (domains is { } d && nodes is { } total && segmentSize is { } size && d > (total + size - 1) / size)
            {
                r.Error(domainsNode, $"'domains' {d} is more than the {(total + size - 1) / size} segments");
                domains = null;
            }
        }
        string? prefix = "GEN";
        if (f.Get("domain-prefix") is { } prefixNode)
        {
            prefixAt = prefixNode;
            prefix = r.Id(prefixNode, "domain-prefix");
            // The domains are PREFIX-1 ... PREFIX-N: each an id part, at most as long as one may be.
            var longest = (domains ?? 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1;
            if (prefix is not null && prefix.Length + longest > EntityId.MaxPartLength)
            {
                r.Error(prefixNode, $"'domain-prefix' is {prefix.Length} characters long: with '-' and the domain's number the ids would pass {EntityId.MaxPartLength}; "
                    + $"at most {EntityId.MaxPartLength - longest} here");
                prefix = null;
            }
        }
        var sector = f.Get("sector") is { } sectorNode ? r.Enum<Sector>(sectorNode, "sector") : Sector.Government;
        var seed = f.Get("seed") is { } seedNode ? r.UInt64(seedNode, "seed") : defaultSeed;
        var template = f.Get("node") is { } templateNode ? ReadTemplate(r, templateNode) : DefaultTemplate;
        var dependencies = f.Get("dependencies") is { } depNode ? r.Int(depNode, "dependencies", 0, 1000) : 0;
        SharingAgreement? sharing = null;
        var sharingOk = true;
        if (f.Get("sharing") is { } sharingNode)
        {
            sharing = ReadSharing(r, sharingNode);
            sharingOk = sharing is not null;
        }

        if (model is { } m)
        {
            foreach (var (key, owner) in ModelParameters)
            {
                if (owner != m && f.Get(key) is { } wrong)
                {
                    r.Error(wrong, $"'{key}' is a parameter of {WireNames.Of(owner)}, not of {WireNames.Of(m)}");
                }
            }
        }
        var meanDegree = f.Get("mean-degree") is { } md ? r.Number(md, "mean-degree", 0, MaxNodes) : 4;
        var links = f.Get("m") is { } mNode ? r.Int(mNode, "m", 1, MaxNodes) : 2;
        var k = f.Get("k") is { } kNode ? r.Int(kNode, "k", 1, MaxNodes) : 2;
        var beta = f.Get("beta") is { } bNode ? r.Number(bNode, "beta", 0, 1) : 0.1;

        if (model is { } graph && nodes is { } count && segmentSize is { } perSegment)
        {
            var tooBig = false;
            var segments = (count + (long)perSegment - 1) / perSegment;
            var (parameter, value, estimate) = graph switch
            {
                GraphModel.ErdosRenyi => ("mean-degree", meanDegree, meanDegree is { } degree ? (long)(segments * Math.Min(degree, segments - 1) / 2) : 0),
                GraphModel.BarabasiAlbert => ("m", (double?)links, links is { } lm ? segments * Math.Min(lm, segments - 1) : 0),
                _ => ("k", (double?)k, k is { } kk ? segments * Math.Min(kk, segments / 2) : 0),
            };
            if (estimate > MaxLinks)
            {
                r.Error(f.Get(parameter) ?? f.Get("model")!, string.Create(CultureInfo.InvariantCulture,
                    $"{parameter} {value} gives about {estimate:N0} links between {segments:N0} segments; a generator makes at most {MaxLinks:N0} (a smaller {parameter} or a larger segment-size)"));
                tooBig = true;
            }
            if (dependencies is { } perNode && (long)count * perNode > MaxDependencies)
            {
                r.Error(f.Get("dependencies")!, string.Create(CultureInfo.InvariantCulture,
                    $"dependencies {perNode} for {count:N0} nodes is {(long)count * perNode:N0} dependencies; a generator makes at most {MaxDependencies:N0}"));
                tooBig = true;
            }
            if (tooBig)
            {
                return null;
            }
        }
        if (model is null || nodes is null || segmentSize is null || domains is null || prefix is null || sector is null
            || seed is null || template is null || dependencies is null || !sharingOk || meanDegree is null || links is null
            || k is null || beta is null)
        {
            return null;
        }
        return new GeneratorSpec(model.Value, nodes.Value, segmentSize.Value, domains.Value, prefix, sector.Value, seed.Value,
            template, dependencies.Value, sharing, meanDegree.Value, links.Value, k.Value, beta.Value);
    }

    private static readonly NodeTemplate DefaultTemplate =
        new(NodeKind.Server, Owner.Civilian, TopologyReader.DefaultCriticality, [], [], TopologyReader.DefaultDetection, 0);

    private static NodeTemplate? ReadTemplate(YamlReader r, YamlNode node)
    {
        if (r.Mapping(node, "a node template") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "node template", "kind", "owner", "criticality", "services", "exposures", "detection", "hardening");
        var kind = f.Get("kind") is { } kindNode ? r.Enum<NodeKind>(kindNode, "node kind") : NodeKind.Server;
        var owner = f.Get("owner") is { } ownerNode ? r.Enum<Owner>(ownerNode, "owner") : Owner.Civilian;
        var criticality = f.Get("criticality") is { } c ? r.Int(c, "criticality", 1, 5) : TopologyReader.DefaultCriticality;
        var detection = f.Get("detection") is { } d ? r.Number(d, "detection", 0, 1) : TopologyReader.DefaultDetection;
        var hardening = f.Get("hardening") is { } h ? r.Number(h, "hardening", 0, 1) : 0;
        var services = TopologyReader.ReadServices(r, f.Get("services"));
        var exposures = new List<Exposure>();
        var ok = true;
        foreach (var item in r.Items(f.Get("exposures"), "exposures"))
        {
            if (TopologyReader.ReadExposure(r, item) is not { } exposure)
            {
                ok = false;
            }
            else if (exposures.Any(e => e.Technique == exposure.Technique))
            {
                r.Error(item, $"exposure to {exposure.Technique} is listed twice");
                ok = false;
            }
            else
            {
                exposures.Add(exposure);
            }
        }
        if (!ok || kind is null || owner is null || criticality is null || detection is null || hardening is null)
        {
            return null;
        }
        return new NodeTemplate(kind.Value, owner.Value, criticality.Value, [.. services], [.. exposures], detection.Value, hardening.Value);
    }

    private static SharingAgreement? ReadSharing(YamlReader r, YamlNode node)
    {
        if (r.Mapping(node, "generator sharing") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "generator sharing", "delay", "tlp");
        var delay = f.Get("delay") is { } delayNode ? r.Duration(delayNode, "delay") : TimeSpan.Zero;
        var tlp = f.Get("tlp") is { } tlpNode ? r.Enum<Tlp>(tlpNode, "tlp") : Tlp.Amber;
        return delay is null || tlp is null ? null : new SharingAgreement("", delay.Value, tlp.Value);
    }
}
