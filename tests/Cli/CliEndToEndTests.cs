using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>A real silo process, started as the README starts it, on ports of its own.</summary>
public abstract class SiloProcessFixture(int basePort) : IAsyncLifetime
{
    public SiloProcess Silo { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Silo = await SiloProcess.StartAsync(basePort);

    public async ValueTask DisposeAsync()
    {
        await Silo.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed class PostureSiloFixture() : SiloProcessFixture(411);

public sealed class CliEndToEndTests(PostureSiloFixture fixture) : IClassFixture<PostureSiloFixture>
{
    private static readonly string Library = TestTopologies.LibraryPath();

    private CliRunner Cli => new(fixture.Silo.Gateway);

    private async Task LoadLibraryAsync()
    {
        // Each test starts from a healthy world: the tests of this class share one silo.
        var (code, output, error) = await Cli.RunAsync("topology", "load", Library, "--reset");
        Assert.True(code == 0, error);
        Assert.StartsWith("loaded 'Baltic and Black Sea alliance' into world live (generation ", output, StringComparison.Ordinal);
        Assert.EndsWith("10 domains, 70 segments, 373 nodes, 654 dependencies; all nodes healthy\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopologyLoad_Again_KeepsTheLivePosture()
    {
        await LoadLibraryAsync();
        await Cli.JsonAsync("observe", "EST/energy/substation-harku", "--status", "down", "--time", "2026-11-26T08:00:00Z");
        await Eventually.HoldsAsync(async () => (double)(await Cli.JsonAsync("posture"))["capability"]! < 1.0, "the change to reach the alliance");
        var before = (await Cli.JsonAsync("posture")).ToJsonString();

        var (code, output, error) = await Cli.RunAsync("topology", "load", Library);

        Assert.True(code == 0, error);
        Assert.EndsWith("10 domains, 70 segments, 373 nodes, 654 dependencies; posture kept for the nodes it keeps\n", output, StringComparison.Ordinal);
        Assert.Equal(before, (await Cli.JsonAsync("posture")).ToJsonString());
        Assert.Equal("down", (string?)(await Cli.JsonAsync("node", "EST/energy/substation-harku"))["status"]);
    }

    [Fact]
    public async Task Dashboard_AndHealth_AreServed()
    {
        using var http = new HttpClient { BaseAddress = fixture.Silo.Http };

        Assert.Equal("Healthy", await http.GetStringAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken));
        var dashboard = await http.GetStringAsync(new Uri("/dashboard/", UriKind.Relative), TestContext.Current.CancellationToken);
        Assert.Contains("<title>Orleans Dashboard</title>", dashboard, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopologyValidate_Library_PrintsSummaryWithoutACluster()
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var code = await Bulwark.Cli.Cli.RunAsync(["topology", "validate", Library], output, TextWriter.Null, TestContext.Current.CancellationToken);

        Assert.Equal(0, code);
        Assert.Equal($"{Library}: valid: 'Baltic and Black Sea alliance', 10 domains, 70 segments, 373 nodes\n", output.ToString());
    }

    [Fact]
    public async Task TopologyValidate_BadFile_ListsErrorsAsTextOrJson()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-badv-{Environment.ProcessId}.yaml");
        await File.WriteAllTextAsync(file, "domains:\n  - id: A\n    kind: natoin\n    segments:\n      - id: s\n        sector: energy\n        links: [nowhere]\n",
            TestContext.Current.CancellationToken);

        var (code, output, error) = await Cli.RunAsync("topology", "validate", file);
        Assert.Equal((2, ""), (code, output));
        Assert.Equal($"{file}:3:11: unknown domain kind 'natoin'; did you mean 'nation'?\n{file}:7:17: link to unknown segment 'A/nowhere'\nbulwark: 2 errors\n", error);

        // With --json the same lines go to stderr, and stdout has them in the shape of every failing command's --json.
        var text = error;
        (code, output, error) = await Cli.RunAsync("topology", "validate", file, "--json");
        Assert.Equal((2, text), (code, error));
        var json = JsonNode.Parse(output)!;
        Assert.Equal((file, false, "2 errors", 2), ((string?)json["file"], (bool)json["valid"]!, (string?)json["error"], (int)json["exitCode"]!));
        Assert.Equal([(3, 11, "unknown domain kind 'natoin'; did you mean 'nation'?"), (7, 17, "link to unknown segment 'A/nowhere'")],
            json["errors"]!.AsArray().Select(e => ((int)e!["line"]!, (int)e["column"]!, (string)e["message"]!)));
    }

    [Fact]
    public async Task TopologyValidate_ScenarioFile_SaysToValidateItAsAScenario()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-scenario-as-topology-{Environment.ProcessId}.yaml");
        await File.WriteAllTextAsync(file, "name: drill\nseed: 7\nduration: 1d\ntopology:\n  include: alliance.topology.yaml\n", TestContext.Current.CancellationToken);

        var (code, output, error) = await Cli.RunAsync("topology", "validate", file);

        Assert.Equal((2, ""), (code, output));
        Assert.Contains($"\n{file}: this looks like a scenario file; check it with 'bulwark validate {file}'\nbulwark: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopologyLoad_BadFile_ExitsTwoWithLocatedErrors()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-bad-{Environment.ProcessId}.yaml");
        await File.WriteAllTextAsync(file, "domains:\n  - id: A\n    kind: nation\n    segments:\n      - id: s\n        sector: energy\n        links: [nowhere]\n",
            TestContext.Current.CancellationToken);

        var (code, output, error) = await Cli.RunAsync("topology", "load", file);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.Equal($"{file}:7:17: link to unknown segment 'A/nowhere'\nbulwark: 1 error; nothing was loaded\n", error);
    }

    [Fact]
    public async Task Status_OneSilo_IsActiveWithWorld()
    {
        await LoadLibraryAsync();

        var status = await Cli.JsonAsync("status");

        var silo = Assert.Single(status["silos"]!.AsArray());
        Assert.Equal("active", (string?)silo!["status"]);
        Assert.StartsWith($"127.0.0.1:{fixture.Silo.SiloPort}@", (string?)silo["address"], StringComparison.Ordinal);
        Assert.True((int)silo["activations"]! >= 373 + 70 + 10, "every node, segment and domain grain is active");
        Assert.Equal(373, (int)status["world"]!["nodes"]!);
    }

    [Fact]
    public async Task ObserveThenPosture_SubstationDown_MatchesTheDependencyOracle()
    {
        await LoadLibraryAsync();
        var topology = TestTopologies.Parse(await File.ReadAllTextAsync(Library, TestContext.Current.CancellationToken));

        var observed = await Cli.JsonAsync("observe", "EST/energy/substation-harku", "--status", "down", "--technique", "T1485",
            "--source", "grid-soc", "--time", "2026-11-26T08:00:00Z");
        Assert.Equal("""{"accepted":1,"applied":1,"stale":0,"changed":1}""", observed.ToJsonString());

        var expected = DependencyOracle.Evaluate(topology, new Dictionary<string, NodeStatus> { ["EST/energy/substation-harku"] = NodeStatus.Down });
        var alliance = DependencyOracle.Tally(topology, expected);
        var est = DependencyOracle.Tally(topology, expected, n => n.Id.StartsWith("EST/", StringComparison.Ordinal));
        JsonNode posture = null!;
        await Eventually.HoldsAsync(async () =>
        {
            posture = await Cli.JsonAsync("posture");
            return (double)posture["capability"]! == alliance.Capability;
        }, $"alliance capability {alliance.Capability} once the cascade from harku settles");

        Assert.Equal("live", (string?)posture["world"]);
        Assert.Equal(373, (int)posture["nodes"]!);
        Assert.Equal(alliance.Count(NodeStatus.Down), (int)posture["byStatus"]!["down"]!);
        Assert.Equal(alliance.Count(NodeStatus.Degraded), (int)posture["byStatus"]!["degraded"]!);
        Assert.Equal(alliance.Count(NodeStatus.Healthy), (int)posture["byStatus"]!["healthy"]!);
        Assert.True(alliance.Count(NodeStatus.Degraded) > 0, "harku feeds other nodes");
        var estJson = posture["domains"]!.AsArray().Single(d => (string?)d!["id"] == "EST")!;
        Assert.Equal(est.Capability, (double)estJson["capability"]!);

        var node = await Cli.JsonAsync("node", "EST/energy/substation-harku");
        Assert.Equal("down", (string?)node["status"]);
        Assert.Equal("2026-11-26T08:00:00Z", (string?)node["lastObserved"]);
        var history = Assert.Single(node["history"]!.AsArray());
        Assert.Equal("""{"time":"2026-11-26T08:00:00Z","from":"healthy","to":"down","reported":"down","technique":"T1485","source":"grid-soc","stale":false,"operational":false}""",
            history!.ToJsonString());

        var segment = await Cli.JsonAsync("posture", "--segment", "EST/energy");
        Assert.Equal("EST/energy", (string?)segment["segment"]);
        Assert.Contains(segment["members"]!.AsArray(), m => (string?)m!["id"] == "EST/energy/substation-harku" && (string?)m["status"] == "down");
    }

    [Fact]
    public async Task Node_CompromisedRouterLosingItsPower_HistorySaysItIsNoLongerOperational()
    {
        await LoadLibraryAsync();
        Assert.Equal(0, (await Cli.RunAsync("observe", "EST/telecom/backbone-router-1", "--status", "compromised", "--time", "2026-11-26T08:00:00Z")).Code);
        Assert.Equal(0, (await Cli.RunAsync("observe", "EST/energy/substation-harku", "--status", "down", "--time", "2026-11-26T08:05:00Z")).Code);
        await Eventually.HoldsAsync(async () => (bool?)(await Cli.JsonAsync("node", "EST/telecom/backbone-router-1"))["operational"] == false,
            "the router to lose harku");

        var (code, text, error) = await Cli.RunAsync("node", "EST/telecom/backbone-router-1");

        Assert.True(code == 0, error);
        Assert.Matches(@"\n\S+ +compromised +compromised \(not operational\) +compromised +- +dependency:EST/energy/substation-harku\n", text);
    }

    [Fact]
    public async Task Node_ReportsAMomentApart_ShowTheirFractionsOfASecond()
    {
        await LoadLibraryAsync();
        Assert.Equal(0, (await Cli.RunAsync("observe", "LVA/gov-core/gov-portal", "--status", "down", "--time", "2026-11-26T10:00:00.250Z")).Code);
        Assert.Equal(0, (await Cli.RunAsync("observe", "LVA/gov-core/gov-portal", "--status", "healthy", "--time", "2026-11-26T10:00:00.125Z")).Code);

        var node = await Cli.JsonAsync("node", "LVA/gov-core/gov-portal");

        // The second is older by an eighth of a second: stale, and the times say why.
        Assert.Equal(("down", "2026-11-26T10:00:00.25Z"), ((string?)node["status"], (string?)node["lastObserved"]));
        Assert.Equal(["2026-11-26T10:00:00.25Z", "2026-11-26T10:00:00.125Z"], node["history"]!.AsArray().Select(h => (string?)h!["time"]));
        Assert.Equal([false, true], node["history"]!.AsArray().Select(h => (bool)h!["stale"]!));
    }

    [Fact]
    public async Task ObserveFile_UnknownNode_ExitsTwoAndAppliesNothing()
    {
        await LoadLibraryAsync();
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-obs-{Environment.ProcessId}.jsonl");
        await File.WriteAllTextAsync(file, """
            {"node":"FIN/telecom/backbone-router-1","status":"compromised","technique":"T1133","time":"2026-11-26T09:00:00Z"}
            {"node":"FIN/telecom/no-such-router","status":"down"}
            """, TestContext.Current.CancellationToken);

        var (code, _, error) = await Cli.RunAsync("observe", "--file", file);

        Assert.Equal(2, code);
        Assert.Equal($"{file}:2:9: unknown node 'FIN/telecom/no-such-router' in world 'live'\nbulwark: 1 error; nothing was reported\n", error);
        var fin = await Cli.JsonAsync("posture", "--domain", "FIN");
        Assert.Equal(0, (int)fin["byStatus"]!["compromised"]!);
    }

    [Fact]
    public async Task ObserveFile_MalformedLine_WorldWithoutTopology_TheFilesProblemIsReported()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-obs-empty-{Environment.ProcessId}.jsonl");
        await File.WriteAllTextAsync(file, """
            {"node":"FIN/telecom/backbone-router-1","status":"exploded"}
            """, TestContext.Current.CancellationToken);

        var (code, _, error) = await Cli.RunAsync("observe", "--file", file, "--world", "t-cli-no-topology");

        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"{file}:1:50: unknown status 'exploded'", lines[0], StringComparison.Ordinal);
        Assert.Equal(["bulwark: 1 error; nothing was reported"], lines[1..]);
    }

    [Fact]
    public async Task ObserveFile_TimeDaysAhead_LocatedAndNothingReported()
    {
        await LoadLibraryAsync();
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-obs-ahead-{Environment.ProcessId}.jsonl");
        await File.WriteAllTextAsync(file, """
            {"node":"FIN/telecom/backbone-router-1","status":"compromised","technique":"T1133"}
            {"node":"FIN/telecom/backbone-router-1","status":"down","time":"2030-01-01T00:00:00Z"}
            """, TestContext.Current.CancellationToken);

        var (code, _, error) = await Cli.RunAsync("observe", "--file", file);

        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"{file}:2:64: time 2030-01-01T00:00:00Z is ", lines[0], StringComparison.Ordinal);
        Assert.Contains(" ahead of the silo's clock (", lines[0], StringComparison.Ordinal);
        Assert.Equal(["bulwark: 1 error; nothing was reported; reports more than 1h ahead are refused, since a node's newest report sets its status (setting Bulwark:Live:FutureTolerance)"],
            lines[1..]);
        var fin = await Cli.JsonAsync("posture", "--domain", "FIN");
        Assert.Equal(0, (int)fin["byStatus"]!["compromised"]!);
    }

