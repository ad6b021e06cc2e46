using System.Globalization;
using System.Text.Json.Nodes;

namespace Bulwark.Tests.Support;

/// <summary>Runs the <c>bulwark</c> command line in-process against a gateway and captures what it prints.</summary>
public sealed class CliRunner(string gateway)
{
    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var output = new StringWriter(CultureInfo.InvariantCulture);
        var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await Bulwark.Cli.Cli.RunAsync([.. args, "--gateway", gateway], output, error, TestContext.Current.CancellationToken);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>Runs with <c>--json</c>, requires exit 0 and parses the output.</summary>
    public async Task<JsonNode> JsonAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync([.. args, "--json"]);
        Assert.True(code == 0, $"bulwark {string.Join(' ', args)} exited {code}: {error}");
        return JsonNode.Parse(output)!;
    }
}
