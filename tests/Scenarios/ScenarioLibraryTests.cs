using Bulwark.Scenarios;

namespace Bulwark.Tests.Scenarios;

/// <summary>Every exercise in <c>scenarios/library</c> loads with all its variants, and says what it is meant to.</summary>
public sealed class ScenarioLibraryTests
{
    public static string PathOf(string file) => Path.Combine(AppContext.BaseDirectory, "library", file);

    /// <summary>The library's exercise files (topology files are not exercises).</summary>
    public static TheoryData<string> Exercises() =>
        [.. Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "library"), "*.yaml")
            .Select(f => Path.GetFileName(f))
            .Where(f => !f.EndsWith(".topology.yaml", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)];

    private static ScenarioSet Load(string file)
    {
        var result = ScenarioFile.Load(PathOf(file));
        Assert.True(result.Succeeded, string.Join("\n", result.Diagnostics));
        return result.Value!;
    }

    [Fact]
    public void Library_HasTheExercises()
    {
        Assert.Equal([
            "balkans-gov-compromise.yaml", "baltic-cable-ransomware.yaml", "blacksea-hybrid.yaml", "gen-100k.yaml",
            "gen-10k.yaml", "gen-1k.yaml", "satellite-ground-station.yaml", "supply-chain-partner.yaml",
        ], Exercises().Select(row => row.Data));
    }

    [Theory]
    [MemberData(nameof(Exercises))]
    public void Load_LibraryExercise_LoadsWithObjectivesAndANoSharingVariant(string file)
    {
        var set = Load(file);

        Assert.NotEmpty(set.Base.Injects);
        Assert.NotEmpty(set.Base.Objectives);
        Assert.Contains(set.Base.Topology.Domains, d => !d.Sharing.IsEmpty);
        var noSharing = set.Get("no-sharing");
        Assert.All(noSharing.Topology.Domains, d => Assert.Empty(d.Sharing));
        Assert.All(set.Variants, v => Assert.Equal(v.Key, v.Value.Variant));
        Assert.All(set.Variants.Values, v => Assert.Equal(set.Base.Topology.AllNodes.Count(), v.Topology.AllNodes.Count()));
    }

    [Fact]
    public void Load_BalticCableRansomware_CutsEstlink2ThenEncryptsTheEms()
    {
        var set = Load("baltic-cable-ransomware.yaml");

        var s = set.Base;
        Assert.Equal((20241225UL, TimeSpan.FromDays(3), 373), (s.Seed, s.Duration, s.Topology.AllNodes.Count()));
        Assert.Equal(10, s.Injects.Length);
        Assert.Equal(("cut-estlink-2", TimeSpan.FromHours(2), "EST/undersea/estlink-2", InjectKind.CableCut),
            (s.Injects[0].Id, s.Injects[0].Time, s.Injects[0].Target, s.Injects[0].Kind));
        Assert.Equal(TimeSpan.FromDays(120), InjectRules.DurationOf(s.Injects[0].Kind, s.Injects[0].Parameters));
        var backup = s.Injects.Single(i => i.Id == "ransom-ems-backup");
        Assert.Equal((TimeSpan.FromHours(30) + TimeSpan.FromMinutes(10), "BALTGRID/ems/ems-backup"), (backup.Time, backup.Target));
        Assert.Equal(new SharingAgreement("NATO", TimeSpan.FromHours(2), Tlp.AmberStrict),
            s.Topology.Domains.Single(d => d.Id == "BALTGRID").Sharing[^1]);
        Assert.Equal(new Playbook("BALTGRID", TimeSpan.FromHours(2), TimeSpan.FromHours(12), true, 0.5, true, 5),
            s.Playbooks.Single(p => p.Domain == "BALTGRID"));
        Assert.Equal(4, set.Get("cables-only").Injects.Length);
        Assert.All(set.Get("slow-containment").Playbooks, p => Assert.Equal(TimeSpan.FromHours(6), p.ContainAfter));
    }

    [Fact]
    public void Load_BlackSeaHybrid_SharesLateUnlessPrompt()
    {
        var set = Load("blacksea-hybrid.yaml");

        Assert.Equal(11, set.Base.Injects.Length);
        Assert.Equal(TimeSpan.FromHours(28), set.Base.Injects.Single(i => i.Id == "nato-intel-rou").Time);
        var prompt = set.Get("prompt-sharing");
        Assert.Equal(TimeSpan.FromHours(5), prompt.Injects.Single(i => i.Id == "nato-intel-rou").Time);
        Assert.Equal(TimeSpan.FromHours(9), prompt.Injects.Single(i => i.Id == "rou-patch-vpn").Time);
        Assert.Equal([new SharingAgreement("BGR", TimeSpan.FromMinutes(15), Tlp.Amber), new SharingAgreement("NATO", TimeSpan.FromMinutes(15), Tlp.Amber)],
            prompt.Topology.Domains.Single(d => d.Id == "ROU").Sharing);
        Assert.Equal(5, set.Get("no-ddos").Injects.Length);
    }

    [Fact]
    public void Load_BalkansGovCompromise_UsesTheBalkansTopology()
    {
        var set = Load("balkans-gov-compromise.yaml");

        var s = set.Base;
        Assert.Equal(["ALB", "MNE", "MKD", "HRV", "SVN", "NATO", "ADRIANET"], s.Topology.Domains.Select(d => d.Id));
        Assert.Equal(97, s.Topology.AllNodes.Count());
        Assert.Equal("Western Balkans", s.Topology.Name);
        Assert.Equal((TimeSpan.FromMinutes(5), 2880L), (s.Tick, s.Ticks));
        Assert.Equal(13, s.Injects.Length);
        Assert.Equal(new Playbook("ALB", TimeSpan.FromDays(2), TimeSpan.FromDays(6), true, 0.3, true, 5), s.Playbooks[0]);
        Assert.Equal(new Playbook("MNE", TimeSpan.FromDays(1), TimeSpan.FromDays(2), true, 0.3, true, 5),
            set.Get("allied-assistance").Playbooks[1]);
        Assert.Equal(9, set.Get("no-exchange-spread").Injects.Length);
    }

    [Fact]
    public void Load_SupplyChainPartner_PoisonsTheUpdateServersFirst()
    {
        var set = Load("supply-chain-partner.yaml");

        Assert.Equal(["nordtel-update-poisoned", "baltgrid-update-poisoned"], set.Base.Injects.Take(2).Select(i => i.Id));
        Assert.Equal("T1195.002", set.Base.Injects[0].Parameters["technique"]);
        Assert.Equal(12, set.Base.Injects.Length);
        Assert.Equal(14, set.Get("update-channel-patched").Injects.Length);
    }

    [Fact]
    public void Load_SatelliteGroundStation_WipesTheTerminalsForWeeks()
    {
        var set = Load("satellite-ground-station.yaml");

        var wiper = set.Base.Injects.Single(i => i.Id == "terminal-wiper");
        Assert.Equal((TimeSpan.FromHours(4), "NORDTEL/satcom/terminal-fleet"), (wiper.Time, wiper.Target));
        Assert.Equal(TimeSpan.FromDays(42), InjectRules.DurationOf(wiper.Kind, wiper.Parameters));
        Assert.Equal(TimeSpan.FromDays(3), InjectRules.DurationOf(wiper.Kind, set.Get("fast-reflash").Injects.Single(i => i.Id == "terminal-wiper").Parameters));
    }

    [Theory]
    [InlineData("gen-1k.yaml", 1000, 50, 5)]
    [InlineData("gen-10k.yaml", 10000, 500, 10)]
    [InlineData("gen-100k.yaml", 100000, 5000, 20)]
    public void Load_GeneratedExercise_HasTheNodesItSays(string file, int nodes, int segments, int domains)
    {
        var s = Load(file).Base;

        Assert.Equal(nodes, s.Topology.AllNodes.Count());
        Assert.Equal(segments, s.Topology.AllSegments.Count());
        Assert.Equal(Enumerable.Range(1, domains).Select(i => $"GEN-{i}"), s.Topology.Domains.Select(d => d.Id));
        Assert.Equal(9, s.Injects.Length);
        Assert.Equal(("foothold", TimeSpan.FromHours(1), "GEN-1/seg-1/n-1"), (s.Injects[0].Id, s.Injects[0].Time, s.Injects[0].Target));
        Assert.All(s.Topology.Domains, d => Assert.Equal(domains - 1, d.Sharing.Length));
    }

    [Fact]
    public void Load_Gen10kTwice_GivesTheSameDefinition()
    {
        Assert.Equal(ScenarioFileTests.Flatten(Load("gen-10k.yaml").Base), ScenarioFileTests.Flatten(Load("gen-10k.yaml").Base));
    }
}