    [Fact]
    public async Task ObserveFile_MalformedLineUnknownNodeAndTimeAhead_AllReportedInLineOrder()
    {
        await LoadLibraryAsync();
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-obs-both-{Environment.ProcessId}.jsonl");
        await File.WriteAllTextAsync(file, """
            {"node":"FIN/telecom/no-such-router","status":"down"}
            {"node":"FIN/telecom/backbone-router-1","status":"exploded"}
            {"node":"FIN/telecom/backbone-router-1","status":"compromised","technique":"T1133"}
            {"node":"FIN/telecom/backbone-router-1","status":"down","time":"2030-01-01T00:00:00Z"}
            """, TestContext.Current.CancellationToken);

        var (code, _, error) = await Cli.RunAsync("observe", "--file", file);

        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{file}:1:9: unknown node 'FIN/telecom/no-such-router' in world 'live'", lines[0]);
        Assert.StartsWith($"{file}:2:50: unknown status 'exploded'", lines[1], StringComparison.Ordinal);
        // A time too far ahead is one of the file's problems too, not found only once the others are fixed.
        Assert.StartsWith($"{file}:4:64: time 2030-01-01T00:00:00Z is ", lines[2], StringComparison.Ordinal);
        Assert.Equal(["bulwark: 3 errors; nothing was reported; reports more than 1h ahead are refused, since a node's newest report sets its status (setting Bulwark:Live:FutureTolerance)"],
            lines[3..]);
        var fin = await Cli.JsonAsync("posture", "--domain", "FIN");
        Assert.Equal(0, (int)fin["byStatus"]!["compromised"]!);
    }

