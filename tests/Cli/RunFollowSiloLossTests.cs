using System.Globalization;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>A followed `run` whose silo process is killed says what happened to the run and what to do, with exit 1.</summary>
public sealed class RunFollowSiloLossTests
{
    [Fact]
    public async Task Run_SiloKilledWhileFollowing_ExitsOneSayingTheClusterWasLost()
    {
        var data = Directory.CreateTempSubdirectory("bulwark-follow-");
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var err = TextWriter.Synchronized(error);
        try
        {
            Task<int> run;
            await using (var silo = await SiloProcess.StartAsync(417, "--data", data.FullName))
            {
                run = Bulwark.Cli.Cli.RunAsync(["run", Path.Combine(TestTopologies.RepositoryRoot(), "scenarios", "library", "blacksea-hybrid.yaml"),
                    "--pace", "600x", "--gateway", silo.Gateway], TextWriter.Synchronized(output), err, TestContext.Current.CancellationToken);
                // Progress lines come every 10 s when standard error is not a terminal: wait for the run to exist instead.
                await Eventually.HoldsAsync(async () => (await new CliRunner(silo.Gateway).RunAsync("runs", "--state", "running")).Out.Contains("run-", StringComparison.Ordinal),
                    "the run to be going", TimeSpan.FromSeconds(30));
            }

            Assert.Equal(1, await run.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            var said = error.ToString();
            Assert.Matches(@"^started (run-[0-9a-f]{8}): 'Black Sea hybrid campaign', seed 20070427, 4,320 ticks of 1m, pace 600x\n", said);
            var id = said.Split(' ')[1].TrimEnd(':');
            Assert.Matches($@"\nbulwark: lost the cluster while following {id} \((no answer for 10 s|[^)]*Unable to connect[^)]*)\)\. A run whose silo stops ends there, stopped, with its journal;"
                + $" once a silo is back, 'bulwark run-status {id}' says where it stands\n$", said);
            Assert.DoesNotContain("S127.0.0.1", said, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task RunSeeds_SiloKilledDuringTheSweep_ExitsOneSayingTheClusterWasLost()
    {
        var data = Directory.CreateTempSubdirectory("bulwark-sweep-");
        using var output = new StringWriter(CultureInfo.InvariantCulture);
        using var error = new StringWriter(CultureInfo.InvariantCulture);
        var err = TextWriter.Synchronized(error);
        try
        {
            Task<int> sweep;
            await using (var silo = await SiloProcess.StartAsync(418, "--data", data.FullName))
            {
                sweep = Bulwark.Cli.Cli.RunAsync(["run", Path.Combine(TestTopologies.RepositoryRoot(), "scenarios", "library", "gen-10k.yaml"),
                    "--seeds", "500", "--gateway", silo.Gateway], TextWriter.Synchronized(output), err, TestContext.Current.CancellationToken);
                // The synchronised writer locks itself while it writes.
                string Said()
                {
                    lock (err)
                    {
                        return error.ToString();
                    }
                }
                await Eventually.HoldsAsync(() => Task.FromResult(Said().Contains(" of 500 done", StringComparison.Ordinal)),
                    "a seed of the sweep to be done", TimeSpan.FromSeconds(60));
            }

            Assert.Equal(1, await sweep.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
            var said = error.ToString();
            Assert.Matches(@"\nbulwark: lost the cluster after \d+ of 500 seeds \([^\n]+\); the sweep ended\. Its runs that were going stopped with their silo;"
                + @" once a silo is back, 'bulwark runs' says where they stand\n$", said);
            Assert.DoesNotContain("S127.0.0.1", said, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", said, StringComparison.Ordinal);
        }
        finally
        {
            data.Delete(recursive: true);
        }
    }
}
