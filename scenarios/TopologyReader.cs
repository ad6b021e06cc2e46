using System.Collections.Immutable;
using Bulwark.Scenarios.Yaml;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Scenarios;

/// <summary>
/// Reads the topology part of the scenario language (see <c>scenarios/README.md</c>): domains,
/// segments, nodes, dependencies and sharing. Every reference is resolved to a full id; every
/// problem is reported with its location and nothing is returned while any remains.
/// </summary>
internal static class TopologyReader
{
    /// <summary>A domain as written, before its references are resolved.</summary>
    internal sealed record RawDomain(YamlNode At, string Id, string Name, DomainKind Kind, List<RawSegment> Segments, List<RawSharing> Sharing);

    internal sealed record RawSegment(YamlNode At, string Domain, string Id, Sector Sector, List<(YamlNode At, string Text)> Links, List<RawNode> Nodes)
    {
        public string FullId => Domain + "/" + Id;
    }

    internal sealed record RawNode(
        YamlNode At, string Segment, string Id, NodeKind Kind, Owner Owner, int Criticality,
        ImmutableArray<string> Services, List<(DependencyMode Mode, List<(YamlNode At, string Text)> Refs)> Groups,
        ImmutableArray<Exposure> Exposures, double Detection, double Hardening)
    {
        public string FullId => Segment + "/" + Id;
    }

    internal sealed record RawSharing(YamlNode At, YamlNode PartnerAt, string Partner, TimeSpan Delay, Tlp Tlp);

    /// <summary>Default criticality of a node.</summary>
    public const int DefaultCriticality = 3;

    /// <summary>Default detection chance per tick.</summary>
    public const double DefaultDetection = 0.1;

    /// <summary>Reads the <c>domains</c> list and resolves it into a topology named <paramref name="name"/>.</summary>
    public static TopologyDefinition? Read(YamlReader r, YamlNode domainsNode, string name)
    {
        var domains = ReadDomains(r, domainsNode);
        if (domains.Count == 0 && !r.HasErrors)
        {
            r.Error(domainsNode, "a topology needs at least one domain");
        }
        return Resolve(r, domains, name, [], 0);
    }

    /// <summary>Reads the <c>domains</c> list without resolving references; bad domains are reported and left out.</summary>
    public static List<RawDomain> ReadDomains(YamlReader r, YamlNode domainsNode)
    {
        var domains = new List<RawDomain>();
        foreach (var item in r.Items(domainsNode, "domains"))
        {
            if (ReadDomain(r, item) is { } domain)
            {
                domains.Add(domain);
            }
        }
        return domains;
    }

    /// <summary>The scope name of the whole alliance, which no domain may take.</summary>
    public const string ReservedDomainId = "alliance";

    private static RawDomain? ReadDomain(YamlReader r, YamlNode node)
    {
        if (r.Mapping(node, "a domain") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "domain", "id", "name", "kind", "segments", "sharing");
        var id = f.Required("id") is { } idNode ? r.Id(idNode, "domain id") : null;
        if (id == ReservedDomainId)
        {
            // Posture, reports and objectives name the whole alliance so: a domain of that name would be taken for it.
            r.Error(f.Get("id")!, $"domain id '{ReservedDomainId}' is reserved for the whole alliance; give the domain another id");
        }
        var name = f.Get("name") is { } nameNode ? r.Name(nameNode, "name") : id;
        var kind = f.Required("kind") is { } kindNode ? r.Enum<DomainKind>(kindNode, "domain kind") : null;
        var segments = new List<RawSegment>();
        foreach (var item in r.Items(f.Get("segments"), "segments"))
        {
            // Segments of a domain with a bad id are still read, so their errors are reported too.
            if (ReadSegment(r, item, id ?? "") is { } segment)
            {
                segments.Add(segment);
            }
        }
        var sharing = new List<RawSharing>();
        foreach (var item in r.Items(f.Get("sharing"), "sharing"))
        {
            if (ReadSharing(r, item) is { } agreement)
            {
                sharing.Add(agreement);
            }
        }
        // Kept with a bad kind, like a node with bad fields: its errors stop the load, its id still counts.
        return id is null ? null : new RawDomain(map, id, name ?? id, kind ?? default, segments, sharing);
    }

    private static RawSharing? ReadSharing(YamlReader r, YamlNode node)
    {
        if (r.Mapping(node, "a sharing agreement") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "sharing agreement", "partner", "delay", "tlp");
        var partnerNode = f.Required("partner");
        var partner = partnerNode is null ? null : r.Id(partnerNode, "partner");
        var delay = f.Get("delay") is { } delayNode ? r.Duration(delayNode, "delay") : TimeSpan.Zero;
        var tlp = f.Get("tlp") is { } tlpNode ? r.Enum<Tlp>(tlpNode, "tlp") : Tlp.Amber;
        // Kept with a bad delay or TLP (their errors stop the load), so that its partner is checked too.
        return partner is null ? null : new RawSharing(map, partnerNode!, partner, delay ?? TimeSpan.Zero, tlp ?? Tlp.Amber);
    }

