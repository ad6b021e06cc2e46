using System.Globalization;
using Bulwark.Scenarios;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Scenarios;

public sealed class ScenarioFileTests
{
    /// <summary>Two domains, three nodes; the tests append sections to it.</summary>
    private const string Head = """
        name: Test exercise
        seed: 42
        duration: 1d
        topology:
          domains:
            - id: A
              kind: nation
              sharing: [{partner: B, delay: 15m}]
              segments:
                - id: power
                  sector: energy
                  nodes:
                    - {id: sub-1, kind: power-substation, owner: civilian}
                - id: mil
                  sector: military
                  links: [power]
                  nodes:
                    - {id: c2, kind: server, owner: military, exposures: [{technique: T1190, exploitability: 0.3}]}
            - id: B
              kind: industry
              segments:
                - id: telecom
                  sector: telecom
                  nodes:
                    - {id: cable-1, kind: cable, owner: industry}

        """;

    private static ScenarioSet Load(string yaml)
    {
        var result = ScenarioFile.Parse(yaml, "t.yaml");
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Value!;
    }

    private static string[] Errors(string yaml) =>
        [.. ScenarioFile.Parse(yaml, "t.yaml").Diagnostics.Select(d => d.ToString())];

    [Fact]
    public void Parse_MinimalScenario_AppliesEveryDefault()
    {
        var set = Load(Head);

        var s = set.Base;
        Assert.Equal(new ScenarioMetadata("Test exercise", "", "", Tlp.Amber), s.Metadata);
        Assert.Equal(42UL, s.Seed);
        Assert.Equal(TimeSpan.FromDays(1), s.Duration);
        Assert.Equal(TimeSpan.FromMinutes(1), s.Tick);
        Assert.Equal(1440, s.Ticks);
        Assert.Equal("Test exercise", s.Topology.Name);
        Assert.Equal(["A", "B"], s.Topology.Domains.Select(d => d.Id));
        Assert.Equal([
            new Playbook("A", TimeSpan.FromMinutes(30), TimeSpan.FromHours(4), true, 0.5, true, 5),
            new Playbook("B", TimeSpan.FromMinutes(30), TimeSpan.FromHours(4), true, 0.5, true, 5),
        ], s.Playbooks);
        Assert.Equal(new AdversaryProfile(TimeSpan.FromMinutes(10), TimeSpan.FromHours(1)), s.Adversary);
        Assert.Empty(s.Injects);
        Assert.Empty(s.Objectives);
        Assert.Null(s.Variant);
        Assert.Empty(set.Variants);
    }

    [Fact]
    public void Parse_Metadata_IsRead()
    {
        var s = Load(Head + """
            description: A drill
            author: White cell
            tlp: amber-strict
            tick: 5m
            """).Base;

        Assert.Equal(new ScenarioMetadata("Test exercise", "A drill", "White cell", Tlp.AmberStrict), s.Metadata);
        Assert.Equal(TimeSpan.FromMinutes(5), s.Tick);
        Assert.Equal(288, s.Ticks);
    }

    [Fact]
    public void Parse_DomainPlaybook_OverridesDefaultFieldByField()
    {
        var s = Load(Head + """
            playbooks:
              default: {contain-after: 1h, patch: false, alert-level: 4}
              B: {contain-after: 15m, indicator-hardening: 0.8, raise-alert-on-indicator: false}
            """).Base;

        Assert.Equal([
            new Playbook("A", TimeSpan.FromHours(1), TimeSpan.FromHours(4), false, 0.5, true, 4),
            new Playbook("B", TimeSpan.FromMinutes(15), TimeSpan.FromHours(4), false, 0.8, false, 4),
        ], s.Playbooks);
    }

