using Bulwark.Scenarios;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Scenarios;

public sealed class TopologyFileTests
{
    private static string[] Errors(string yaml) =>
        [.. TopologyFile.Parse(yaml, "t.yaml").Diagnostics.Select(d => d.ToString())];

    [Fact]
    public void Parse_NodeRepeatedByAliases_IsReportedAtEachAlias()
    {
        Assert.Equal(
        [
            "t.yaml:10:13: duplicate node id 'A/s/n1' (first at line 9)",
            "t.yaml:12:13: duplicate node id 'A/s/n1' (first at line 9)",
            "t.yaml:13:9: duplicate segment id 'A/s' (first at line 5)",
        ], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - &seg
                    id: s
                    sector: energy
                    nodes:
                      - &n {id: n1, kind: server, owner: civilian}
                      - *n
                      - {id: n2, kind: server, owner: civilian}
                      - *n
                  - *seg
            """));
    }

    [Fact]
    public void Load_LibraryAlliance_HasTheAlliance()
    {
        var result = TopologyFile.Load(TestTopologies.LibraryPath());

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var topology = result.Value!;
        Assert.Equal(["EST", "LVA", "LTU", "FIN", "POL", "ROU", "BGR", "NATO", "NORDTEL", "BALTGRID"],
            topology.Domains.Select(d => d.Id));
        Assert.Equal(373, topology.AllNodes.Count());
        Assert.Equal(DomainKind.NatoEnterprise, topology.Domains.Single(d => d.Id == "NATO").Kind);
        Assert.Equal(2, topology.Domains.Count(d => d.Kind == DomainKind.Industry));
        Assert.Contains(topology.AllNodes, n => n.Kind == NodeKind.Cable);
        Assert.Contains(topology.AllNodes, n => n.Kind == NodeKind.LandingStation);
        Assert.Contains(topology.AllNodes, n => n.Kind == NodeKind.GroundStation);
        Assert.Contains(topology.AllNodes, n => n.Owner == Owner.Military
            && n.Dependencies.SelectMany(g => g.Nodes).Any(d => topology.AllNodes.Single(x => x.Id == d).Kind == NodeKind.PowerSubstation));
    }

    [Fact]
    public void Parse_CrossDomain_ResolvesReferencesToFullIds()
    {
        var topology = TestTopologies.Parse(TestTopologies.CrossDomain);

        var c2 = topology.AllNodes.Single(n => n.Id == "A/mil/c2");
        Assert.Equal(DependencyMode.AllOf, c2.Dependencies[0].Mode);
        Assert.Equal(["A/power/sub-1"], c2.Dependencies[0].Nodes);
        Assert.Equal(DependencyMode.AnyOf, c2.Dependencies[1].Mode);
        Assert.Equal(["B/telecom/cable-1", "B/telecom/cable-2"], c2.Dependencies[1].Nodes);
        Assert.Equal(["A/mil/c2"], topology.AllNodes.Single(n => n.Id == "A/mil/ws").Dependencies[0].Nodes);
        Assert.Equal("Alpha", topology.Domains[0].Name);
        Assert.Equal("B", topology.Domains[1].Name);
        // Links are undirected.
        Assert.Equal(["A/power"], topology.AllSegments.Single(s => s.Id == "A/mil").Links);
        Assert.Equal(["A/mil"], topology.AllSegments.Single(s => s.Id == "A/power").Links);
        // Defaults.
        var cable = topology.AllNodes.Single(n => n.Id == "B/telecom/cable-1");
        Assert.Equal((0.1, 0.0), (cable.Detection, cable.Hardening));
    }

    [Fact]
    public void Parse_DefaultCriticality_IsThree()
    {
        var topology = TestTopologies.Parse("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes: [{id: n, kind: server, owner: civilian}]
            """);

        Assert.Equal(3, topology.AllNodes.Single().Criticality);
    }

