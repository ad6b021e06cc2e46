using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Bulwark.Scenarios;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>A real silo process of its own for the exercise commands.</summary>
public sealed class ExerciseSiloFixture() : SiloProcessFixture(412);

/// <summary>An exercise file written to a temporary directory for the tests.</summary>
internal static class ExerciseFiles
{
    /// <summary>
    /// Seven nodes. A weighs 14: a 3h power outage of A/power/sub-1 (4) takes A/mil/c2 (5) and
    /// A/mil/radar (3) with it, so A loses 12/14 of its capability for 3h. B weighs 6; its web
    /// server is compromised at 4h. B shares indicators with A.
    /// </summary>
    public const string Drill = """
        name: Power drill
        seed: 42
        duration: 1d
        topology:
          domains:
            - id: A
              kind: nation
              segments:
                - id: power
                  sector: energy
                  nodes:
                    - {id: sub-1, kind: power-substation, owner: civilian, criticality: 4}
                - id: mil
                  sector: military
                  links: [power]
                  nodes:
                    - {id: c2, kind: server, owner: military, criticality: 5, depends: [{all-of: [A/power/sub-1]}]}
                    - {id: radar, kind: radar, owner: military, criticality: 3, depends: [{all-of: [c2]}]}
                    - {id: hmi, kind: hmi, owner: military, criticality: 2, exposures: [{technique: T1190, exploitability: 0.8}]}
            - id: B
              kind: industry
              sharing: [{partner: A, delay: 15m}]
              segments:
                - id: telecom
                  sector: telecom
                  nodes:
                    - {id: cable-1, kind: cable, owner: industry, criticality: 3}
                    - {id: router, kind: router, owner: industry, criticality: 2, depends: [{any-of: [cable-1, A/power/sub-1]}]}
                    - {id: web, kind: server, owner: industry, criticality: 1, exposures: [{technique: T1190, exploitability: 0.9}]}
        injects:
          - {id: blackout, time: 2h, target: A/power/sub-1, kind: power-outage, parameters: {duration: 3h}}
          - {id: hack, time: 4h, target: B/telecom/web, kind: compromise, parameters: {technique: T1190}}
        objectives:
          - {id: a-holds, check: A capability >= 0.9 at 12h}
          - {id: a-min, check: A min capability >= 0.5}
          - {id: loss, check: alliance resilience loss <= 2h}
        variants:
          no-sharing:
            sharing: none
        """;

    public static string Write(string directory, string name, string text)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllText(path, text);
        return path;
    }
}