    [Fact]
    public void Parse_AfterChains_GiveAbsoluteTimesOrderedByTimeThenId()
    {
        var s = Load(Head + """
            injects:
              - {id: z-first, time: 1h, target: A, kind: set-alert-level, parameters: {level: 3}}
              - {id: third, after: second, time: 30m, target: A/mil/c2, kind: isolate}
              - {id: second, after: a-same-time, time: 1h, target: A/mil/c2, kind: compromise, parameters: {technique: T1190}}
              - {id: a-same-time, time: 1h, target: B/telecom, kind: ddos}
              - {id: no-offset, after: third, target: A/mil/c2, kind: restore}
            """).Base;

        Assert.Equal(
            [("a-same-time", 60, null), ("z-first", 60, null), ("second", 120, "a-same-time"), ("no-offset", 150, "third"), ("third", 150, "second")],
            s.Injects.Select(i => (i.Id, (int)i.Time.TotalMinutes, i.After)));
    }

    [Fact]
    public void Parse_Parameters_KeepTextAndJoinListsWithCommas()
    {
        var inject = Load(Head + """
            injects:
              - id: spread
                time: 2h
                target: A/mil
                kind: campaign
                parameters: {techniques: [T1190, T1078.002], count: 3}
                expected-action: Isolate the segment
                notes: From the 2022 playbook
            """).Base.Injects.Single();

        Assert.Equal(new Dictionary<string, string> { ["count"] = "3", ["techniques"] = "T1190,T1078.002" }, inject.Parameters);
        Assert.Equal(("spread", "A/mil", InjectKind.Campaign), (inject.Id, inject.Target, inject.Kind));
        Assert.Equal(("Isolate the segment", "From the 2022 playbook"), (inject.ExpectedAction, inject.Notes));
    }

    [Fact]
    public void Parse_DefaultsOfParameters_AreNotWrittenIn()
    {
        var inject = Load(Head + """
            injects:
              - {id: cut, time: 2h, target: B/telecom/cable-1, kind: cable-cut}
            """).Base.Injects.Single();

        Assert.Empty(inject.Parameters);
        Assert.Equal(TimeSpan.FromDays(7), InjectRules.DurationOf(inject.Kind, inject.Parameters));
    }

    [Fact]
    public void Parse_ExtraSharing_IsAddedAfterTheTopologysOwn()
    {
        var s = Load((Head + """
            sharing:
              - {from: B, partner: A, delay: 2h, tlp: green}
              - {from: A, partner: B}
            """).Replace("sharing: [{partner: B, delay: 15m}]", "sharing: []", StringComparison.Ordinal)).Base;

        Assert.Equal([new SharingAgreement("B", TimeSpan.Zero, Tlp.Amber)], s.Topology.Domains[0].Sharing);
        Assert.Equal([new SharingAgreement("A", TimeSpan.FromHours(2), Tlp.Green)], s.Topology.Domains[1].Sharing);
    }

    [Fact]
    public void Parse_ExtraSharingThatExists_IsAnError()
    {
        Assert.Equal(["t.yaml:27:24: domain 'A' already has an agreement with 'B'"], Errors(Head + """
            sharing:
              - {from: A, partner: B, delay: 1h}
            """));
    }

    [Fact]
    public void Parse_Objectives_KeepFileOrderAndText()
    {
        var s = Load(Head + """
            objectives:
              - {id: o1, check: A capability >= 0.9 at 24h, description: Holds through the day}
              - {id: o2, check: alliance resilience loss <= 5h}
            """).Base;

        Assert.Equal([
            new ObjectiveDefinition("o1", "A capability >= 0.9 at 24h", ObjectiveKind.CapabilityAt, "A", 0.9, TimeSpan.FromHours(24)),
            new ObjectiveDefinition("o2", "alliance resilience loss <= 5h", ObjectiveKind.ResilienceLoss, "alliance", 0, TimeSpan.FromHours(5)),
        ], s.Objectives);
    }

