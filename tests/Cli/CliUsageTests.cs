using System.Globalization;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>Command lines the CLI refuses before it reaches for a cluster.</summary>
public sealed class CliUsageTests
{
    [Theory]
    [InlineData("missing command")]
    [InlineData("missing command", "--json")]
    [InlineData("missing command", "--world", "w1", "--json")]
    [InlineData("--world needs a value", "--world")]
    [InlineData("unknown option '--bogus' before the command", "--bogus", "status")]
    [InlineData("--gateway needs a value before the command ('status' is a command)", "--gateway", "status")]
    [InlineData("missing command", "--gateway", "127.0.0.1:30000")]
    [InlineData("'topology' takes a subcommand: validate, load", "topology")]
    [InlineData("unknown command 'frobnicate'", "frobnicate")]
    [InlineData("bad gateway 'nowhere' in --gateway: expected HOST:PORT", "--gateway", "nowhere", "status")]
    [InlineData("bad gateway 'a:99999' in --gateway: port 99999 is not in 1..65535", "--gateway", "a:99999", "status")]
    [InlineData("bad gateway 'nothing.invalid:9' in --gateway: cannot resolve host 'nothing.invalid'", "--gateway", "nothing.invalid:9", "status")]
    [InlineData("--status needs a value", "observe", "A/b/c", "--status", "--gateway", "127.0.0.1:9")]
    [InlineData("--source: source has a control character (a line break, a tab, an escape or a direction override)", "observe", "A/b/c", "--status", "down", "--source", "soc\nA/b/d  down", "--gateway", "127.0.0.1:9")]
    [InlineData("--status is given 2 times; give it once", "observe", "A/b/c", "--status", "down", "--status", "healthy", "--gateway", "127.0.0.1:9")]
    [InlineData("--world is given 2 times; give it once", "--world", "a", "--world", "b", "status", "--gateway", "127.0.0.1:9")]
    [InlineData("--file needs a value", "observe", "--file", "--json")]
    [InlineData("observe takes NODE --status STATUS, or --file FILE.jsonl, not both ('A/b/c' and --file)", "observe", "A/b/c", "--file", "x.jsonl", "--gateway", "127.0.0.1:9")]
    [InlineData("--source: source is blank; leave it out for the reporter's default", "observe", "A/b/c", "--status", "down", "--source", "", "--gateway", "127.0.0.1:9")]
    [InlineData("--domain needs a value", "posture", "--domain", "--json", "--gateway", "127.0.0.1:9")]
    [InlineData("'A/b' is not a domain id (EST)", "posture", "--domain", "A/b", "--gateway", "127.0.0.1:9")]
    [InlineData("'A/b/c' is not a segment id (EST/mil-c2)", "posture", "--segment", "A/b/c", "--gateway", "127.0.0.1:9")]
    [InlineData("'A/b/c!' is not a node id (DOM/segment/node)", "node", "A/b/c!", "--gateway", "127.0.0.1:9")]
    [InlineData("--cluster-id needs a value", "--cluster-id", "", "status", "--gateway", "127.0.0.1:9")]
    [InlineData("bad world 'a b': letters, digits and '-', at most 64 characters", "--world", "a b", "status", "--gateway", "127.0.0.1:9")]
    [InlineData("bad world '': letters, digits and '-', at most 64 characters", "--world", "", "posture", "--gateway", "127.0.0.1:9")]
    [InlineData("bad --connect-timeout 'soon': a number of seconds from 0 to 3600, such as 2 or 0.5", "status", "--connect-timeout", "soon", "--gateway", "127.0.0.1:9")]
    [InlineData("bad --connect-timeout '-1': a number of seconds from 0 to 3600, such as 2 or 0.5", "--connect-timeout", "-1", "status", "--gateway", "127.0.0.1:9")]
    [InlineData("bad --connect-timeout '3601': a number of seconds from 0 to 3600, such as 2 or 0.5", "posture", "--connect-timeout", "3601", "--gateway", "127.0.0.1:9")]
    public async Task BadCommandLine_ExitsTwoWithOneLine(string message, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await Bulwark.Cli.Cli.RunAsync(args, output, error, TestContext.Current.CancellationToken);

        Assert.Equal(2, code);
        Assert.Equal($"bulwark: {message}\nrun 'bulwark --help' for usage\n", error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
        if (args.Contains("--json"))
        {
            // Scripts get the same, as JSON on standard output.
            var json = System.Text.Json.Nodes.JsonNode.Parse(output.ToString())!;
            Assert.Equal((message, 2), (json["error"]!.GetValue<string>(), json["exitCode"]!.GetValue<int>()));
        }
        else
        {
            Assert.Equal("", output.ToString());
        }
    }

    [Fact]
    public async Task NoSiloAtTheGateway_ExitsOneNamingGatewayAndClusterId()
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);

        // Nothing listens on port 9 of loopback (discard): the connection is refused until the CLI gives up, after the
        // first try here (a program reading the output is not told that it waits).
        var started = System.Diagnostics.Stopwatch.StartNew();
        var code = await Bulwark.Cli.Cli.RunAsync(["status", "--gateway", "127.0.0.1:9", "--cluster-id", "other", "--connect-timeout", "0.5"], output, error,
            TestContext.Current.CancellationToken);

        // Not a measure of speed: the default of 10 s would be more than this.
        Assert.InRange(started.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(6));