public sealed class ExerciseValidateTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bulwark-validate-");

    public void Dispose() => _directory.Delete(recursive: true);

    private static async Task<(int Code, string Out, string Err)> RunLocalAsync(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await Bulwark.Cli.Cli.RunAsync(args, output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    [Fact]
    public async Task Validate_GoodFile_PrintsSummaryWithoutACluster()
    {
        var file = ExerciseFiles.Write(_directory.FullName, "drill.yaml", ExerciseFiles.Drill);

        var (code, output, error) = await RunLocalAsync("validate", file);

        Assert.Equal((0, ""), (code, error));
        Assert.Equal($"{file}: valid: 'Power drill', 2 domains, 7 nodes, 2 injects, 3 objectives, variants: no-sharing\n", output);
    }

    [Fact]
    public async Task Validate_MalformedAndMissingFiles_ExitTwoWithLocatedErrors()
    {
        var good = ExerciseFiles.Write(_directory.FullName, "drill.yaml", ExerciseFiles.Drill);
        var bad = ExerciseFiles.Write(_directory.FullName, "bad.yaml",
            ExerciseFiles.Drill.Replace("target: A/power/sub-1, kind: power-outage", "target: A/power/sub-9, kind: power-outage", StringComparison.Ordinal));
        var missing = Path.Combine(_directory.FullName, "missing.yaml");

        var (code, output, error) = await RunLocalAsync("validate", good, bad, missing);

        Assert.Equal(2, code);
        Assert.Equal($"{good}: valid: 'Power drill', 2 domains, 7 nodes, 2 injects, 3 objectives, variants: no-sharing\n", output);
        var lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal($"{bad}:31:38: unknown target 'A/power/sub-9'", lines[0]);
        Assert.StartsWith($"{missing}:1:1: cannot read the file: ", lines[1], StringComparison.Ordinal);
        Assert.Equal("bulwark: 2 errors in 2 of 3 files", lines[2]);
    }

    [Fact]
    public async Task Validate_TopologyFile_SaysToUseTopologyValidate()
    {
        var topology = TestTopologies.LibraryPath();

        var (code, output, error) = await RunLocalAsync("validate", topology);

        Assert.Equal((2, ""), (code, output));
        Assert.Contains($"\n{topology}: this looks like a topology file; check it with 'bulwark topology validate {topology}'\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_Json_GivesEveryFileAndExitsTwoWhenOneIsBad()
    {
        var good = ExerciseFiles.Write(_directory.FullName, "drill.yaml", ExerciseFiles.Drill);
        var bad = ExerciseFiles.Write(_directory.FullName, "bad.yaml", "name: x\nseed: -1\n");

        var (code, output, error) = await RunLocalAsync("validate", good, bad, "--json");

        Assert.Equal(2, code);
        var json = JsonNode.Parse(output)!;
        var files = json["files"]!.AsArray();
        // Also the shape of every failing command's --json, with every file's errors; and the errors on stderr.
        var errors = files[1]!["errors"]!.AsArray().Count;
        Assert.Equal(($"{errors} error{(errors == 1 ? "" : "s")} in 1 of 2 files", 2, errors),
            ((string?)json["error"], (int)json["exitCode"]!, json["errors"]!.AsArray().Count));
        Assert.EndsWith($"\nbulwark: {json["error"]}\n", error, StringComparison.Ordinal);
        Assert.Equal("""{"file":"GOOD","valid":true,"name":"Power drill","seed":42,"duration":"1d","domains":2,"segments":3,"nodes":7,"injects":2,"objectives":3,"variants":["no-sharing"]}""",
            files[0]!.ToJsonString().Replace(good, "GOOD", StringComparison.Ordinal));
        Assert.False((bool)files[1]!["valid"]!);
        Assert.NotEmpty(files[1]!["errors"]!.AsArray());
        Assert.All(files[1]!["errors"]!.AsArray(), e => Assert.True((int)e!["line"]! >= 1));
    }
}

public sealed class ExerciseCommandTests(ExerciseSiloFixture fixture) : IClassFixture<ExerciseSiloFixture>, IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bulwark-exercise-");

    public void Dispose() => _directory.Delete(recursive: true);

    private string Drill() => ExerciseFiles.Write(_directory.FullName, "drill.yaml", ExerciseFiles.Drill);

    private CliRunner Cli => new(fixture.Silo.Gateway);

    private static ScenarioDefinition Scenario(string file, string? variant = null) => ScenarioFile.Load(file).GetValueOrThrow().Get(variant);

    private static void AssertScope(ScopeMetrics expected, JsonNode actual)
    {
        Assert.Equal(expected.ResilienceLossHours, (double)actual["resilienceLoss"]!);
        Assert.Equal(expected.MinCapability, (double)actual["minCapability"]!);
        Assert.Equal(expected.FinalCapability, (double)actual["finalCapability"]!);
        Assert.Equal(expected.TimeToRecover95Hours, (double?)actual["timeToRecover95"]);
        Assert.Equal(expected.Recovered95, (bool)actual["recovered95"]!);
        Assert.Equal(expected.MttdHours, (double?)actual["mttd"]);
        Assert.Equal(expected.MttcHours, (double?)actual["mttc"]);
        Assert.Equal(expected.MttrHours, (double?)actual["mttr"]);
        Assert.Equal(expected.PeakCompromised, (int)actual["peakCompromised"]!);
        Assert.Equal(expected.TotalCompromised, (int)actual["totalCompromised"]!);
        Assert.Equal(expected.LongestCascade, (int)actual["longestCascade"]!);
        Assert.Equal(expected.IndicatorPropagationHours, (double?)actual["indicatorPropagation"]);
        Assert.Equal(expected.Series.Select(p => (p.Tick, p.Capability)),
            actual["series"]!.AsArray().Select(p => ((long)p!["tick"]!, (double)p["capability"]!)));
    }

    private static void AssertReport(RunReport expected, JsonNode actual)
    {
        Assert.Equal(expected.Scenario, (string?)actual["scenario"]);
        Assert.Equal(expected.Variant, (string?)actual["variant"]);
        Assert.Equal(expected.Seed, (ulong)actual["seed"]!);
        Assert.Equal(expected.JournalHash, (string?)actual["journalHash"]);
        Assert.Equal(expected.Events, (long)actual["events"]!);
        Assert.Equal(expected.JournalLines, (long)actual["journalLines"]!);
        AssertScope(expected.Alliance, actual["alliance"]!);
        var domains = actual["domains"]!.AsArray();
        Assert.Equal(expected.Domains.Select(d => d.Scope), domains.Select(d => (string?)d!["id"]));
        for (var i = 0; i < domains.Count; i++)
        {
            AssertScope(expected.Domains[i], domains[i]!);
        }
        Assert.Equal(expected.Objectives.Select(o => (o.Id, o.Text, o.Passed, o.Actual)),
            actual["objectives"]!.AsArray().Select(o => ((string)o!["id"]!, (string)o["text"]!, (bool)o["passed"]!, (string)o["actual"]!)));
        Assert.Equal(expected.Timeline.Select(e => e.ToString()),
            actual["timeline"]!.AsArray().Select(e => new JournalEntry((long)e!["tick"]!, (string)e["entity"]!, (string)e["kind"]!, (string)e["detail"]!).ToString()));
    }

    [Fact]
    public async Task RunJson_Drill_EqualsTheReferenceEngine()
    {
        var file = Drill();
        var expected = Runs.OnReference(Scenario(file)).Report;

        var run = await Cli.JsonAsync("run", file);

        Assert.Matches("^run-[0-9a-f]{8}$", (string?)run["runId"]);
        Assert.Equal("completed", (string?)run["state"]);
        Assert.Equal((42UL, 1440L, "1m", "1d"), ((ulong)run["seed"]!, (long)run["ticks"]!, (string)run["tickLength"]!, (string)run["duration"]!));
        Assert.Equal((1440L, "1d 00:00"), ((long)run["tick"]!, (string)run["virtualTime"]!));
        AssertReport(expected, run);
        // Worked by hand: for 3h A keeps only hmi (2 of 14), the cascade taking one tick down and one back up.
        var a = run["domains"]!.AsArray().Single(d => (string?)d!["id"] == "A")!;
        Assert.Equal(3 * 12 / 14.0, (double)a["resilienceLoss"]!, 12);
        Assert.Equal(2 / 14.0, (double)a["minCapability"]!, 12);
        Assert.Equal(2, (int)a["longestCascade"]!);
        Assert.Equal(1, (int)run["alliance"]!["totalCompromised"]!);
        Assert.Equal(["a-holds", "a-min", "loss"], run["objectives"]!.AsArray().Select(o => (string)o!["id"]!));
        Assert.False((bool)run["objectives"]![1]!["passed"]!);
        Assert.Equal("minimum capability 0.143", (string?)run["objectives"]![1]!["actual"]);
    }

    [Fact]
    public async Task Run_SeedAndVariant_AreApplied()
    {
        var file = Drill();
        var expected = Runs.OnReference(Scenario(file, "no-sharing") with { Seed = 7 }).Report;

        var run = await Cli.JsonAsync("run", file, "--seed", "7", "--variant", "no-sharing");

        Assert.Equal(("no-sharing", 7UL), ((string?)run["variant"], (ulong)run["seed"]!));
        AssertReport(expected, run);
    }

    [Fact]
    public async Task Run_Text_PrintsHeaderTableAndObjectives()
    {
        var file = Drill();
        var expected = Runs.OnReference(Scenario(file)).Report;

        var (code, output, error) = await Cli.RunAsync("run", file);

        Assert.True(code == 0, error);
        var lines = output.Split('\n');
        Assert.Matches(@"^scenario 'Power drill', base scenario, seed 42, run-[0-9a-f]{8}$", lines[0]);
        Assert.Equal($"completed: 1d of virtual time (1,440 ticks of 1m), {expected.Events} events, {expected.JournalLines} journal lines", lines[1]);
        Assert.Equal($"journal {expected.JournalHash}", lines[2]);
        Assert.Equal("SCOPE     LOSS (h)  MIN Q  FINAL Q  T95 (h)  MTTD (h)  MTTC (h)  MTTR (h)  PEAK  TOTAL  CASCADE  IND (h)", lines[4]);
        Assert.StartsWith("alliance ", lines[5], StringComparison.Ordinal);
        Assert.Matches(@"^A +2\.57 +0\.143 +1\.000 ", lines[6]);
        Assert.StartsWith("B ", lines[7], StringComparison.Ordinal);
        Assert.Equal("FAIL  a-min  A min capability >= 0.5  (minimum capability 0.143)", lines[10]);
        Assert.Equal($"{expected.Objectives.Count(o => o.Passed)} of 3 objectives passed", lines[12]);
        Assert.Matches(@"^started run-[0-9a-f]{8}: 'Power drill', seed 42, 1,440 ticks of 1m, full speed\n", error);
    }

    [Fact]
    public async Task Journal_Hash_EqualsTheRunsHashAndTheShaOfThePrintedJournal()
    {
        var file = Drill();
        var run = await Cli.JsonAsync("run", file);
        var id = (string)run["runId"]!;

        var (code, journal, error) = await Cli.RunAsync("journal", id);
        var (hashCode, hash, _) = await Cli.RunAsync("journal", id, "--hash");

        Assert.True(code == 0 && hashCode == 0, error);
        Assert.Equal($"{run["journalHash"]}\n", hash);
        var lines = journal.Split('\n')[..^1];
        Assert.Equal((long)run["journalLines"]!, lines.Length);
        var sha = "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")))));
        Assert.Equal(sha, hash.TrimEnd('\n'));
        Assert.Equal(Runs.OnReference(Scenario(file)).Journal, lines);
    }

    [Fact]
    public async Task Runs_AfterARun_ListsIt()
    {
        var run = await Cli.JsonAsync("run", Drill());
        var id = (string)run["runId"]!;

        var runs = await Cli.JsonAsync("runs");
        var (_, text, _) = await Cli.RunAsync("runs");

        var listed = runs["runs"]!.AsArray().Single(r => (string?)r!["runId"] == id)!;
        Assert.Equal(("Power drill", null, "completed", 1440L, 1440L, 1.0), ((string?)listed["scenario"], (string?)listed["variant"],
            (string?)listed["state"], (long)listed["tick"]!, (long)listed["ticks"]!, (double)listed["progress"]!));
        Assert.Equal((long)run["events"]!, (long)listed["events"]!);
        Assert.StartsWith("RUN ", text, StringComparison.Ordinal);
        Assert.Matches($@"\n{id} +Power drill +- +completed +1d 00:00 / 1d \(100%\) +{run["events"]}\n", text);
        var status = await Cli.JsonAsync("run-status", id);
        Assert.Equal(listed.ToJsonString(), status.ToJsonString());
    }

    [Fact]
    public async Task Runs_StateAndLast_ListOnlyThoseAsked()
    {
        var done = (string)(await Cli.JsonAsync("run", Drill()))["runId"]!;
        var (code, detached, error) = await Cli.RunAsync("run", Drill(), "--pace", "60x", "--detach", "--json");
        Assert.True(code == 0, error);
        var going = (string)JsonNode.Parse(detached)!["runId"]!;
        try
        {
            await Cli.JsonAsync("pause", going);

            var paused = (await Cli.JsonAsync("runs", "--state", "paused", "--last", "1"))["runs"]!.AsArray();
            var completed = (await Cli.JsonAsync("runs", "--state", "completed,stopped", "--last", "1"))["runs"]!.AsArray();
            var (_, text, _) = await Cli.RunAsync("runs", "--state", "paused", "--last", "1");

            Assert.Equal([(going, "paused")], paused.Select(r => ((string)r!["runId"]!, (string)r["state"]!)));
            Assert.Equal([(done, "completed")], completed.Select(r => ((string)r!["runId"]!, (string)r["state"]!)));
            Assert.Matches($@"^RUN .*\n{going} +Power drill +- +paused +", text);
            Assert.Equal(2, text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }
        finally
        {
            await Cli.RunAsync("stop", going);
        }
        Assert.Equal("no runs failed\n", (await Cli.RunAsync("runs", "--state", "failed", "--last", "1")).Out);
    }

    [Fact]
    public async Task Journal_CutShortOnDisk_ExitsOneSayingSo()
    {
        var id = (string)(await Cli.JsonAsync("run", Drill()))["runId"]!;
        // The test silo runs in the repository with the default data directory.
        var path = Path.Combine("data", "runs", id + ".journal");
        var file = Path.Combine(TestTopologies.RepositoryRoot(), path);
        var lines = await File.ReadAllLinesAsync(file, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(file, lines[0] + "\n", TestContext.Current.CancellationToken);

        var (code, output, error) = await Cli.RunAsync("journal", id);
        var (hashCode, hashOutput, hashError) = await Cli.RunAsync("journal", id, "--hash");

        Assert.Equal((1, "", $"bulwark: the journal of run '{id}' ({path}) has 1 whole line, but the run wrote {lines.Length}: it was cut short or removed\n"),
            (code, output, error));
        Assert.Equal((1, ""), (hashCode, hashOutput));
        Assert.StartsWith($"bulwark: the journal of run '{id}' ({path}) is not the one the run wrote: it has 1 lines (sha256:", hashError, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--state", "done", "--state: 'done' is not a run state (running, paused, completed, stopped, failed)")]
    [InlineData("--last", "0", "--last must be a positive whole number, not '0'")]
    [InlineData("--last", "x", "--last must be a positive whole number, not 'x'")]
    public async Task Runs_BadFilter_IsAUsageError(string option, string value, string message)
    {
        var (code, output, error) = await Cli.RunAsync("runs", option, value);

        Assert.Equal((2, "", $"bulwark: {message}\nrun 'bulwark --help' for usage\n"), (code, output, error));
    }

    [Fact]
    public async Task PauseInjectResumeStop_PacedRun_ChangeItsState()
    {
        var (code, output, error) = await Cli.RunAsync("run", Drill(), "--pace", "60x", "--detach");
        Assert.True(code == 0, error);
        var id = output.Trim();
        Assert.Matches("^run-[0-9a-f]{8}$", id);

        var paused = await Cli.JsonAsync("pause", id);
        Assert.Equal(("paused", 60.0), ((string?)paused["state"], (double)paused["pace"]!));

        var (injectCode, injected, injectError) = await Cli.RunAsync("inject", id, "--kind", "power-outage", "--target", "B/telecom/cable-1",
            "--at", "+10m", "--param", "duration=1h");
        Assert.True(injectCode == 0, injectError);
        var match = Regex.Match(injected, @"^injected power-outage on B/telecom/cable-1 at tick (\d+) \(virtual time (\d\d:\d\d)\)\n$");
        Assert.True(match.Success, injected);
        var tick = long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(tick, 10, 1439);
        Assert.Equal($"{tick / 60:00}:{tick % 60:00}", match.Groups[2].Value);

        var second = await Cli.JsonAsync("inject", id, "--kind", "compromise", "--target", "B/telecom/web", "--param", "technique=T1190",
            "--param", "techniques=T1078", "--param", "techniques=T1133");
        Assert.Equal(id, (string?)second["runId"]);
        Assert.InRange((long)second["tick"]!, 0, 1439);

        Assert.Equal("running", (string?)(await Cli.JsonAsync("resume", id))["state"]);
        var (_, statusText, _) = await Cli.RunAsync("run-status", id);
        Assert.Matches($@"^{id}  'Power drill'  (running|paused)  \S+ / 1d \(\d+%\)  \d+ events?  \d+ journal lines?  pace 60x\n$", statusText);

        var stopped = await Cli.JsonAsync("stop", id);
        Assert.Equal("stopped", (string?)stopped["state"]);
        Assert.Equal("stopped", (string?)(await Cli.JsonAsync("run-status", id))["state"]);

        var (lateCode, _, lateError) = await Cli.RunAsync("inject", id, "--kind", "restore", "--target", "A");
        Assert.Equal(2, lateCode);
        Assert.Equal($"bulwark: run '{id}' has stopped; it takes no more injects\n", lateError);
    }

    [Fact]
    public async Task ReportHtml_WriteFailingAfterTheCheck_SaysHowToWriteItAgain_JsonIsOneDocument()
    {
        // /dev/full opens for writing, so it passes the check made before the run, and every write to it fails.
        var id = (string)(await Cli.JsonAsync("run", Drill()))["runId"]!;
        var expected = $"--html: writing '/dev/full' failed: No space left on device : '/dev/full'; 'bulwark report {id} --html FILE' writes it again";

        var (code, output, error) = await Cli.RunAsync("report", id, "--html", "/dev/full", "--json");

        Assert.Equal(1, code);
        Assert.Equal($"bulwark: {expected}\n", error);
        var document = JsonNode.Parse(output)!;
        Assert.Equal((expected, 1), ((string?)document["error"], (int)document["exitCode"]!));

        var (textCode, text, textError) = await Cli.RunAsync("report", id, "--html", "/dev/full");

        Assert.Equal((1, $"bulwark: {expected}\n"), (textCode, textError));
        Assert.Contains(id, text, StringComparison.Ordinal);
        Assert.DoesNotContain("wrote", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportHtml_IsOneSelfContainedFileWithCharts()
    {
        var run = await Cli.JsonAsync("run", Drill());
        var id = (string)run["runId"]!;
        var html = Path.Combine(_directory.FullName, "report.html");

        var (code, output, error) = await Cli.RunAsync("report", id, "--html", html);

        Assert.True(code == 0, error);
        Assert.EndsWith($"wrote {html}\n", output, StringComparison.Ordinal);
        var page = await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken);
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.Equal(3, Regex.Count(page, "<svg "));
        Assert.Equal(3, Regex.Count(page, "<polyline "));
        Assert.DoesNotContain("http://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<link", page, StringComparison.Ordinal);
        Assert.Contains((string)run["journalHash"]!, page, StringComparison.Ordinal);
        Assert.Contains("<td class=\"fail\">FAIL</td><td class=\"text\">a-min</td><td class=\"text\">A min capability &gt;= 0.5</td>", page, StringComparison.Ordinal);
        Assert.Contains("<td>120</td><td>02:00</td><td class=\"text\">A/power/sub-1</td>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunCompare_NoSharing_GivesBothRunsAndTheirDifferences()
    {
        var file = Drill();
        var html = Path.Combine(_directory.FullName, "compare.html");
        var expectedA = Runs.OnReference(Scenario(file)).Report;
        var expectedB = Runs.OnReference(Scenario(file, "no-sharing") with { Seed = 42 }).Report;

        var result = await Cli.JsonAsync("run", file, "--compare", "no-sharing", "--html", html);

        var runs = result["runs"]!.AsArray();
        Assert.Equal(2, runs.Count);
        AssertReport(expectedA, runs[0]!);
        AssertReport(expectedB, runs[1]!);
        Assert.NotEqual((string?)runs[0]!["runId"], (string?)runs[1]!["runId"]);
        var differences = result["differences"]!;
        Assert.Equal(("base", "no-sharing"), ((string?)differences["baseline"], (string?)differences["variant"]));
        var extra = expectedB.Alliance.ResilienceLossHours - expectedA.Alliance.ResilienceLossHours;
        Assert.Equal(extra, (double)differences["capabilityHours"]!);
        Assert.Equal(extra, (double)differences["alliance"]!["resilienceLoss"]!);
        Assert.Equal(expectedB.Domains[0].ResilienceLossHours - expectedA.Domains[0].ResilienceLossHours,
            (double)differences["domains"]![0]!["resilienceLoss"]!);
        var page = await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken);
        Assert.Equal(3, Regex.Count(page, "<svg "));
        Assert.Equal(6, Regex.Count(page, "<polyline "));
        Assert.DoesNotContain("http", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunCompare_Text_PrintsBothSideBySideAndTheCost()
    {
        var (code, output, error) = await Cli.RunAsync("run", Drill(), "--compare", "no-sharing");

        Assert.True(code == 0, error);
        Assert.Matches(@"^scenario 'Power drill', seed 42: A = base \(run-[0-9a-f]{8}\), B = no-sharing \(run-[0-9a-f]{8}\)\n", output);
        Assert.Contains("\nSCOPE     LOSS A (h)  LOSS B (h)  DIFF (h)  MIN Q A  MIN Q B  T95 A  T95 B  MTTD A  MTTD B  TOTAL A  TOTAL B\n", output, StringComparison.Ordinal);
        Assert.Matches(@"\n(what no-sharing (costs|saves) against base: \d+\.\d{3} h of capability|no-sharing makes no difference to alliance capability) \(alliance resilience loss \d+\.\d{3} h -> \d+\.\d{3} h\)\n$", output);
    }

    [Fact]
    public async Task RunSeeds_Compare_EachSeedIsTheReferenceRun_AndTheSummaryIsOfThem()
    {
        var file = Drill();
        ulong[] seeds = [42, 43, 44];
        var a = seeds.Select(seed => Runs.OnReference(Scenario(file) with { Seed = seed }).Report).ToList();
        var b = seeds.Select(seed => Runs.OnReference(Scenario(file, "no-sharing") with { Seed = seed }).Report).ToList();

        var result = await Cli.JsonAsync("run", file, "--seeds", "3", "--compare", "no-sharing");

        Assert.Equal(seeds, result["seeds"]!.AsArray().Select(s => (ulong)s!));
        foreach (var (side, expected, variant) in new[] { ("baseline", a, (string?)null), ("compared", b, "no-sharing") })
        {
            Assert.Equal(variant, (string?)result[side]!["variant"]);
            var runs = result[side]!["runs"]!.AsArray();
            Assert.Equal(expected.Select(r => (r.Seed, r.JournalHash, r.Alliance.ResilienceLossHours)),
                runs.Select(r => ((ulong)r!["seed"]!, (string)r["journalHash"]!, (double)r["alliance"]!["resilienceLoss"]!)));
            var losses = expected.Select(r => r.Alliance.ResilienceLossHours).ToList();
            var mean = (losses[0] + losses[1] + losses[2]) / 3;
            var sd = Math.Sqrt(((losses[0] - mean) * (losses[0] - mean) + (losses[1] - mean) * (losses[1] - mean) + (losses[2] - mean) * (losses[2] - mean)) / 2);
            var alliance = result[side]!["scopes"]![0]!;
            Assert.Equal("alliance", (string?)alliance["id"]);
            var loss = alliance["resilienceLoss"]!;
            Assert.Equal((mean, sd, mean - 4.303 * sd / Math.Sqrt(3), mean + 4.303 * sd / Math.Sqrt(3), losses.Min(), losses.Max()),
                ((double)loss["mean"]!, (double)loss["stdDev"]!, (double)loss["low"]!, (double)loss["high"]!, (double)loss["min"]!, (double)loss["max"]!));
            foreach (var objective in result[side]!["objectives"]!.AsArray())
            {
                var id = (string)objective!["id"]!;
                Assert.Equal(expected.Count(r => r.Objectives.Single(o => o.Id == id).Passed), (int)objective["passed"]!);
            }
        }
        var differences = b.Zip(a, (y, x) => y.Alliance.ResilienceLossHours - x.Alliance.ResilienceLossHours).ToList();
        var scope = result["differences"]!["scopes"]![0]!;
        Assert.Equal((differences.Count(d => d > 0), differences.Count(d => d < 0)), ((int)scope["worse"]!, (int)scope["better"]!));
        Assert.Equal((differences[0] + differences[1] + differences[2]) / 3, (double)result["differences"]!["capabilityHours"]!["mean"]!);
    }

    [Fact]
    public async Task RunSeeds_Text_GivesMeansWithIntervalsAndObjectivesPassedPerSeed()
    {
        var (code, output, error) = await Cli.RunAsync("run", Drill(), "--seeds", "2");

        Assert.True(code == 0, error);
        Assert.StartsWith("scenario 'Power drill', 2 seeds (42 to 43)\n\nSCOPE         LOSS (h)  LEAST  MOST           MIN Q  LOWEST\nalliance  2.00 +/-0.00   2.00  2.00  0.375 +/-0.318   0.350\n", output, StringComparison.Ordinal);
        Assert.Contains("\n(mean +/- half-width of its 95 % confidence interval over the seeds)\n\nPASSED  OBJECTIVE\n", output, StringComparison.Ordinal);
        Assert.Matches(@"\n[0-2] of 2  a-min  A min capability >= 0\.5\n", output);
        Assert.StartsWith("running 'Power drill' with 2 seeds, 42 to 43\n", error, StringComparison.Ordinal);
        Assert.Contains("\n2 runs completed in ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunSeeds_CompareText_ObjectivesUnderTheirHeaders_AndAVerdictOfTheSeeds()
    {
        var (code, output, error) = await Cli.RunAsync("run", Drill(), "--seeds", "3", "--compare", "no-sharing");

        Assert.True(code == 0, error);
        Assert.StartsWith("scenario 'Power drill', 3 seeds (42 to 44): A = base, B = no-sharing\n", output, StringComparison.Ordinal);
        Assert.Contains("\nPASSED A  PASSED B  OBJECTIVE\n", output, StringComparison.Ordinal);
        Assert.Matches(@"\n  [0-3] of 3    [0-3] of 3  a-min  A min capability >= 0\.5\n", output);
        Assert.Matches(@"\n(what no-sharing (costs|saves) against base: \d+\.\d{3} h of capability on average over 3 seeds \(95 % interval \d+\.\d{3} to \d+\.\d{3} h; "
            + @"|no clear effect of no-sharing against base over 3 seeds: [+-]?\d+\.\d{3} h of capability lost on average, 95 % interval [+-]?\d+\.\d{3} to [+-]?\d+\.\d{3} h, which holds 0 \("
            + @"|no-sharing makes no difference to alliance capability against base over 3 seeds$)", output);
    }

    [Fact]
    public async Task RunSeedsHtml_IsOneSelfContainedPageWithEveryRunAndADotPerSeed()
    {
        var html = Path.Combine(_directory.FullName, "sweep.html");

        var result = await Cli.JsonAsync("run", Drill(), "--seeds", "3", "--compare", "no-sharing", "--html", html);

        var page = await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken);
        Assert.StartsWith("<!DOCTYPE html>", page, StringComparison.Ordinal);
        Assert.DoesNotContain("http", page, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", page, StringComparison.Ordinal);
        // Three seeds, each with its run of the scenario and of the variant: a dot and a row cell for each run.
        Assert.Equal(6, Regex.Count(page, "<circle "));
        foreach (var side in new[] { "baseline", "compared" })
        {
            foreach (var run in result[side]!["runs"]!.AsArray())
            {
                Assert.Contains($"<td><code>{(string)run!["runId"]!}</code></td><td>{((double)run["alliance"]!["resilienceLoss"]!).ToString("0.00", CultureInfo.InvariantCulture)}</td>", page, StringComparison.Ordinal);
            }
        }
        Assert.Contains("<td class=\"text\">a-min</td><td class=\"text\">A min capability &gt;= 0.5</td>", page, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunSeeds_EndedBeforeItsEnd_StopsItsRuns_AndWithJsonListsTheRunsDone()
    {
        // Ending the command (as SIGTERM or Ctrl-C does) once the first seed is done: far fewer than the 1,000 asked.
        var file = Drill();
        using var end = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new CancelOnLine(end, " done");

        var code = await Bulwark.Cli.Cli.RunAsync(["run", file, "--seeds", "1000", "--compare", "no-sharing", "--json", "--gateway", fixture.Silo.Gateway], output, error, end.Token);

        Assert.True(code == 0, error.ToString());
        var result = JsonNode.Parse(output.ToString())!;
        Assert.Equal(("Power drill", true, 42UL, 1000), ((string?)result["scenario"], (bool)result["stopped"]!, (ulong)result["firstSeed"]!, (int)result["seedsAsked"]!));
        var completed = result["completed"]!.AsArray();
        Assert.InRange(completed.Count, 2, 1998);
        Assert.Equal(0, completed.Count % 2);
        Assert.Matches(@"\nstopped after \d+ of 1000 seeds; the sweep's runs still going were stopped\n$", error.ToString());
        // Each seed done is there with its variant, each the reference engine's run for its seed.
        foreach (var run in completed.Take(4))
        {
            var variant = (string?)run!["variant"];
            var expected = Runs.OnReference(Scenario(file, variant) with { Seed = (ulong)run["seed"]! }).Report;
            Assert.Equal(expected.JournalHash, (string?)run["journalHash"]);
        }
        Assert.Equal(completed.Count / 2, completed.Count(r => (string?)r!["variant"] == "no-sharing"));
        // Nothing of the sweep goes on: every run of the scenario that is not over was stopped.
        var runs = (await Cli.JsonAsync("runs"))["runs"]!.AsArray();
        Assert.DoesNotContain(runs, r => (string?)r!["scenario"] == "Power drill" && (string?)r["state"] is "running" or "paused");
    }

    /// <summary>A writer that cancels <paramref name="source"/> when a line holding <paramref name="text"/> is written.</summary>
    private sealed class CancelOnLine(CancellationTokenSource source, string text) : StringWriter(CultureInfo.InvariantCulture)
    {
        public override Task WriteLineAsync(string? value)
        {
            if (value is not null && value.Contains(text, StringComparison.Ordinal))
            {
                source.Cancel();
            }
            return base.WriteLineAsync(value);
        }
    }

    [Fact]
    public async Task CtrlC_WhileFollowingARunWithJson_PrintsTheRunWhichGoesOn()
    {
        // A real CLI process, paced so that the run is still going when Ctrl-C (SIGINT) comes.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var cli = Path.Combine(TestTopologies.RepositoryRoot(), "client", "cli", "bin", configuration, "net10.0", "bulwark.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in new[] { cli, "run", Drill(), "--pace", "60x", "--json", "--gateway", fixture.Silo.Gateway })
        {
            info.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(info)!;
        var stderr = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (stderr)
            {
                stderr.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            string Err()
            {
                lock (stderr)
                {
                    return stderr.ToString();
                }
            }
            await Eventually.HoldsAsync(() => Task.FromResult(Err().Contains("started run-", StringComparison.Ordinal)), "the run to start", TimeSpan.FromSeconds(30));
            // Twice, as `timeout -s INT` does (the command, then its process group): still one Ctrl-C. The second comes
            // once the command has stopped following and let Ctrl-C go, as it winds down: not an end with 130.
            async Task InterruptAsync()
            {
                using var kill = System.Diagnostics.Process.Start("kill", ["-INT", process.Id.ToString(CultureInfo.InvariantCulture)])!;
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            await InterruptAsync();
            await Eventually.HoldsAsync(() => Task.FromResult(Err().Contains("stopped following", StringComparison.Ordinal) || process.HasExited),
                "the command to stop following");
            if (!process.HasExited)
            {
                await InterruptAsync();
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(deadline.Token);

            Assert.True(process.ExitCode == 0, Err());
            var run = JsonNode.Parse(await stdout)!;
            var id = (string)run["runId"]!;
            Assert.Contains($"started {id}: 'Power drill'", Err(), StringComparison.Ordinal);
            Assert.Contains($"stopped following; the run goes on (see 'bulwark runs', end it with 'bulwark stop {id}')", Err(), StringComparison.Ordinal);
            Assert.Equal(("Power drill", "running"), ((string?)run["scenario"], (string?)run["state"]));
            Assert.Equal("running", (string?)(await Cli.JsonAsync("run-status", id))["state"]);
            await Cli.JsonAsync("stop", id);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Run_EndedWhileFollowing_WithJson_PrintsTheRunWhichGoesOn()
    {
        // As SIGTERM does: the command's token is cancelled once the run has started.
        using var end = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new CancelOnLine(end, "started run-");

        await Bulwark.Cli.Cli.RunAsync(["run", Drill(), "--pace", "60x", "--json", "--gateway", fixture.Silo.Gateway], output, error, end.Token);

        var run = JsonNode.Parse(output.ToString())!;
        var id = (string)run["runId"]!;
        Assert.Equal(("Power drill", "running"), ((string?)run["scenario"], (string?)run["state"]));
        Assert.EndsWith($"stopped following; the run goes on (see 'bulwark runs', end it with 'bulwark stop {id}')\n", error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Equal("running", (string?)(await Cli.JsonAsync("run-status", id))["state"]);
        await Cli.JsonAsync("stop", id);
    }

    [Fact]
    public async Task RunSeeds_PastTheLargestSeed_IsRefusedBeforeAnythingRuns()
    {
        var (code, output, error) = await Cli.RunAsync("run", Drill(), "--seed", "18446744073709551615", "--seeds", "2");

        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith("bulwark: --seeds 2 from seed 18446744073709551615 goes past the largest seed, 18446744073709551615\n", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("unknown run 'run-00000000'", "run-status", "run-00000000")]
    [InlineData("unknown run 'run-00000000'", "journal", "run-00000000", "--hash")]
    [InlineData("unknown run 'run-00000000'", "report", "run-00000000")]
    [InlineData("unknown run 'run-00000000'", "pause", "run-00000000")]
    [InlineData("unknown inject kind 'meteor'; expected one of: compromise, campaign, ddos, cable-cut, power-outage, ransomware, wiper, intel-report, patch, isolate, restore, set-alert-level",
        "inject", "run-00000000", "--kind", "meteor", "--target", "A")]
    [InlineData("patch needs parameter 'technique'", "inject", "run-00000000", "--kind", "patch", "--target", "A/mil")]
    [InlineData("set-alert-level targets a domain, not 'A/mil'", "inject", "run-00000000", "--kind", "set-alert-level", "--target", "A/mil", "--param", "level=2")]
    [InlineData("--at: 'soon' is not a duration; write e.g. 30m, 2h, 1h30m or 3d", "inject", "run-00000000", "--kind", "isolate", "--target", "A", "--at", "soon")]
    [InlineData("--at: '25:99' is not a virtual time; write HH:MM or 'Nd HH:MM', hours below 24 and minutes below 60 (06:30, '1d 06:30')", "inject", "run-00000000", "--kind", "isolate", "--target", "A", "--at", "25:99")]
    [InlineData("--at: '1d 24:00' is not a virtual time; write HH:MM or 'Nd HH:MM', hours below 24 and minutes below 60 (06:30, '1d 06:30')", "inject", "run-00000000", "--kind", "isolate", "--target", "A", "--at", "1d 24:00")]
    [InlineData("--at: '99999999999d 06:30' is not a virtual time; write HH:MM or 'Nd HH:MM', hours below 24 and minutes below 60 (06:30, '1d 06:30')", "inject", "run-00000000", "--kind", "isolate", "--target", "A", "--at", "99999999999d 06:30")]
    [InlineData("parameter 'duration' is given twice", "inject", "run-00000000", "--kind", "ddos", "--target", "A", "--param", "duration=1h", "--param", "duration=2h")]
    [InlineData("--pace must be virtual seconds per real second, like 60x or 0.5, at least 0.001x (0 = full speed), not '0.0000001x'", "run", "x.yaml", "--pace", "0.0000001x")]
    [InlineData("bad run id 'a/b': letters, digits and dashes, at most 64 characters", "stop", "a/b")]
    [InlineData("missing FILE", "run")]
    [InlineData("--html: cannot write '/proc/x.html': Could not find file '/proc/x.html'.", "run", "x.yaml", "--html", "/proc/x.html")]
    [InlineData("--html: cannot write '/proc/x.html': Could not find file '/proc/x.html'.", "report", "run-00000000", "--html", "/proc/x.html")]
    [InlineData("--html needs a followed run; with --detach, write it later with 'bulwark report RUN --html F'", "run", "x.yaml", "--detach", "--html", "x.html")]
    [InlineData("--compare needs another variant than --variant 'v'", "run", "x.yaml", "--variant", "v", "--compare", "v")]
    [InlineData("--seed must be a whole number from 0, not '-1'", "run", "x.yaml", "--seed", "-1")]
    [InlineData("--seeds must be a whole number of seeds from 2 to 1,000, not '1'", "run", "x.yaml", "--seeds", "1")]
    [InlineData("--seeds must be a whole number of seeds from 2 to 1,000, not '1001'", "run", "x.yaml", "--seeds", "1001")]
    [InlineData("--seeds runs each seed at full speed and prints one summary; it does not take --pace (run one seed for that)", "run", "x.yaml", "--seeds", "5", "--pace", "60x")]
    [InlineData("--seeds runs each seed at full speed and prints one summary; it does not take --detach (run one seed for that)", "run", "x.yaml", "--seeds", "5", "--detach")]
    [InlineData("--pace must be virtual seconds per real second, like 60x or 0.5, at least 0.001x (0 = full speed), not 'fast'", "run", "x.yaml", "--pace", "fast")]
    public async Task BadInput_ExitsTwoWithAMessageAndNoStackTrace(string message, params string[] args)
    {
        var (code, output, error) = await Cli.RunAsync(args);

        Assert.Equal(2, code);
        Assert.Equal("", output);
        Assert.StartsWith($"bulwark: {message}\n", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_MissingFile_IsALocatedError()
    {
        var missing = Path.Combine(_directory.FullName, "missing.yaml");

        var (code, output, error) = await Cli.RunAsync("run", missing);

        Assert.Equal((2, ""), (code, output));
        Assert.StartsWith($"{missing}:1:1: cannot read the file: ", error, StringComparison.Ordinal);
        Assert.EndsWith("\nbulwark: 1 error; nothing was started\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_UnknownVariant_NamesTheVariants()
    {
        var (code, _, error) = await Cli.RunAsync("run", Drill(), "--variant", "loud");

        Assert.Equal(2, code);
        Assert.StartsWith("bulwark: unknown variant 'loud'; the scenario has: no-sharing\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_UnknownTarget_IsRefusedByTheRun()
    {
        var (_, output, _) = await Cli.RunAsync("run", Drill(), "--pace", "1x", "--detach");
        var id = output.Trim();
        try
        {
            var (code, _, error) = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/nowhere");

            Assert.Equal(2, code);
            Assert.Equal($"bulwark: unknown target 'A/nowhere' in run '{id}'\n", error);
            // An effect's length is whole ticks (1m here), as in a scenario file: 90s would have lasted 2m.
            (code, _, error) = await Cli.RunAsync("inject", id, "--kind", "ddos", "--target", "A/mil/hmi", "--param", "duration=90s");
            Assert.Equal((2, "bulwark: 'duration' 1m30s is not a whole number of ticks (1m)\n"), (code, error));
        }
        finally
        {
            await Cli.RunAsync("stop", id);
        }
    }

    [Fact]
    public async Task RunReplay_RunWithHandInject_GivesTheSameJournal()
    {
        var file = Drill();
        var (code, output, error) = await Cli.RunAsync("run", file, "--pace", "20000x", "--seed", "7", "--detach");
        Assert.True(code == 0, error);
        var id = output.Trim();
        var (injectCode, _, injectError) = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "B/telecom/cable-1", "--at", "+2h");
        Assert.True(injectCode == 0, injectError);
        await Eventually.HoldsAsync(async () => (string?)(await Cli.JsonAsync("run-status", id))["state"] == "completed",
            "the paced run to complete", TimeSpan.FromSeconds(60));
        var original = await Cli.JsonAsync("report", id);

        var (replayCode, replayOut, replayError) = await Cli.RunAsync("--json", "run", file, "--replay", id);

        Assert.True(replayCode == 0, replayError);
        var replay = JsonNode.Parse(replayOut)!;
        Assert.Equal((string?)original["journalHash"], (string?)replay["journalHash"]);
        Assert.Contains($"replaying {id}: 1 hand inject\n", replayError, StringComparison.Ordinal);
        Assert.Contains($"the journal is {id}'s: {original["journalHash"]}\n", replayError, StringComparison.Ordinal);
        Assert.Equal(7UL, (ulong)replay["seed"]!);
        Assert.Equal((id, 1, true, (string?)original["journalHash"], true, true),
            ((string?)replay["replay"]!["of"], (int)replay["replay"]!["handInjects"]!, (bool)replay["replay"]!["compared"]!,
             (string?)replay["replay"]!["journalHash"], (bool)replay["replay"]!["sameJournal"]!, (bool)replay["replay"]!["sameFigures"]!));
        // Without the hand inject the journal is another.
        var plain = await Cli.JsonAsync("run", file, "--seed", "7");
        Assert.NotEqual((string?)original["journalHash"], (string?)plain["journalHash"]);
        // Another criticality weighs the same events otherwise: the journal is the run's, its figures are not.
        var reweighed = ExerciseFiles.Write(_directory.FullName, "reweighed.yaml", ExerciseFiles.Drill
            .Replace("{id: radar, kind: radar, owner: military, criticality: 3", "{id: radar, kind: radar, owner: military, criticality: 1", StringComparison.Ordinal));
        var (againCode, _, againError) = await Cli.RunAsync("run", reweighed, "--replay", id);
        Assert.True(againCode == 0, againError);
        Assert.Contains($"the journal is {id}'s ({original["journalHash"]}), but not its figures: was it run with another file?\n", againError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunReplay_HandInjectsTheFileCannotTake_IsRefusedAndNothingRuns()
    {
        var file = Drill();
        var (code, output, error) = await Cli.RunAsync("run", file, "--pace", "60x", "--detach");
        Assert.True(code == 0, error);
        var id = output.Trim();
        try
        {
            Assert.Equal(0, (await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "B/telecom/cable-1", "--at", "2h")).Code);
            Assert.Equal(0, (await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/hmi", "--at", "3h")).Code);
            Assert.Equal(0, (await Cli.RunAsync("inject", id, "--kind", "ransomware", "--target", "A/mil/radar", "--at", "20h", "--param", "duration=1h")).Code);
        }
        finally
        {
            await Cli.RunAsync("stop", id);
        }
        // The same scenario, shorter, with the cable renamed: the first and the third hand inject have nowhere to go.
        var changed = ExerciseFiles.Write(_directory.FullName, "changed.yaml", ExerciseFiles.Drill
            .Replace("duration: 1d", "duration: 18h", StringComparison.Ordinal)
            .Replace("at 12h", "at 6h", StringComparison.Ordinal)
            .Replace("cable-1", "cable-9", StringComparison.Ordinal));
        var before = (await Cli.JsonAsync("runs"))["runs"]!.AsArray().Count;

        var (replayCode, replayOut, replayError) = await Cli.RunAsync("run", changed, "--replay", id);

        Assert.True(replayCode == 2, replayError);
        Assert.Equal("", replayOut);
        // Named by the scenario: the new run was never started.
        Assert.StartsWith("bulwark: the scenario cannot take 2 hand injects given: "
            + "hand inject 1 (isolate on 'B/telecom/cable-1' at 2h): unknown target 'B/telecom/cable-1' in scenario 'Power drill'; "
            + "hand inject 3 (ransomware on 'A/mil/radar' at 20h): not before the end of the exercise (18h)\n", replayError, StringComparison.Ordinal);
        Assert.Equal(before, (await Cli.JsonAsync("runs"))["runs"]!.AsArray().Count);
    }

    [Fact]
    public async Task RunReplay_OtherVariant_IsRefused()
    {
        var file = Drill();
        var (_, output, _) = await Cli.RunAsync("run", file, "--detach");
        var id = output.Trim();

        var (code, _, error) = await Cli.RunAsync("run", file, "--variant", "no-sharing", "--replay", id);

        Assert.Equal(2, code);
        Assert.StartsWith($"bulwark: --replay: {id} ran 'Power drill', not 'Power drill' (variant no-sharing)\n", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_TwoRuns_StopsBoth()
    {
        var ids = new List<string>();
        for (var i = 0; i < 2; i++)
        {
            var (_, output, _) = await Cli.RunAsync("run", Drill(), "--pace", "1x", "--detach");
            ids.Add(output.Trim());
        }

        var (code, stopped, error) = await Cli.RunAsync("stop", ids[0], ids[1]);

        Assert.True(code == 0, error);
        Assert.Equal(2, stopped.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        foreach (var id in ids)
        {
            var status = await Cli.JsonAsync("run-status", id);
            Assert.Equal("stopped", (string?)status["state"]);
            // The report says where the run stopped.
            var report = await Cli.JsonAsync("report", id);
            Assert.Equal(((long)status["tick"]!, 1440L), ((long)report["tick"]!, (long)report["ticks"]!));
            Assert.Equal((string?)status["virtualTime"], (string?)report["virtualTime"]);
            Assert.Matches("^[0-9]{2}:[0-9]{2}$", (string?)report["virtualTime"]);
        }
    }

    [Fact]
    public async Task Inject_AtVirtualTime_FiresThereAndRefusesThePastTheEndAndPartTicks()
    {
        // 10 virtual minutes a second: tick 0 passes within a tenth of a second, and the inject at 0s waits for it.
        var (_, output, _) = await Cli.RunAsync("run", Drill(), "--pace", "600x", "--detach");
        var id = output.Trim();
        try
        {
            var (code, injected, error) = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/c2", "--at", "6h");
            var clock = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/c2", "--at", "07:30");
            await Eventually.HoldsAsync(async () => (long)(await Cli.JsonAsync("run-status", id))["tick"]! > 0, "tick 0 to pass", TimeSpan.FromSeconds(30));
            var past = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/c2", "--at", "0s");
            var end = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/c2", "--at", "1d");
            var part = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/c2", "--at", "+90s");
            var negative = await Cli.RunAsync("inject", id, "--kind", "isolate", "--target", "A/mil/c2", "--at", "-10m");

            Assert.True(code == 0, error);
            Assert.Equal("injected isolate on A/mil/c2 at tick 360 (virtual time 06:00)\n", injected);
            Assert.Equal((0, "injected isolate on A/mil/c2 at tick 450 (virtual time 07:30)\n"), (clock.Code, clock.Out));
            Assert.Equal(2, past.Code);
            Assert.Matches($"^bulwark: virtual time 0s has passed: run '{id}' is at \\d+m\n", past.Err);
            Assert.Equal((2, "bulwark: virtual time 1d is not before the end of the exercise (1d)\n"), (end.Code, end.Err));
            Assert.Equal((2, "bulwark: +1m30s is not a whole number of ticks (1m)\n"), (part.Code, part.Err));
            Assert.Equal(2, negative.Code);
            Assert.StartsWith("bulwark: --at: '-10m' is in the past; give +DURATION (from the run's current time) or DURATION (virtual time from the start)\n",
                negative.Err, StringComparison.Ordinal);
        }
        finally
        {
            await Cli.RunAsync("stop", id);
        }
    }
}