    [Fact]
    public async Task ObserveFile_Batch_AppliesEveryLine()
    {
        await LoadLibraryAsync();
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-batch-{Environment.ProcessId}.jsonl");
        await File.WriteAllTextAsync(file, """
            # two compromises and a restoration
            {"node":"FIN/telecom/backbone-router-1","status":"compromised","technique":"T1133","source":"fi-cert","time":"2026-11-26T09:00:00Z"}
            {"node":"LVA/gov-core/gov-portal","status":"compromised","technique":"T1190","time":"2026-11-26T09:01:00Z"}
            {"node":"FIN/telecom/backbone-router-1","status":"restored","time":"2026-11-26T10:00:00Z"}
            """, TestContext.Current.CancellationToken);

        var result = await Cli.JsonAsync("observe", "--file", file);

        Assert.Equal("""{"accepted":3,"applied":3,"stale":0,"changed":1}""", result.ToJsonString());
        var lva = await Cli.JsonAsync("posture", "--domain", "LVA");
        Assert.Equal(1, (int)lva["byStatus"]!["compromised"]!);
    }

    [Fact]
    public async Task ObserveFile_MalformedLines_AreLocated()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-malformed-{Environment.ProcessId}.jsonl");
        await File.WriteAllTextAsync(file, "{\"node\":\"A/b/c\",\"status\":\"exploded\"}\n{\"node\":\"A/b/c\",\"status\":\"down\",\"technique\":\"1190\"}\n{\"node\":\"A/b/c\" \"status\":\"down\"}\n",
            TestContext.Current.CancellationToken);