    [Theory]
    [InlineData("A capability >= 0.9 at 12h", ObjectiveKind.CapabilityAt, "A", 0.9, 720)]
    [InlineData("alliance capability ≥ 1 at 1d", ObjectiveKind.CapabilityAt, "alliance", 1.0, 1440)]
    [InlineData("B resilience loss ≤ 1h30m", ObjectiveKind.ResilienceLoss, "B", 0.0, 90)]
    [InlineData("alliance min capability >= 0.75", ObjectiveKind.MinCapability, "alliance", 0.75, 0)]
    [InlineData("no node of sector energy down longer than 6h", ObjectiveKind.MaxDownTime, "energy", 0.0, 360)]
    [InlineData("no node of sector military out of action longer than 10m", ObjectiveKind.MaxOutOfAction, "military", 0.0, 10)]
    [InlineData("A recovers to 95% within 12h", ObjectiveKind.RecoverWithin, "A", 0.95, 720)]
    [InlineData("  A   min capability>=0  ", ObjectiveKind.MinCapability, "A", 0.0, 0)]
    public void Parse_ObjectiveForms_AreRecognised(string check, ObjectiveKind kind, string scope, double threshold, int minutes)
    {
        var objective = Load(Head + $"objectives: [{{id: o, check: '{check}'}}]\n").Base.Objectives.Single();

        Assert.Equal((kind, scope, threshold, TimeSpan.FromMinutes(minutes)),
            (objective.Kind, objective.Scope, objective.Threshold, objective.Time));
    }

    [Theory]
    [InlineData("A capability > 0.9 at 12h")]
    [InlineData("A Capability >= 0.9 at 12h")]
    [InlineData("no node of energy down longer than 6h")]
    [InlineData("A recovers to 95 within 12h")]
    public void Parse_TextMatchingNoForm_ListsTheForms(string check)
    {
        var error = Assert.Single(Errors(Head + $"objectives: [{{id: o, check: '{check}'}}]\n"));

        Assert.Equal($"t.yaml:26:29: '{check}' is not an objective; write one of: 'SCOPE capability >= X at T', "
            + "'SCOPE resilience loss <= T', 'SCOPE min capability >= X', 'no node of sector S down longer than T', "
            + "'no node of sector S out of action longer than T', 'SCOPE recovers to P% within T' (SCOPE is alliance or a domain id, X from 0 to 1, T a duration)", error);
    }

    [Fact]
    public void Parse_ObjectiveAtTheEnd_IsAllowedButNotAfter()
    {
        Assert.Equal(["t.yaml:28:23: objective 'late' at 1d1m is after the end of the exercise (1d)"], Errors(Head + """
            objectives:
              - {id: end, check: A capability >= 0.9 at 1d}
              - {id: late, check: A capability >= 0.9 at 1d1m}
            """));
    }

    private const string Variants = """
        playbooks:
          default: {contain-after: 30m}
          A: {contain-after: 15m}
        adversary:
          spread-delay: {min: 5m, max: 2h}
        sharing:
          - {from: B, partner: A, delay: 1h}
        injects:
          - {id: foothold, time: 1h, target: A/mil/c2, kind: compromise, parameters: {technique: T1190}}
          - {id: ransom, after: foothold, time: 2h, target: A/mil/c2, kind: ransomware}
          - {id: cut, time: 20h, target: B/telecom/cable-1, kind: cable-cut}
        variants:
          no-sharing:
            description: Nobody shares
            sharing: none
          slow-containment:
            playbooks: {default: {contain-after: 6h, recover-after: 12h}, B: {patch: false}}
          replaced-sharing:
            sharing: [{from: A, partner: B, delay: 4h, tlp: red}]
          quiet:
            remove-injects: [ransom, cut]
            injects:
              - {id: cut, time: 3h, target: B/telecom/cable-1, kind: cable-cut, parameters: {duration: 1d}}
              - {id: wipe, after: foothold, time: 30m, target: A/mil/c2, kind: wiper}
            seed: 7
            duration: 12h
            adversary: {spread-delay: {max: 30m}}
        """;

    [Fact]
    public void Parse_Variants_AreResolvedToFullDefinitions()
    {
        var set = Load(Head + Variants);

        Assert.Equal(["no-sharing", "quiet", "replaced-sharing", "slow-containment"], set.Variants.Keys);
        Assert.All(set.Variants, v => Assert.Equal(v.Key, v.Value.Variant));
        Assert.Same(set.Base, set.Get(null));
        Assert.Same(set.Variants["quiet"], set.Get("quiet"));
    }