        Assert.Equal((1, ""), (code, output.ToString()));
        Assert.StartsWith("bulwark: cannot reach the Bulwark cluster 'other' at 127.0.0.1:9 (is a silo running there, with that cluster id?): ",
            error.ToString(), StringComparison.Ordinal);
        Assert.EndsWith("\n--gateway and --cluster-id choose another cluster; --connect-timeout S waits longer\n", error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal),
            StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error.ToString(), StringComparison.Ordinal);
        // Orleans's own text says it will retry; the CLI has given up by then.
        Assert.DoesNotContain("retry", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--json", "validate")]
    [InlineData("validate", "--json")]
    public async Task JsonFlag_BeforeOrAfterTheCommand_GivesJson(string first, string second)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var file = Path.Combine(Support.TestTopologies.RepositoryRoot(), "scenarios", "library", "baltic-cable-ransomware.yaml");

        var code = await Bulwark.Cli.Cli.RunAsync([first, second, file], output, error, TestContext.Current.CancellationToken);

        Assert.Equal((0, ""), (code, error.ToString()));
        var json = System.Text.Json.Nodes.JsonNode.Parse(output.ToString())!;
        Assert.True(json["files"]![0]!["valid"]!.GetValue<bool>(), output.ToString());
    }

    [Fact]
    public async Task ObserveFile_MalformedLineWithJson_GivesTheLocatedErrorAsJsonToo()
    {
        var file = Path.Combine(Path.GetTempPath(), $"bulwark-json-errors-{Guid.NewGuid():N}.jsonl");
        await File.WriteAllTextAsync(file, "{\"node\":\"A/b/c\",\"status\":\"down\"}\n{\"node\":\"A/b/c\",\"status\":\"exploded\"}\n", TestContext.Current.CancellationToken);
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        try
        {
            // No cluster answers there: the file's own problem alone.
            var code = await Bulwark.Cli.Cli.RunAsync(["observe", "--file", file, "--json", "--gateway", "127.0.0.1:9"], output, error,
                TestContext.Current.CancellationToken);

            Assert.Equal(2, code);
            var json = System.Text.Json.Nodes.JsonNode.Parse(output.ToString())!;
            Assert.Equal(("1 error; nothing was reported", 2), (json["error"]!.GetValue<string>(), json["exitCode"]!.GetValue<int>()));
            var only = Assert.Single(json["errors"]!.AsArray())!;
            Assert.Equal((file, 2, 26), (only["file"]!.GetValue<string>(), only["line"]!.GetValue<int>(), only["column"]!.GetValue<int>()));
            Assert.StartsWith("unknown status 'exploded'", only["message"]!.GetValue<string>(), StringComparison.Ordinal);
            Assert.StartsWith($"{file}:2:26: unknown status 'exploded'", error.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Gateway_HostLongerThanDnsAllows_IsABadGateway()
    {
        var host = new string('h', 258);
        var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await Bulwark.Cli.Cli.RunAsync(["--gateway", host + ":9", "status"], new StringWriter(CultureInfo.InvariantCulture), error,
            TestContext.Current.CancellationToken);

        Assert.Equal((2, $"bulwark: bad gateway '{host}:9' in --gateway: cannot resolve host '{host}'\nrun 'bulwark --help' for usage\n"),
            (code, error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("TERM", 143)]
    [InlineData("INT", 130)]
    public async Task SignalWhileConnecting_EndsQuietlyWithTheSignalsCode(string signal, int expected)
    {
        // Nothing listens there: the CLI keeps trying to connect for 10 s unless the signal ends it. The signal is sent
        // once the process has loaded the Orleans client, long after it took over SIGINT and SIGTERM; a signal before
        // that would end it by the default action, with the same exit code, whatever the CLI does.
        await SignalAsync(["status", "--gateway", "127.0.0.1:9"], "Orleans.Core.dll", signal, expected);
    }

    [Fact]
    public async Task Sigterm_CommandBlockedOpeningAFile_EndsAllTheSame()
    {
        // Opening a FIFO that nobody writes blocks for ever, and no cancellation reaches a blocked open: the CLI ends itself.
        var fifo = Path.Combine(Path.GetTempPath(), $"bulwark-fifo-{Environment.ProcessId}.yaml");
        File.Delete(fifo);
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            await mkfifo.WaitForExitAsync(TestContext.Current.CancellationToken);
        }
        try
        {
            await SignalAsync(["validate", fifo], "Bulwark.Scenarios.dll", "TERM", 143);
        }
        finally
        {
            File.Delete(fifo);
        }
    }

    /// <summary>
    /// Starts the CLI with <paramref name="args"/>, waits until it has mapped <paramref name="assembly"/> (so it is past
    /// its start and into the command), sends <paramref name="signal"/>, and checks the exit code and that no stack
    /// trace was printed.
    /// </summary>
    private static async Task SignalAsync(string[] args, string assembly, string signal, int expected)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var cli = Path.Combine(Support.TestTopologies.RepositoryRoot(), "client", "cli", "bin", configuration, "net10.0", "bulwark.dll");
        var info = new System.Diagnostics.ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in args.Prepend(cli))
        {
            info.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        try
        {
            await Eventually.HoldsAsync(async () => (await File.ReadAllTextAsync($"/proc/{process.Id}/maps", TestContext.Current.CancellationToken))
                .Contains(assembly, StringComparison.Ordinal), $"the CLI to load {assembly}");
            Assert.False(process.HasExited, "still at work");
            using (var kill = System.Diagnostics.Process.Start("kill", [$"-{signal}", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync(TestContext.Current.CancellationToken);
            }
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(6));
            await process.WaitForExitAsync(deadline.Token);

            Assert.Equal(expected, process.ExitCode);
            var stderr = await errors;
            Assert.DoesNotContain("Unhandled exception", stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("   at ", stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }
}
