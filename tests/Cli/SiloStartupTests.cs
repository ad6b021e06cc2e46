using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>The silo refuses a bad start with one line and an exit code, before it starts anything.</summary>
public sealed class SiloStartupTests
{
    private static Task<(int Code, string Err)> RunSiloAsync(params string[] args) => RunSiloAsync(new Dictionary<string, string>(), args);

    private static async Task<(int Code, string Err)> RunSiloAsync(Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestTopologies.RepositoryRoot(),
        };
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }
        foreach (var arg in (string[])[SiloProcess.SiloDll(), .. args])
        {
            info.ArgumentList.Add(arg);
        }
        using var silo = Process.Start(info)!;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        var output = silo.StandardOutput.ReadToEndAsync(deadline.Token);
        var error = await silo.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            await silo.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!silo.HasExited)
            {
                silo.Kill(entireProcessTree: true);
            }
        }
        Assert.Equal("", await output);
        return (silo.ExitCode, error);
    }

    [Fact]
    public async Task Start_PortValueNotANumber_ExitsTwo()
    {
        Assert.Equal((2, "bulwark-silo: Failed to convert configuration value 'abc' at 'Bulwark:SiloPort' to type 'System.Int32'.\n"),
            await RunSiloAsync("--silo-port", "abc"));
    }

    [Fact]
    public async Task Start_LiveSettingBad_ExitsTwoWithOneLine()
    {
        Assert.Equal((2, "bulwark-silo: Failed to convert configuration value 'xyz' at 'Bulwark:Live:FutureTolerance' to type 'System.TimeSpan'.\n"),
            await RunSiloAsync("--Bulwark:Live:FutureTolerance", "xyz"));
        Assert.Equal((2, "bulwark-silo: Bulwark:Live:IngestFanOut must not be negative\n"),
            await RunSiloAsync("--Bulwark:Live:IngestFanOut", "-5"));
    }

    [Fact]
    public async Task Start_DataDirectoryIsAFile_ExitsTwo()
    {
        var file = Path.GetTempFileName();
        try
        {
            Assert.Equal((2, $"bulwark-silo: the data directory '{file}' cannot hold journals: it is a file, not a directory\n"),
                await RunSiloAsync("--data", file));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Start_EnvironmentVariableWithUnderscores_SetsTheSetting()
    {
        // BULWARK_GATEWAY_PORT is Bulwark:GatewayPort, as BULWARK_GATEWAYPORT is.
        Assert.Equal((2, "bulwark-silo: Failed to convert configuration value 'x1' at 'Bulwark:GatewayPort' to type 'System.Int32'.\n"),
            await RunSiloAsync(new Dictionary<string, string> { ["BULWARK_GATEWAY_PORT"] = "x1" }));
    }

    [Fact]
    public async Task Start_GatewayPortTaken_ExitsOneInsteadOfSharingIt()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;

        Assert.Equal((1, $"bulwark-silo: the gateway port ({port}) is in use by another process; choose another (see the README's configuration)\n"),
            await RunSiloAsync("--silo-port", "11415", "--gateway-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--http", "http://127.0.0.1:8415"));
    }

    [Fact]
    public async Task Start_MissingTopologyAndUnknownVariant_ExitsTwoWithEveryProblem()
    {
        var exercise = Path.Combine(TestTopologies.RepositoryRoot(), "scenarios", "library", "blacksea-hybrid.yaml");

        var (code, error) = await RunSiloAsync("--topology", "no-such.topology.yaml", "--exercise", exercise, "--variant", "nope");

        Assert.Equal(2, code);
        Assert.Equal([
            "no-such.topology.yaml:1:1: cannot read the file: Could not find file '" + Path.Combine(TestTopologies.RepositoryRoot(), "no-such.topology.yaml") + "'.",
            "unknown variant 'nope'; the scenario has: no-ddos, no-sharing, prompt-sharing",
            "bulwark-silo: 2 problems in the configured files; the silo did not start",
        ], error.TrimEnd('\n').Split('\n'));
    }
}