    [Fact]
    public void Parse_NoSharingVariant_RemovesTopologyAndExtraAgreements()
    {
        var set = Load(Head + Variants);

        Assert.Equal([1, 1], set.Base.Topology.Domains.Select(d => d.Sharing.Length));
        var variant = set.Get("no-sharing");
        Assert.All(variant.Topology.Domains, d => Assert.Empty(d.Sharing));
        Assert.Equal("Nobody shares", variant.Metadata.Description);
        Assert.Equal(set.Base.Injects.Select(i => i.Id), variant.Injects.Select(i => i.Id));
    }

    [Fact]
    public void Parse_SharingListVariant_ReplacesEveryAgreement()
    {
        var variant = Load(Head + Variants).Get("replaced-sharing");

        Assert.Equal([new SharingAgreement("B", TimeSpan.FromHours(4), Tlp.Red)], variant.Topology.Domains[0].Sharing);
        Assert.Empty(variant.Topology.Domains[1].Sharing);
    }

    [Fact]
    public void Parse_VariantPlaybooks_MergeOverTheBaseEntryWithTheSameKey()
    {
        var variant = Load(Head + Variants).Get("slow-containment");

        Assert.Equal([
            new Playbook("A", TimeSpan.FromMinutes(15), TimeSpan.FromHours(12), true, 0.5, true, 5),
            new Playbook("B", TimeSpan.FromHours(6), TimeSpan.FromHours(12), false, 0.5, true, 5),
        ], variant.Playbooks);
    }