    private static RawSegment? ReadSegment(YamlReader r, YamlNode node, string domain)
    {
        if (r.Mapping(node, "a segment") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "segment", "id", "sector", "links", "nodes");
        var id = f.Required("id") is { } idNode ? r.Id(idNode, "segment id") : null;
        var sector = f.Required("sector") is { } sectorNode ? r.Enum<Sector>(sectorNode, "sector") : null;
        var links = new List<(YamlNode, string)>();
        foreach (var item in r.Items(f.Get("links"), "links"))
        {
            if (r.String(item, "link") is { } text)
            {
                links.Add((item, text));
            }
        }
        var nodes = new List<RawNode>();
        foreach (var item in r.Items(f.Get("nodes"), "nodes"))
        {
            if (ReadNode(r, item, domain + "/" + id) is { } raw)
            {
                nodes.Add(raw);
            }
        }
        // Kept with a bad sector, like a node with bad fields: its errors stop the load, its id still counts.
        return id is null ? null : new RawSegment(map, domain, id, sector ?? default, links, nodes);
    }

    /// <summary>A node's services, each named once, in the order given.</summary>
    internal static List<string> ReadServices(YamlReader r, YamlNode? list)
    {
        var services = new List<string>();
        var named = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in r.Items(list, "services"))
        {
            if (r.Id(item, "service name") is { } service)
            {
                if (!named.Add(service))
                {
                    r.Error(item, $"service '{Echo.Of(service)}' is listed twice");
                    continue;
                }
                services.Add(service);
            }
        }
        return services;
    }

    private static RawNode? ReadNode(YamlReader r, YamlNode node, string segment)
    {
        if (r.Mapping(node, "a node") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "node", "id", "kind", "owner", "criticality", "services", "depends", "exposures", "detection", "hardening");
        var id = f.Required("id") is { } idNode ? r.Id(idNode, "node id") : null;
        var kind = f.Required("kind") is { } kindNode ? r.Enum<NodeKind>(kindNode, "node kind") : null;
        var owner = f.Required("owner") is { } ownerNode ? r.Enum<Owner>(ownerNode, "owner") : null;
        var criticality = f.Get("criticality") is { } c ? r.Int(c, "criticality", 1, 5) : DefaultCriticality;
        var detection = f.Get("detection") is { } d ? r.Number(d, "detection", 0, 1) : DefaultDetection;
        var hardening = f.Get("hardening") is { } h ? r.Number(h, "hardening", 0, 1) : 0;

        var services = ReadServices(r, f.Get("services"));

        var groups = new List<(DependencyMode, List<(YamlNode, string)>)>();
        foreach (var item in r.Items(f.Get("depends"), "depends"))
        {
            if (ReadGroup(r, item) is { } group)
            {
                groups.Add(group);
            }
        }

        var exposures = new List<Exposure>();
        foreach (var item in r.Items(f.Get("exposures"), "exposures"))
        {
            if (ReadExposure(r, item) is { } exposure)
            {
                if (exposures.Any(e => e.Technique == exposure.Technique))
                {
                    r.Error(item, $"exposure to {exposure.Technique} is listed twice");
                    continue;
                }
                exposures.Add(exposure);
            }
        }

        // A node with a good id is kept even when other fields are bad (their errors are reported, so nothing
        // loads), so that duplicates of it and references to it are checked in the same pass.
        return id is null ? null : new RawNode(map, segment, id, kind ?? default, owner ?? default, criticality ?? DefaultCriticality,
            [.. services], groups, [.. exposures], detection ?? DefaultDetection, hardening ?? 0);
    }

    private static (DependencyMode, List<(YamlNode, string)>)? ReadGroup(YamlReader r, YamlNode node)
    {
        if (r.Mapping(node, "a dependency group") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "dependency group", "all-of", "any-of");
        if (f.Has("all-of") == f.Has("any-of"))
        {
            r.Error(map, "a dependency group has exactly one of 'all-of' or 'any-of'");
            return null;
        }
        var mode = f.Has("all-of") ? DependencyMode.AllOf : DependencyMode.AnyOf;
        var listNode = f.Get(mode == DependencyMode.AllOf ? "all-of" : "any-of")!;
        var refs = new List<(YamlNode, string)>();
        var written = new HashSet<string>(StringComparer.Ordinal);
        foreach (var item in r.Items(listNode, "a dependency group"))
        {
            if (r.String(item, "dependency") is { } text)
            {
                if (!written.Add(text))
                {
                    r.Error(item, $"dependency '{Echo.Of(text)}' is listed twice in this group");
                    continue;
                }
                refs.Add((item, text));
            }
        }
        if (refs.Count == 0 && listNode is YamlSequenceNode)
        {
            r.Error(listNode, "a dependency group needs at least one node");
        }
        return (mode, refs);
    }

    internal static Exposure? ReadExposure(YamlReader r, YamlNode node)
    {
        if (r.Mapping(node, "an exposure") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "exposure", "technique", "exploitability");
        string? technique = null;
        if (f.Required("technique") is { } tNode && r.String(tNode, "technique") is { } text)
        {
            if (ObservationRules.IsTechnique(text))
            {
                technique = text;
            }
            else
            {
                r.Error(tNode, $"'{Echo.Of(text)}' is not an ATT&CK technique id (T1234 or T1234.001)");
            }
        }
        var exploitability = f.Required("exploitability") is { } e ? r.Number(e, "exploitability", 0, 1) : null;
        return technique is null || exploitability is null ? null : new Exposure(technique, exploitability.Value);
    }

    /// <summary>
    /// Resolves <paramref name="domains"/> after the already resolved <paramref name="external"/> ones
    /// (from included files, each with the file it came from), which they may link to, depend on and
    /// share with. The topology holds the external domains first, with the links the new segments
    /// make to them added. Null when any error was reported since <paramref name="mark"/> (a count of
    /// <see cref="YamlReader.Diagnostics"/>).
    /// </summary>
    public static TopologyDefinition? Resolve(YamlReader r, List<RawDomain> domains, string name,
        IReadOnlyList<(DomainDefinition Domain, string Origin)> external, int mark)
    {
        var domainIds = new Dictionary<string, RawDomain>(StringComparer.Ordinal);
        var segments = new Dictionary<string, RawSegment>(StringComparer.Ordinal);
        var nodes = new Dictionary<string, RawNode>(StringComparer.Ordinal);
        // File order, first of each id: checks below walk these, never a dictionary.
        var segmentList = new List<RawSegment>();
        var nodeList = new List<RawNode>();
        var externalDomains = new Dictionary<string, string>(StringComparer.Ordinal);
        var externalSegments = new HashSet<string>(StringComparer.Ordinal);
        var externalNodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (domain, origin) in external)
        {
            externalDomains.TryAdd(domain.Id, origin);
            foreach (var segment in domain.Segments)
            {
                externalSegments.Add(segment.Id);
                foreach (var node in segment.Nodes)
                {
                    externalNodes.Add(node.Id);
                }
            }
        }
        foreach (var domain in domains)
        {
            if (externalDomains.TryGetValue(domain.Id, out var origin))
            {
                r.Error(domain.At, $"duplicate domain id '{domain.Id}' (first in {origin})");
            }
            else if (!domainIds.TryAdd(domain.Id, domain))
            {
                var firstDomain = domainIds[domain.Id].At;
                r.ErrorAgain(domain.At, firstDomain, $"duplicate domain id '{domain.Id}' (first at line {firstDomain.Start.Line})");
                if (ReferenceEquals(domain.At, firstDomain))
                {
                    // An alias repeats the whole domain: what is in it was checked the first time.
                    continue;
                }
            }
            foreach (var segment in domain.Segments)
            {
                if (!segments.TryAdd(segment.FullId, segment))
                {
                    var firstSegment = segments[segment.FullId].At;
                    r.ErrorAgain(segment.At, firstSegment, $"duplicate segment id '{segment.FullId}' (first at line {firstSegment.Start.Line})");
                    if (ReferenceEquals(segment.At, firstSegment))
                    {
                        continue;
                    }
                }
                else
                {
                    segmentList.Add(segment);
                }
                foreach (var node in segment.Nodes)
                {
                    if (!nodes.TryAdd(node.FullId, node))
                    {
                        r.ErrorAgain(node.At, nodes[node.FullId].At, $"duplicate node id '{node.FullId}' (first at line {nodes[node.FullId].At.Start.Line})");
                    }
                    else
                    {
                        nodeList.Add(node);
                    }
                }
            }
        }

        // Links are undirected: lateral movement and reachability go both ways.
        var links = segments.Keys.ToDictionary(k => k, _ => new SortedSet<string>(StringComparer.Ordinal), StringComparer.Ordinal);
        var externalLinks = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var segment in segmentList)
        {
            foreach (var (at, text) in segment.Links)
            {
                var target = Qualify(text, [segment.Domain]);
                if (target is null || !EntityId.IsValid(target, 2))
                {
                    r.Error(at, $"'{Echo.Of(text)}' is not a segment reference (seg or DOM/seg)");
                }
                else if (externalSegments.Contains(target))
                {
                    links[segment.FullId].Add(target);
                    if (!externalLinks.TryGetValue(target, out var back))
                    {
                        externalLinks[target] = back = new SortedSet<string>(StringComparer.Ordinal);
                    }
                    back.Add(segment.FullId);
                }
                else if (!segments.ContainsKey(target))
                {
                    r.Error(at, $"link to unknown segment '{target}'");
                }
                else if (target == segment.FullId)
                {
                    r.Error(at, $"segment '{target}' links to itself");
                }
                else
                {
                    links[segment.FullId].Add(target);
                    links[target].Add(segment.FullId);
                }
            }
        }

        foreach (var node in nodeList)
        {
            foreach (var (_, refs) in node.Groups)
            {
                // Each node once per group, whatever form names it (an exact repeat is reported as it is read).
                var named = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (at, text) in refs)
                {
                    var target = Qualify(text, [EntityId.DomainOf(node.Segment), node.Segment[(node.Segment.IndexOf('/') + 1)..]]);
                    if (target is not null && named.TryGetValue(target, out var first))
                    {
                        r.Error(at, $"dependency '{Echo.Of(text)}' names '{target}' again in this group (as '{Echo.Of(first)}' before)");
                        continue;
                    }
                    if (target is not null)
                    {
                        named[target] = text;
                    }
                    if (target is null || !EntityId.IsNode(target))
                    {
                        r.Error(at, $"'{Echo.Of(text)}' is not a node reference (node, seg/node or DOM/seg/node)");
                    }
                    else if (!nodes.ContainsKey(target) && !externalNodes.Contains(target))
                    {
                        r.Error(at, $"dependency on unknown node '{target}'");
                    }
                    else if (target == node.FullId)
                    {
                        r.Error(at, $"node '{target}' depends on itself");
                    }
                }
            }
        }

        foreach (var domain in domains)
        {
            var partners = new HashSet<string>(StringComparer.Ordinal);
            foreach (var sharing in domain.Sharing)
            {
                if (!domainIds.ContainsKey(sharing.Partner) && !externalDomains.ContainsKey(sharing.Partner))
                {
                    r.Error(sharing.PartnerAt, $"sharing with unknown domain '{sharing.Partner}'");
                }
                else if (sharing.Partner == domain.Id)
                {
                    r.Error(sharing.PartnerAt, $"domain '{domain.Id}' shares with itself");
                }
                else if (!partners.Add(sharing.Partner))
                {
                    r.Error(sharing.PartnerAt, $"domain '{domain.Id}' has two agreements with '{sharing.Partner}'");
                }
            }
        }

        if (r.Diagnostics.Count > mark)
        {
            return null;
        }

        var linkedExternal = external.Select(x => externalLinks.Count == 0 ? x.Domain : x.Domain with
        {
            Segments = [.. x.Domain.Segments.Select(s => externalLinks.TryGetValue(s.Id, out var extra)
                ? s with { Links = [.. s.Links.Union(extra, StringComparer.Ordinal).Order(StringComparer.Ordinal)] }
                : s)],
        });
        return new TopologyDefinition(name, [.. linkedExternal, .. domains.Select(d => new DomainDefinition(
            d.Id, d.Name, d.Kind,
            [.. d.Segments.Select(s => new SegmentDefinition(s.FullId, s.Sector, [.. links[s.FullId]],
                [.. s.Nodes.Select(n => new NodeDefinition(n.FullId, n.Kind, n.Owner, n.Criticality, n.Services,
                    [.. n.Groups.Select(g => new DependencyGroup(g.Mode,
                        [.. g.Refs.Select(x => Qualify(x.Text, [d.Id, s.Id])!).Distinct(StringComparer.Ordinal)]))],
                    n.Exposures, n.Detection, n.Hardening))]))],
            [.. d.Sharing.Select(x => new SharingAgreement(x.Partner, x.Delay, x.Tlp))]))]);
    }

    /// <summary>
    /// Completes a reference from its context: with context [DOM, seg], <c>n</c> is
    /// <c>DOM/seg/n</c> and <c>s/n</c> is <c>DOM/s/n</c>; a reference with as many parts as the
    /// full id is already full. Null when it has too many parts.
    /// </summary>
    private static string? Qualify(string text, string[] context)
    {
        var parts = text.Split('/');
        var missing = context.Length + 1 - parts.Length;
        if (missing < 0)
        {
            return null;
        }
        return string.Join('/', context.Take(missing).Concat(parts));
    }
}