    [Fact]
    public void Parse_UnknownNodeInDependency_ReportsItsLocation()
    {
        Assert.Equal(["t.yaml:8:72: dependency on unknown node 'A/s/ghost'"], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes:
                      - {id: n, kind: server, owner: civilian, depends: [{all-of: [ghost]}]}
            """));
    }

    [Fact]
    public void Parse_DuplicateIds_ReportsEachRepeat()
    {
        Assert.Equal([
            "t.yaml:9:13: duplicate node id 'A/s/n' (first at line 8)",
            "t.yaml:10:5: duplicate domain id 'A' (first at line 2)",
        ], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes:
                      - {id: n, kind: server, owner: civilian}
                      - {id: n, kind: router, owner: civilian}
              - id: A
                kind: industry
            """));
    }

    [Fact]
    public void Parse_BadIdCharacters_AreErrors()
    {
        Assert.Equal([
            "t.yaml:2:9: bad domain id 'EST_1': use letters, digits and '-' only",
            "t.yaml:5:13: bad segment id 'mil c2': use letters, digits and '-' only",
        ], Errors("""
            domains:
              - id: EST_1
                kind: nation
                segments:
                  - id: mil c2
                    sector: military
            """));
    }

    [Fact]
    public void Parse_IdLongerThanAPartMayBe_IsAnErrorThatDoesNotRepeatItWhole()
    {
        var id = new string('x', 2_000_000);

        Assert.Equal([$"t.yaml:2:9: bad domain id '{id[..60]}… (2,000,000 characters)': at most 64 characters, not 2,000,000"], Errors($"""
            domains:
              - id: {id}
                kind: nation
            """));
    }

    [Fact]
    public void Parse_ServiceOrDependencyListedTwice_IsAnErrorAtTheRepeat()
    {
        Assert.Equal([
            "t.yaml:7:119: dependency 'a' is listed twice in this group",
            "t.yaml:8:34: service 'dns' is listed twice",
        ], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes: [{id: a, kind: server, owner: civilian}, {id: b, kind: server, owner: civilian, depends: [{all-of: [a, a]}],
                             services: [dns, dns]}]
            """));
    }

    [Fact]
    public void Parse_DependencyNamedTwiceInOtherForms_IsAnErrorAtTheRepeat()
    {
        Assert.Equal([
            "t.yaml:8:79: dependency 'A/s/a' names 'A/s/a' again in this group (as 'a' before)",
            "t.yaml:8:86: dependency 's/a' names 'A/s/a' again in this group (as 'a' before)",
        ], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes: [{id: a, kind: server, owner: civilian}, {id: b, kind: server, owner: civilian, depends: [{all-of: [a]}, {any-of: [A/s/a]}]},
                            {id: c, kind: server, owner: civilian, depends: [{all-of: [a, A/s/a, s/a]}]}]
            """));
    }

    [Fact]
    public void Parse_CriticalityOutOfRange_IsAnError()
    {
        Assert.Equal(["t.yaml:7:69: 'criticality' 7 is out of range 1..5"], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes: [{id: n, kind: server, owner: civilian, criticality: 7}]
            """));
    }

    [Fact]
    public void Parse_LinkToUnknownSegment_IsAnError()
    {
        Assert.Equal(["t.yaml:7:17: link to unknown segment 'B/nowhere'"], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    links: [B/nowhere]
            """));
    }

    [Fact]
    public void Parse_YamlSyntaxError_IsLocated()
    {
        var errors = Errors("""
            domains:
              - id: A
                kind: [nation
            """);

        Assert.Equal(["t.yaml:3:11: YAML syntax: this '[' is never closed (the file ends inside it)"], errors);
    }

    [Fact]
    public void Parse_ManyProblems_AreAllReportedAtOnceAndNothingLoads()
    {
        var result = TopologyFile.Parse("""
            domains:
              - id: A
                kind: natoin
                sharing: [{partner: Z, delay: 30x}]
                segments:
                  - id: s
                    sector: energy
                    nodes:
                      - id: n
                        kind: server
                        owner: civilian
                        critcality: 2
                        exposures: [{technique: X1190, exploitability: 1.5}]
                        detection: lots
            """, "t.yaml");

        Assert.Null(result.Value);
        Assert.Equal([
            "t.yaml:3:11: unknown domain kind 'natoin'; did you mean 'nation'?",
            "t.yaml:4:25: sharing with unknown domain 'Z'",
            "t.yaml:4:35: 'delay': '30x' is not a duration; units are d, h, m, s, largest first (1h30m)",
            "t.yaml:12:13: unknown key 'critcality' in node; did you mean 'criticality'?",
            "t.yaml:13:37: 'X1190' is not an ATT&CK technique id (T1234 or T1234.001)",
            "t.yaml:13:60: 'exploitability' 1.5 is out of range 0..1",
            "t.yaml:14:24: 'detection' must be a number from 0 to 1, not 'lots'",
        ], result.Diagnostics.Select(d => d.ToString()));
    }

    [Fact]
    public void Parse_BadFieldsAndBadReferences_AreReportedInOnePass()
    {
        // Entities with bad fields still take part in the reference checks: nothing is left for a second attempt to find.
        Assert.Equal([
            "t.yaml:3:11: unknown domain kind 'natoin'; did you mean 'nation'?",
            "t.yaml:6:17: unknown sector 'enrgy'; did you mean 'energy'?",
            "t.yaml:8:42: unknown owner 'civilan'; did you mean 'civilian'?",
            "t.yaml:8:71: dependency on unknown node 'A/s/ghost'",
            "t.yaml:9:13: duplicate node id 'A/s/n' (first at line 8)",
            "t.yaml:9:65: 'criticality' 9 is out of range 1..5",
            "t.yaml:10:5: duplicate domain id 'A' (first at line 2)",
        ], Errors("""
            domains:
              - id: A
                kind: natoin
                segments:
                  - id: s
                    sector: enrgy
                    nodes:
                      - {id: n, kind: server, owner: civilan, depends: [{all-of: [ghost]}]}
                      - {id: n, kind: server, owner: civilian, criticality: 9}
              - id: A
                kind: nation
            """));
    }

    [Fact]
    public void Load_Directory_IsAClearError()
    {
        var directory = Path.GetTempPath().TrimEnd(Path.DirectorySeparatorChar);

        Assert.Equal([$"{directory}:1:1: cannot read the file: it is a directory"], TopologyFile.Load(directory).Diagnostics.Select(d => d.ToString()));
    }

    [Theory]
    [InlineData("name: [unclosed\ndomains: []\n", "t.yaml:1:7: YAML syntax: this '[' is never closed (the file ends inside it)")]
    [InlineData("name: n\ndomains:\n  - {id: A, name: a\n  - {id: B, name: b}\n", "t.yaml:3:5: YAML syntax: this '{' is never closed (the file ends inside it)")]
    [InlineData("name: {a: 1", "t.yaml:1:7: YAML syntax: this '{' is never closed (the file ends inside it)")]
    public void Parse_UnclosedFlowCollection_IsLocated(string yaml, string expected)
    {
        Assert.Equal([expected], Errors(yaml));
    }

    [Fact]
    public void Parse_SharingWithUnknownDomain_IsAnError()
    {
        Assert.Equal(["t.yaml:4:25: sharing with unknown domain 'Z'"], Errors("""
            domains:
              - id: A
                kind: nation
                sharing: [{partner: Z, delay: 30m, tlp: amber}]
            """));
    }

    [Fact]
    public void Parse_SelfDependency_IsAnError()
    {
        Assert.Equal(["t.yaml:7:76: node 'A/s/n' depends on itself"], Errors("""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes: [{id: n, kind: server, owner: civilian, depends: [{any-of: [n]}]}]
            """));
    }

    [Fact]
    public void Parse_EmptyFile_IsAnError()
    {
        Assert.Equal(["t.yaml:1:1: the file is empty"], Errors("# nothing here\n"));
    }

    [Fact]
    public void Load_MissingFile_IsALocatedError()
    {
        var result = TopologyFile.Load("/nonexistent/topology.yaml");

        var error = Assert.Single(result.Diagnostics);
        Assert.Equal(("/nonexistent/topology.yaml", 1, 1), (error.File, error.Line, error.Column));
        Assert.StartsWith("cannot read the file: ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("30m", 1800, "30m")]
    [InlineData("1h30m", 5400, "1h30m")]
    [InlineData("90m", 5400, "1h30m")]
    [InlineData("36h", 129600, "1d12h")]
    [InlineData("3d", 259200, "3d")]
    [InlineData("45s", 45, "45s")]
    [InlineData("36500d", 3_153_600_000L, "36500d")]
    public void DurationTryParse_ValidText_GivesSeconds(string text, long seconds, string formatted)
    {
        Assert.True(Duration.TryParse(text, out var value, out _));
        Assert.Equal(TimeSpan.FromSeconds(seconds), value);
        Assert.Equal(formatted, Duration.Format(value));
    }

    [Theory]
    [InlineData("")]
    [InlineData("30")]
    [InlineData("m30")]
    [InlineData("30m1h")]
    [InlineData("1.5h")]
    [InlineData("1w")]
    [InlineData("36501d")]
    [InlineData("99999999d")]
    [InlineData("10000000d100000000h")]
    [InlineData("999999999999999999999d")]
    public void DurationTryParse_BadText_Fails(string text)
    {
        Assert.False(Duration.TryParse(text, out _, out var error));
        Assert.NotEmpty(error);
    }
}
