using System.Globalization;

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
    public async Task BadCommandLine_ExitsTwoWithOneLine(string message, params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);

        var code = await Bulwark.Cli.Cli.RunAsync(args, output, error, TestContext.Current.CancellationToken);

        Assert.Equal((2, ""), (code, output.ToString()));
        Assert.Equal($"bulwark: {message}\nrun 'bulwark --help' for usage\n", error.ToString().Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    [Fact]
    public async Task NoSiloAtTheGateway_ExitsOneNamingGatewayAndClusterId()
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);

        // Nothing listens on port 9 of loopback (discard): the connection is refused until the CLI gives up.
        var code = await Bulwark.Cli.Cli.RunAsync(["status", "--gateway", "127.0.0.1:9", "--cluster-id", "other"], output, error,
            TestContext.Current.CancellationToken);

        Assert.Equal((1, ""), (code, output.ToString()));
        Assert.StartsWith("bulwark: cannot reach the Bulwark cluster 'other' at 127.0.0.1:9 (is a silo running there, with that cluster id? "
            + "--gateway and --cluster-id choose another): ", error.ToString(), StringComparison.Ordinal);
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
}
