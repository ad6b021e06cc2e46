using System.Globalization;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>`watch` while its silo process is killed: it follows a restarted silo, and says when the cluster is gone for good.</summary>
public sealed class WatchSiloLossTests
{
    private const int BasePort = 416;

    private static readonly string Topology = Path.Combine(TestTopologies.RepositoryRoot(), "scenarios", "library", "alliance.topology.yaml");

    /// <summary>A <c>watch</c> run in-process, whose output can be read while it runs.</summary>
    private sealed class Watch : IDisposable
    {
        private readonly StringWriter _out = new(CultureInfo.InvariantCulture), _err = new(CultureInfo.InvariantCulture);

        // Synchronised writers lock themselves while they write: reads take the same locks.
        private readonly TextWriter _outWriter, _errWriter;

        public Watch(string gateway, params string[] args)
        {
            (_outWriter, _errWriter) = (TextWriter.Synchronized(_out), TextWriter.Synchronized(_err));
            Done = Bulwark.Cli.Cli.RunAsync(["watch", .. args, "--gateway", gateway], _outWriter, _errWriter, TestContext.Current.CancellationToken);
        }

        public Task<int> Done { get; }

        public string Out { get { lock (_outWriter) { return _out.ToString(); } } }

        public string Err { get { lock (_errWriter) { return _err.ToString(); } } }

        public void Dispose()
        {
            _out.Dispose();
            _err.Dispose();
        }

        public Task SaysAsync(string text, TimeSpan within) =>
            Eventually.HoldsAsync(() => Task.FromResult(Err.Contains(text, StringComparison.Ordinal)), $"watch to say '{text}' (it said: {Err})", within);
    }

    [Fact]
    public async Task Watch_SiloRestartedThenGone_WatchesAgainThenEndsWithExit1()
    {
        // Nothing depends on it: its own change is the only one.
        const string node = "EST/gov-core/gov-portal";
        Watch watch;
        await using (var first = await SiloProcess.StartAsync(BasePort, "--topology", Topology))
        {
            watch = new Watch(first.Gateway, "--count", "1");
            await watch.SaysAsync("watching world live", TimeSpan.FromSeconds(30));
        }
        await using (var second = await SiloProcess.StartAsync(BasePort, "--topology", Topology))
        {
            await watch.SaysAsync($"bulwark: the silo at 127.0.0.1:{11000 + BasePort} left the cluster or was restarted;"
                + " watching again from now: changes in between are not shown", TimeSpan.FromSeconds(30));
            var (code, _, error) = await new CliRunner(second.Gateway).RunAsync("observe", node, "--status", "down");
            Assert.True(code == 0, error);

            Assert.Equal(0, await watch.Done.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken));
            Assert.Matches($@"^\S+  {node}  healthy -> down  -  cli  ", watch.Out);
            watch.Dispose();

            watch = new Watch(second.Gateway, "--json");
            await watch.SaysAsync("watching world live", TimeSpan.FromSeconds(30));
        }

        // Gone for good: the watch says so, and ends, instead of waiting for ever.
        Assert.Equal(1, await watch.Done.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken));
        // The last error is Orleans's, or the check's own time running out.
        Assert.Matches(@"^watching world live; Ctrl-C to stop\nbulwark: lost the cluster: no answer for 20 s \([^\n]+\)\n$", watch.Err);
        Assert.DoesNotContain("S127.0.0.1", watch.Err, StringComparison.Ordinal);
        Assert.Contains("\"error\": \"lost the cluster: no answer for 20 s", watch.Out, StringComparison.Ordinal);
        watch.Dispose();
    }
}
