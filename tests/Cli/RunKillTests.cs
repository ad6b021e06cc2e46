using System.Text.Json.Nodes;
using Bulwark.Grains.Exercise;
using Bulwark.Tests.Simulation;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>A running exercise whose silo process is killed: its journal is on disk up to about a second before.</summary>
public sealed class RunKillTests
{
    [Fact]
    public async Task KillSilo_DuringPacedRun_JournalOnDiskIsTheReferencePrefixUpToASecondBefore()
    {
        var file = "blacksea-hybrid.yaml";
        var data = Path.Combine(Path.GetTempPath(), "bulwark-kill-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            long reported;
            string id;
            await using (var silo = await SiloProcess.StartAsync(414, "--data", data))
            {
                var cli = new CliRunner(silo.Gateway);
                var (code, output, error) = await cli.RunAsync("run", Path.Combine(TestTopologies.RepositoryRoot(), "scenarios", "library", file),
                    "--pace", "3000x", "--detach");
                Assert.True(code == 0, error);
                id = output.Trim();
                JsonNode status = null!;
                await Eventually.HoldsAsync(async () => (long)(status = await cli.JsonAsync("run-status", id))["journalLines"]! >= 100,
                    "the run to have journal lines", TimeSpan.FromSeconds(60));
                Assert.Equal("running", (string?)status["state"]);
                reported = (long)status["journalLines"]!;
                // Every line the run had then is written within the save interval.
                await Task.Delay(RunGrain.SaveInterval + TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
                var still = await cli.JsonAsync("run-status", id);
                Assert.Equal("running", (string?)still["state"]);
            }

            var path = Path.Combine(data, "runs", id + ".journal");
            var journal = await File.ReadAllLinesAsync(path, TestContext.Current.CancellationToken);
            var reference = Runs.OnReference(LibraryScenarios.Load(file)).Journal;
            Assert.InRange(journal.Length, reported, reference.Count - 1);
            Assert.Equal(reference.Take(journal.Length), journal);

            // A silo started again on the data lists the run as stopped, saying what happened and where its journal is.
            await using (var again = await SiloProcess.StartAsync(414, "--data", data))
            {
                var cli = new CliRunner(again.Gateway);
                var listed = (await cli.JsonAsync("runs"))["runs"]!.AsArray().Single(r => (string?)r!["runId"] == id)!;
                Assert.Equal(("stopped", $"its silo stopped without ending it (killed, or its machine went down); its journal, {journal.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} lines, is at {path}",
                    (long)journal.Length), ((string?)listed["state"], (string?)listed["message"], (long)listed["journalLines"]!));
                // What it was, from its start; where it stood, from its journal's last line; its events are not known.
                var lastTick = long.Parse(journal[^1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(("Black Sea hybrid campaign", 4320L, lastTick, "1m", (long?)null),
                    ((string?)listed["scenario"], (long)listed["ticks"]!, (long)listed["tick"]!, (string?)listed["tickLength"], (long?)listed["events"]));
                var (_, table, _) = await cli.RunAsync("runs");
                Assert.Matches($@"\n{id} +Black Sea hybrid campaign +- +stopped +[0-9:]+ / 3d \([0-9]+%\) +\?\n", table);
                (var hashCode, _, var hashError) = await cli.RunAsync("journal", id, "--hash");
                var stored = await File.ReadAllBytesAsync(path, TestContext.Current.CancellationToken);
                Assert.Equal((1, $"bulwark: run '{id}' recorded no hash of its journal to check it against: {listed["message"]}; as stored it has "
                    + $"{journal.Length.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)} lines, sha256:{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stored))}\n"),
                    (hashCode, hashError));
                var (code, text, error) = await cli.RunAsync("journal", id);
                Assert.True(code == 0, error);
                Assert.Equal(journal, text.Split('\n')[..^1]);
                (code, _, error) = await cli.RunAsync("report", id);
                Assert.Equal((1, $"bulwark: run '{id}' has no report: {listed["message"]}\n"), (code, error));
            }
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