        var (code, _, error) = await Cli.RunAsync("observe", "--file", file);

        Assert.Equal(2, code);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"{file}:1:26: unknown status 'exploded'; expected one of: healthy, compromised, detected, isolated, degraded, down, recovering, restored", lines[0]);
        Assert.Equal($"{file}:2:45: '1190' is not an ATT&CK technique id (T1234 or T1234.001)", lines[1]);
        Assert.StartsWith($"{file}:3:17: JSON syntax: ", lines[2], StringComparison.Ordinal);
        Assert.Equal("bulwark: 3 errors; nothing was reported", lines[3]);
    }

    [Theory]
    [InlineData("unknown node 'EST/nope/x' in world 'live'", "observe", "EST/nope/x", "--status", "down")]
    [InlineData("unknown domain 'XX' in world 'live'", "posture", "--domain", "XX")]
    [InlineData("unknown node 'EST/energy/nothing' in world 'live'", "node", "EST/energy/nothing")]
    [InlineData("missing --status STATUS", "observe", "EST/energy/substation-harku")]
    [InlineData("unknown status 'exploded'; expected one of: healthy, compromised, detected, isolated, degraded, down, recovering, restored", "observe", "EST/energy/substation-harku", "--status", "exploded")]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("unknown option '--colour'", "posture", "--colour")]
    [InlineData("give --domain or --segment, not both", "posture", "--domain", "EST", "--segment", "EST/energy")]
    public async Task BadInput_ExitsTwoWithAMessageAndNoStackTrace(string message, params string[] args)
    {
        await LoadLibraryAsync();

        var (code, output, error) = await Cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"bulwark: {message}\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Watch_Count_PrintsChangesAsJsonLines()
    {
        await LoadLibraryAsync();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        var output = new StringWriter(CultureInfo.InvariantCulture);
        // Other tests share this silo, so a change they made may still be on its way through the
        // stream when the watcher subscribes: ask for three changes and look for this test's own.
        var watch = Bulwark.Cli.Cli.RunAsync(["watch", "--count", "3", "--json", "--gateway", fixture.Silo.Gateway], output, TextWriter.Null, cts.Token);

        // Keep flipping a node until the watcher, once subscribed, has seen three changes.
        var minute = 0;
        await Eventually.HoldsAsync(async () =>
        {
            minute++;
            var status = minute % 2 == 1 ? "compromised" : "healthy";
            await Cli.RunAsync("observe", "POL/gov-core/gov-portal", "--status", status, "--time", $"2026-11-26T10:{minute:00}:00Z");
            return watch.IsCompleted;
        }, "the watcher to print three changes and exit", TimeSpan.FromSeconds(45));

        Assert.Equal(0, await watch);
        var changes = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => JsonNode.Parse(line)!).ToList();
        Assert.Equal(3, changes.Count);
        Assert.All(changes, change => Assert.Equal("live", (string?)change["world"]));
        var own = changes.Last(change => (string?)change["node"] == "POL/gov-core/gov-portal");
        Assert.True((string?)own["to"] is "compromised" or "healthy", own.ToJsonString());
    }

    [Fact]
    public async Task Watch_Sigterm_EndsTheProcess()
    {
        await LoadLibraryAsync();
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var cli = Path.Combine(TestTopologies.RepositoryRoot(), "client", "cli", "bin", configuration, "net10.0", "bulwark.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { cli, "watch", "--gateway", fixture.Silo.Gateway })
        {
            info.ArgumentList.Add(arg);
        }
        using var watch = System.Diagnostics.Process.Start(info)!;
        try
        {
            var first = await watch.StandardError.ReadLineAsync(TestContext.Current.CancellationToken);
            Assert.Equal("watching world live; Ctrl-C to stop", first);

            using (var kill = System.Diagnostics.Process.Start("kill", ["-TERM", watch.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(20));
            await watch.WaitForExitAsync(deadline.Token);
            Assert.Equal(143, watch.ExitCode);
        }
        finally
        {
            if (!watch.HasExited)
            {
                watch.Kill(entireProcessTree: true);
            }
        }
    }
}