    [Fact]
    public void Parse_VariantInjectsSeedDurationAdversary_ReplaceTheBase()
    {
        var set = Load(Head + Variants);

        var variant = set.Get("quiet");
        Assert.Equal([("foothold", 60), ("wipe", 90), ("cut", 180)], variant.Injects.Select(i => (i.Id, (int)i.Time.TotalMinutes)));
        Assert.Equal("1d", variant.Injects.Single(i => i.Id == "cut").Parameters["duration"]);
        Assert.Equal((7UL, TimeSpan.FromHours(12)), (variant.Seed, variant.Duration));
        Assert.Equal(new AdversaryProfile(TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30)), variant.Adversary);
        Assert.Equal((42UL, TimeSpan.FromDays(1)), (set.Base.Seed, set.Base.Duration));
        Assert.Equal([("foothold", 60), ("ransom", 180), ("cut", 1200)], set.Base.Injects.Select(i => (i.Id, (int)i.Time.TotalMinutes)));
    }

    [Fact]
    public void Get_UnknownVariant_ThrowsNamingTheVariants()
    {
        var set = Load(Head + Variants);

        var e = Assert.Throws<ArgumentException>(() => set.Get("loud"));
        Assert.StartsWith("unknown variant 'loud'; the scenario has: no-sharing, quiet, replaced-sharing, slow-containment", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Get_NoVariants_SaysSo()
    {
        var e = Assert.Throws<ArgumentException>(() => Load(Head).Get("x"));
        Assert.StartsWith("unknown variant 'x'; the scenario has: no variants", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_VariantRemovingAnInjectOthersFollow_IsReportedAtTheRemoval()
    {
        Assert.Equal(["t.yaml:31:22: cannot remove inject 'foothold': inject 'ransom' is timed after it"], Errors(Head + """
            injects:
              - {id: foothold, time: 1h, target: A/mil/c2, kind: compromise, parameters: {technique: T1190}}
              - {id: ransom, after: foothold, time: 2h, target: A/mil/c2, kind: ransomware}
            variants:
              v:
                remove-injects: [foothold]
            """));
    }

    [Fact]
    public void Parse_VariantShorterThanAnInject_IsReportedAtTheVariantsDuration()
    {
        Assert.Equal(["t.yaml:30:15: inject 'late' at 20h is after the end of the exercise (12h)"], Errors(Head + """
            injects:
              - {id: late, time: 20h, target: A, kind: set-alert-level, parameters: {level: 2}}
            variants:
              short:
                duration: 12h
            """));
    }

    [Fact]
    public void Parse_ProblemSharedByBaseAndVariants_IsReportedOnce()
    {
        Assert.Equal(["t.yaml:27:81: unknown target 'A/mil/c3'"], Errors(Head + """
            injects:
              - {id: a, time: 1h, target: A/mil/c2, kind: compromise, parameters: {technique: T1190}, target: A/mil/c3}
            variants:
              one: {seed: 1}
              two: {seed: 2}
            """.Replace("target: A/mil/c2, ", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void Parse_InlineDomainLinkingToAnIncludedSegment_LinksBothWays()
    {
        var result = ScenarioFile.Parse("""
            name: Linked
            seed: 1
            duration: 1d
            topology:
              include: alliance.topology.yaml
              domains:
                - id: SWE
                  kind: nation
                  segments:
                    - id: telecom
                      sector: telecom
                      links: [EST/telecom]
                      nodes:
                        - {id: gw, kind: router, owner: civilian, depends: [{all-of: [EST/energy/substation-tallinn]}]}
            sharing:
              - {from: EST, partner: SWE, delay: 1h}
            """, "t.yaml", Path.GetDirectoryName(TestTopologies.LibraryPath()));

        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        var topology = result.Value!.Base.Topology;
        Assert.Equal("Baltic and Black Sea alliance", topology.Name);
        Assert.Equal("SWE", topology.Domains[^1].Id);
        Assert.Equal(11, topology.Domains.Length);
        Assert.Equal(["EST/telecom"], topology.AllSegments.Single(s => s.Id == "SWE/telecom").Links);
        Assert.Contains("SWE/telecom", topology.AllSegments.Single(s => s.Id == "EST/telecom").Links);
        Assert.Equal(new SharingAgreement("SWE", TimeSpan.FromHours(1), Tlp.Amber), topology.Domains[0].Sharing[^1]);
    }

    [Fact]
    public void Parse_InlineDomainWithAnIncludedId_IsADuplicate()
    {
        var errors = ScenarioFile.Parse("""
            name: Clash
            seed: 1
            duration: 1d
            topology:
              include: [alliance.topology.yaml]
              domains: [{id: EST, kind: nation}]
            """, "t.yaml", Path.GetDirectoryName(TestTopologies.LibraryPath())).Diagnostics.Select(d => d.ToString());

        Assert.Equal(["t.yaml:6:13: duplicate domain id 'EST' (first in alliance.topology.yaml)"], errors);
    }

    [Fact]
    public void Parse_IncludedTopologyNotUtf8OrADirectory_IsLocated()
    {
        var directory = Directory.CreateTempSubdirectory("bulwark-include-");
        try
        {
            File.WriteAllBytes(Path.Combine(directory.FullName, "latin1.yaml"), [.. "name: Caf"u8, 0xE9, .. "\ndomains: []\n"u8]);
            Directory.CreateDirectory(Path.Combine(directory.FullName, "dir.yaml"));
            var scenario = """
                name: Includes
                seed: 1
                duration: 1d
                topology:
                  include: [latin1.yaml, dir.yaml]
                """;

            // In ordinal order: the temporary directory's path sorts before t.yaml.
            var errors = ScenarioFile.Parse(scenario, "t.yaml", directory.FullName).Diagnostics.Select(d => d.ToString()).Order(StringComparer.Ordinal);

            Assert.Equal([
                $"{Path.Combine(directory.FullName, "latin1.yaml")}:1:10: the file is not UTF-8: byte 0xE9 cannot be read; save the file as UTF-8",
                "t.yaml:5:26: included topology 'dir.yaml' is a directory, not a file",
            ], errors);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Fact]
    public void Read_Device_IsReadOnlyUpToTheLimit()
    {
        // The limit is 512 MB; a smaller one reads the same way, with less memory.
        Assert.False(SourceFile.TryRead("/dev/zero", 1 << 20, out _, out var error));

        Assert.Equal("/dev/zero:1:1: cannot read the file: it is larger than 1 MB", error!.ToString());
    }

    [Fact]
    public void Load_MissingFile_IsALocatedError()
    {
        var error = Assert.Single(ScenarioFile.Load("/nonexistent/x.yaml").Diagnostics);

        Assert.Equal(("/nonexistent/x.yaml", 1, 1), (error.File, error.Line, error.Column));
        Assert.StartsWith("cannot read the file: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Twice_GivesEqualDefinitions()
    {
        var first = Load(Head + Variants);
        var second = Load(Head + Variants);

        Assert.Equal(Flatten(first.Base), Flatten(second.Base));
        Assert.Equal(Flatten(first.Get("quiet")), Flatten(second.Get("quiet")));
    }

    [Fact]
    public void Parse_InjectCycle_EachInjectLocatedWithTheCycle_ALongOneShortened()
    {
        Assert.Equal([
            "t.yaml:27:20: cyclic inject dependency: a -> b -> a",
            "t.yaml:28:20: cyclic inject dependency: b -> a -> b",
        ], Errors(Head + """
            injects:
              - {id: a, after: b, target: A/mil/c2, kind: isolate}
              - {id: b, after: a, target: A/mil/c2, kind: isolate}
            """));

        var injects = string.Concat(Enumerable.Range(0, 2_000).Select(i => $"  - {{id: c{i}, after: c{(i + 1999) % 2000}, target: A/mil/c2, kind: isolate}}\n"));
        var errors = Errors(Head + "injects:\n" + injects);

        Assert.Equal(2_000, errors.Length);
        Assert.Equal("t.yaml:27:21: cyclic inject dependency: c0 -> c1999 -> c1998 -> c1997 -> … -> c3 -> c2 -> c1 -> c0 (2,000 injects)", errors[0]);
        Assert.All(errors, e => Assert.True(e.Length < 150, e));
    }

    [Theory]
    [InlineData("duration: 99999999d", "t.yaml:3:11: 'duration': '99999999d' is too long a duration (at most 36500d)")]
    [InlineData("duration: 36501d", "t.yaml:3:11: 'duration': '36501d' is too long a duration (at most 36500d)")]
    public void Parse_DurationPastACentury_IsLocated(string line, string expected) =>
        Assert.Contains(expected, Errors(Head.Replace("duration: 1d", line, StringComparison.Ordinal)));

    [Fact]
    public void Parse_NestingTooDeep_IsLocatedNotAStackOverflow()
    {
        var deep = "name: x\nnotes: " + new string('[', 100_000) + new string(']', 100_000) + "\n";

        Assert.Equal(["t.yaml:2:207: YAML syntax: collections nested deeper than 200 levels"], Errors(deep));
    }

    [Fact]
    public void Parse_AliasInsideItsOwnAnchor_IsLocatedNotALoop()
    {
        Assert.Equal(["t.yaml:2:15: YAML syntax: alias '*a' is inside the collection '&a' it names"], Errors("name: x\nnotes: &a [1, *a]\n"));
    }

    [Fact]
    public void Parse_TagsOutsideTheCoreSchema_AreEachLocated_CoreTagsAreAccepted()
    {
        Assert.Equal(
        [
            "t.yaml:2:8: YAML tag '!include' means nothing in a Bulwark file; remove it (a topology file is included with 'include: FILE')",
            "t.yaml:3:9: YAML tag '!!python/object' means nothing in a Bulwark file; remove it",
        ], Errors("name: x\nnotes: !include other.yaml\nauthor: !!python/object x\n"));
        Assert.Empty(Errors(Head.Replace("name: ", "name: !!str ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Parse_GeneratorPrefixTooLongForItsDomainIds_IsAnError()
    {
        var prefix = new string('P', 62);

        Assert.Equal(
            [$"t.yaml:4:87: 'domain-prefix' is 62 characters long: with '-' and the domain's number the ids would pass 64; at most 61 here"],
            Errors($"name: x\nseed: 1\nduration: 1d\ntopology: {{generators: [{{model: erdos-renyi, nodes: 1000, domains: 10, domain-prefix: {prefix}}}]}}\n"));
    }

    [Fact]
    public void Parse_TagAfterAKeyGivenTwice_BothReportedInOrder()
    {
        Assert.Equal(
        [
            "t.yaml:3:1: YAML syntax: key 'name' appears twice in one mapping",
            "t.yaml:4:8: YAML tag '!include' means nothing in a Bulwark file; remove it (a topology file is included with 'include: FILE')",
        ], Errors("name: x\nseed: 1\nname: y\nnotes: !include other.yaml\n"));
    }

    [Fact]
    public void Parse_AfterChainPastWhatATimeHolds_IsEveryInjectAfterTheEndNotACrash()
    {
        // 300 offsets of a century each add up to more than a TimeSpan holds (about 29,000 centuries).
        var injects = string.Join("\n", Enumerable.Range(0, 300).Select(i => i == 0
            ? "  - {id: c0, time: 36500d, target: A, kind: isolate}"
            : $"  - {{id: c{i}, after: c{i - 1}, time: 36500d, target: A, kind: isolate}}"));

        var errors = Errors(Head + "injects:\n" + injects + "\n");

        Assert.Equal(300, errors.Length);
        Assert.Equal("t.yaml:27:20: inject 'c0' at 36500d is after the end of the exercise (1d)", errors[0]);
        Assert.Equal("t.yaml:326:35: inject 'c299' is more than 36500d from the start, after the end of the exercise (1d)", errors[^1]);
    }

    [Fact]
    public void Parse_AliasesRepeatingTooMuch_AreRefusedWhereTheLimitPasses()
    {
        // Each level repeats the one before ten times: eight levels would be 100,000,000 values.
        var yaml = new System.Text.StringBuilder("name: x\nl0: &l0 [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n");
        for (var level = 1; level <= 8; level++)
        {
            yaml.Append(CultureInfo.InvariantCulture, $"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        var error = Assert.Single(Errors(yaml.ToString()));

        Assert.StartsWith("t.yaml:8:", error, StringComparison.Ordinal);
        Assert.Contains(": YAML syntax: aliases repeat more than 10,000,000 values in all (this one 1,111,111); write them out, or repeat less", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SeedWithAPlusSign_IsTheNumber()
    {
        Assert.Equal(5UL, Load(Head.Replace("seed: 42", "seed: +5", StringComparison.Ordinal)).Base.Seed);
    }

    [Fact]
    public void Parse_InjectAndObjectiveRepeatedByAliases_AreReportedAtTheAliases()
    {
        Assert.Equal(
        [
            "t.yaml:28:5: duplicate inject id 'a' (first at line 27)",
            "t.yaml:31:5: duplicate objective id 'o' (first at line 30)",
        ], Errors(Head + """
            injects:
              - &i {id: a, time: 1h, target: A/mil/c2, kind: isolate}
              - *i
            objectives:
              - &o {id: o, check: alliance resilience loss <= 5h}
              - *o
            """));
    }

    [Fact]
    public void Parse_AliasWithoutAnchor_IsLocatedWhereItIs()
    {
        Assert.Equal(["t.yaml:28:11: YAML syntax: alias '*nothere' names no anchor '&nothere' before it"], Errors(Head + """
            injects:
              - id: a
                time: *nothere
                target: A/mil/c2
                kind: isolate
            """));
    }

    /// <summary>A text form of a definition; records holding immutable arrays compare by reference.</summary>
    internal static string Flatten(ScenarioDefinition s)
    {
        var lines = new List<string> { $"{s.Metadata} {s.Seed} {s.Duration} {s.Tick} {s.Adversary} {s.Variant} {s.Topology.Name}" };
        foreach (var d in s.Topology.Domains)
        {
            lines.Add($"{d.Id} {d.Name} {d.Kind} " + string.Join(";", d.Sharing));
            foreach (var g in d.Segments)
            {
                lines.Add($"{g.Id} {g.Sector} [{string.Join(",", g.Links)}]");
                lines.AddRange(g.Nodes.Select(n =>
                    $"{n.Id} {n.Kind} {n.Owner} {n.Criticality} {n.Detection} {n.Hardening} [{string.Join(",", n.Services)}] "
                    + string.Join(";", n.Dependencies.Select(x => x.Mode + ":" + string.Join(",", x.Nodes))) + " "
                    + string.Join(";", n.Exposures)));
            }
        }
        lines.AddRange(s.Playbooks.Select(p => p.ToString()));
        lines.AddRange(s.Injects.Select(i => $"{i.Id} {i.Time} {i.Target} {i.Kind} {string.Join(",", i.Parameters)} {i.After} {i.ExpectedAction} {i.Notes}"));
        lines.AddRange(s.Objectives.Select(o => o.ToString()));
        return string.Join("\n", lines);
    }
}
