using Bulwark.Scenarios;

namespace Bulwark.Tests.Scenarios;

/// <summary>Generated topologies (<c>topology.generators</c>): ids, graph models, dependencies, determinism.</summary>
public sealed class TopologyGeneratorTests
{
    private static TopologyDefinition Generate(string generator, ulong seed = 7)
    {
        var result = ScenarioFile.Parse($"name: g\nseed: {seed}\nduration: 1d\ntopology:\n  generators:\n    - {generator}\n", "g.yaml");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Value!.Base.Topology;
    }

    private static int LinkCount(TopologyDefinition topology) => topology.AllSegments.Sum(s => s.Links.Length) / 2;

    private static string[] Edges(TopologyDefinition topology) =>
        [.. topology.AllSegments.SelectMany(s => s.Links.Where(l => string.CompareOrdinal(s.Id, l) < 0).Select(l => s.Id[(s.Id.IndexOf('/') + 1)..] + "-" + l[(l.IndexOf('/') + 1)..]))];

    [Fact]
    public void Generators_MoreThanAMillionNodesTogether_AreRefusedAtTheOneThatCrossesTheBound()
    {
        var result = ScenarioFile.Parse("""
            name: g
            seed: 1
            duration: 1d
            topology:
              generators:
                - {model: erdos-renyi, nodes: 600000, domain-prefix: A}
                - {model: erdos-renyi, nodes: 600000, domain-prefix: B}
                - {model: erdos-renyi, nodes: 600000, domain-prefix: C}
            """, "g.yaml");

        Assert.Equal(["g.yaml:7:7: the generators make more than 1,000,000 nodes together (1,200,000 with this one)"],
            result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Generate_Ids_NumberDomainsSegmentsAndNodes()
    {
        var topology = Generate("{model: erdos-renyi, nodes: 45, segment-size: 20, domains: 2, domain-prefix: X}");

        Assert.Equal(["X-1", "X-2"], topology.Domains.Select(d => d.Id));
        Assert.Equal(["X-1", "X-2"], topology.Domains.Select(d => d.Name));
        Assert.All(topology.Domains, d => Assert.Equal(DomainKind.Nation, d.Kind));
        Assert.Equal(["X-1/seg-1", "X-2/seg-2", "X-2/seg-3"], topology.AllSegments.Select(s => s.Id));
        Assert.Equal([20, 20, 5], topology.AllSegments.Select(s => s.Nodes.Length));
        Assert.All(topology.AllSegments, s => Assert.Equal(Sector.Government, s.Sector));
        Assert.Equal("X-1/seg-1/n-1", topology.AllNodes.First().Id);
        Assert.Equal("X-2/seg-3/n-5", topology.AllNodes.Last().Id);
        Assert.Equal("g", topology.Name);
    }

    [Fact]
    public void Generate_NoTemplate_GivesDefaultNodesWithoutDependenciesOrSharing()
    {
        var node = Generate("{model: erdos-renyi, nodes: 3}").AllNodes.First();

        Assert.Equal((NodeKind.Server, Owner.Civilian, 3, 0.1, 0.0), (node.Kind, node.Owner, node.Criticality, node.Detection, node.Hardening));
        Assert.Empty(node.Services);
        Assert.Empty(node.Exposures);
        Assert.Empty(node.Dependencies);
    }

    [Fact]
    public void Generate_Template_IsCopiedToEveryNode()
    {
        var topology = Generate("""
            {model: barabasi-albert, nodes: 30, segment-size: 10, sector: energy, node: {kind: plc, owner: industry, criticality: 5, services: [grid], exposures: [{technique: T0866, exploitability: 0.4}], detection: 0.3, hardening: 0.2}}
            """);

        Assert.All(topology.AllNodes, n => Assert.Equal(
            (NodeKind.Plc, Owner.Industry, 5, "grid", "T0866", 0.4, 0.3, 0.2),
            (n.Kind, n.Owner, n.Criticality, n.Services.Single(), n.Exposures.Single().Technique, n.Exposures.Single().Exploitability, n.Detection, n.Hardening)));
        Assert.All(topology.AllSegments, s => Assert.Equal(Sector.Energy, s.Sector));
    }

    [Fact]
    public void Generate_WattsStrogatzWithoutRewiring_IsARingLattice()
    {
        var topology = Generate("{model: watts-strogatz, nodes: 10, segment-size: 1, k: 2, beta: 0}");

        Assert.Equal(["GEN-1/seg-10", "GEN-1/seg-2", "GEN-1/seg-3", "GEN-1/seg-9"], topology.AllSegments.First().Links);
        Assert.All(topology.AllSegments, s => Assert.Equal(4, s.Links.Length));
        Assert.All(topology.AllSegments, s => Assert.Single(s.Nodes));
    }

    [Fact]
    public void Generate_WattsStrogatz_KeepsTheNumberOfLinksWhenRewiring()
    {
        var topology = Generate("{model: watts-strogatz, nodes: 200, segment-size: 1, k: 3, beta: 0.5}");

        Assert.Equal(600, LinkCount(topology));
        Assert.NotEqual(6, topology.AllSegments.Min(s => s.Links.Length));
    }

    [Fact]
    public void Generate_BarabasiAlbert_AddsMLinksPerSegmentAfterACoreClique()
    {
        var topology = Generate("{model: barabasi-albert, nodes: 100, segment-size: 1, m: 3}");

        Assert.Equal(6 + (96 * 3), LinkCount(topology));
        Assert.Equal(3, topology.AllSegments.Min(s => s.Links.Length));
        Assert.True(topology.AllSegments.Max(s => s.Links.Length) >= 15, "preferential attachment grows hubs");
    }

    [Fact]
    public void Generate_ErdosRenyi_HasAboutTheMeanDegree()
    {
        var topology = Generate("{model: erdos-renyi, nodes: 4000, segment-size: 1, mean-degree: 6}");

        var mean = 2.0 * LinkCount(topology) / 4000;
        Assert.InRange(mean, 5.8, 6.2);
    }

    [Fact]
    public void Generate_ErdosRenyiWithFullDegree_LinksEveryPair()
    {
        var topology = Generate("{model: erdos-renyi, nodes: 8, segment-size: 1, mean-degree: 7}");

        Assert.All(topology.AllSegments, s => Assert.Equal(7, s.Links.Length));
    }

    [Fact]
    public void Generate_ErdosRenyiWithZeroDegree_HasNoLinks()
    {
        Assert.Equal(0, LinkCount(Generate("{model: erdos-renyi, nodes: 100, segment-size: 1, mean-degree: 0}")));
    }

    [Fact]
    public void Generate_Dependencies_AreOneAnyOfGroupFromLinkedSegments()
    {
        var topology = Generate("{model: barabasi-albert, nodes: 300, segment-size: 10, m: 2, dependencies: 3}");

        var segments = topology.AllSegments.ToDictionary(s => s.Id);
        Assert.All(topology.AllNodes, n =>
        {
            var group = Assert.Single(n.Dependencies);
            Assert.Equal(DependencyMode.AnyOf, group.Mode);
            Assert.Equal(3, group.Nodes.Distinct().Count());
            Assert.All(group.Nodes, d => Assert.Contains(EntityId.SegmentOf(d), segments[EntityId.SegmentOf(n.Id)].Links));
            Assert.All(group.Nodes, d => Assert.Contains(segments[EntityId.SegmentOf(d)].Nodes, x => x.Id == d));
        });
    }

    [Fact]
    public void Generate_Sharing_EveryDomainSharesWithEveryOther()
    {
        var topology = Generate("{model: erdos-renyi, nodes: 60, domains: 3, sharing: {delay: 1h, tlp: green}}");

        Assert.Equal([
            "GEN-1: GEN-2 GEN-3", "GEN-2: GEN-1 GEN-3", "GEN-3: GEN-1 GEN-2",
        ], topology.Domains.Select(d => d.Id + ": " + string.Join(" ", d.Sharing.Select(a => a.Partner))));
        Assert.All(topology.Domains.SelectMany(d => d.Sharing), a => Assert.Equal((TimeSpan.FromHours(1), Tlp.Green), (a.Delay, a.Tlp)));
    }

    [Theory]
    [InlineData("{model: erdos-renyi, nodes: 500, segment-size: 5, dependencies: 2}")]
    [InlineData("{model: barabasi-albert, nodes: 500, segment-size: 5, dependencies: 2}")]
    [InlineData("{model: watts-strogatz, nodes: 500, segment-size: 5, beta: 0.3, dependencies: 2}")]
    public void Generate_SameSeed_GivesTheSameTopologyAndAnotherSeedAnother(string generator)
    {
        var first = Edges(Generate(generator, seed: 11));

        Assert.Equal(first, Edges(Generate(generator, seed: 11)));
        Assert.NotEqual(first, Edges(Generate(generator, seed: 12)));
        Assert.Equal(
            Generate(generator, seed: 11).AllNodes.Select(n => string.Join(",", n.Dependencies.SelectMany(g => g.Nodes))),
            Generate(generator, seed: 11).AllNodes.Select(n => string.Join(",", n.Dependencies.SelectMany(g => g.Nodes))));
    }

    [Fact]
    public void Generate_OwnSeed_IgnoresTheScenarioSeed()
    {
        const string Generator = "{model: erdos-renyi, nodes: 300, segment-size: 3, seed: 99}";

        Assert.Equal(Edges(Generate(Generator, seed: 1)), Edges(Generate(Generator, seed: 2)));
    }

    /// <summary>Pins the draws: a change here changes every generated topology, and every journal of a run on one.</summary>
    [Theory]
    [InlineData("{model: erdos-renyi, nodes: 8, segment-size: 1, mean-degree: 2, seed: 1}",
        "seg-1-seg-6 seg-1-seg-7 seg-2-seg-3 seg-2-seg-5 seg-2-seg-6 seg-4-seg-7 seg-5-seg-6 seg-5-seg-7 seg-7-seg-8")]
    [InlineData("{model: barabasi-albert, nodes: 8, segment-size: 1, m: 1, seed: 1}",
        "seg-1-seg-2 seg-1-seg-3 seg-1-seg-4 seg-1-seg-5 seg-1-seg-6 seg-1-seg-7 seg-3-seg-8")]
    [InlineData("{model: watts-strogatz, nodes: 8, segment-size: 1, k: 1, beta: 0.5, seed: 1}",
        "seg-1-seg-2 seg-1-seg-8 seg-2-seg-3 seg-2-seg-4 seg-3-seg-4 seg-5-seg-6 seg-6-seg-8 seg-7-seg-8")]
    public void Generate_SmallGraphs_AreExactlyTheseEdges(string generator, string edges)
    {
        Assert.Equal(edges, string.Join(" ", Edges(Generate(generator))));
    }
}
