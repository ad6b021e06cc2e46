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
        var (code, output, error) = await RunSiloAsync(SiloProcess.SiloDll(), environment, args);
        Assert.Equal("", output);
        return (code, error);
    }

    private static async Task<(int Code, string Out, string Err)> RunSiloAsync(string dll, Dictionary<string, string> environment, params string[] args)
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
        foreach (var arg in (string[])[dll, .. args])
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
        return (silo.ExitCode, await output, error);
    }

    [Fact]
    public async Task Start_PortValueNotANumber_ExitsTwo()
    {
        Assert.Equal((2, "bulwark-silo: Bulwark:SiloPort: 'abc' is not a whole number\n"),
            await RunSiloAsync("--silo-port", "abc"));
    }

    [Fact]
    public async Task Start_LiveSettingBad_ExitsTwoWithOneLine()
    {
        Assert.Equal((2, "bulwark-silo: Bulwark:Live:FutureTolerance: 'xyz' is not a duration as hh:mm:ss (00:00:05) or d.hh:mm:ss\n"),
            await RunSiloAsync("--Bulwark:Live:FutureTolerance", "xyz"));
        Assert.Equal((2, "bulwark-silo: Bulwark:Live:IngestFanOut must not be negative\n"),
            await RunSiloAsync("--Bulwark:Live:IngestFanOut", "-5"));
    }

    [Theory]
    [InlineData("unknown option '--bogus-option'; bulwark-silo --help lists the options", "--bogus-option", "1")]
    [InlineData("unexpected argument 'stray'; bulwark-silo --help lists the options", "stray")]
    [InlineData("--topology needs a value", "--silo-port", "11417", "--topology")]
    [InlineData("--topology needs a value", "--topology", "--silo-port", "11417")]
    [InlineData("unknown setting 'Bulwark:DataDirectroy'; the README's configuration table lists them", "--Bulwark:DataDirectroy", "x")]
    [InlineData("a variant ('no-sharing') is given without an exercise to run (--exercise FILE)", "--variant", "no-sharing")]
    [InlineData("Bulwark:ClusterId must not be empty", "--cluster-id", "")]
    [InlineData("Bulwark:ServiceId must not be empty", "--Bulwark:ServiceId", " ")]
    [InlineData("Bulwark:DataDirectory must not be empty", "--data=")]
    [InlineData("the silo port (11417), the gateway port (11417) and the HTTP port (8080) must differ", "--silo-port", "11417", "--gateway-port", "11417")]
    [InlineData("Logging:LogLevel:Default: 'Loud' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)",
        "--Logging:LogLevel:Default", "Loud")]
    [InlineData("Logging:Console:LogLevel:Orleans: 'x' is not a log level (Trace, Debug, Information, Warning, Error, Critical, None)",
        "--Logging:Console:LogLevel:Orleans=x")]
    [InlineData("Bulwark:Live:FutureTolerance must not be negative (0 accepts any time)", "--Bulwark:Live:FutureTolerance", "-01:00:00")]
    public async Task Start_BadCommandLine_ExitsTwoWithOneLineBeforeStartingAnything(string message, params string[] args)
    {
        Assert.Equal((2, $"bulwark-silo: {message}\n"), await RunSiloAsync(args));
    }

    [Fact]
    public async Task Start_OptionsInAnyCase_AreReadAsTheConfigurationReadsThem()
    {
        Assert.Equal((2, "bulwark-silo: Bulwark:SiloPort: 'abc' is not a whole number\n"), await RunSiloAsync("--Silo-Port", "abc"));
        Assert.Equal((2, "bulwark-silo: Bulwark:SiloPort: 'abc' is not a whole number\n"), await RunSiloAsync("--environment", "Production", "--bulwark:siloport=abc"));
    }

    [Fact]
    public async Task Start_EmptyClusterIdInTheEnvironment_ExitsTwo()
    {
        Assert.Equal((2, "bulwark-silo: Bulwark:ClusterId must not be empty\n"),
            await RunSiloAsync(new Dictionary<string, string> { ["BULWARK_CLUSTER_ID"] = "" }));
    }

    [Fact]
    public async Task Start_Help_PrintsTheOptionsAndStartsNothing()
    {
        var (code, output, error) = await RunSiloAsync(SiloProcess.SiloDll(), [], "--help");

        Assert.Equal((0, ""), (code, error));
        Assert.StartsWith("usage: bulwark-silo [options]\n", output, StringComparison.Ordinal);
        Assert.Contains("\n  --topology FILE        topology loaded into the live world at start (Bulwark:Topology)\n", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_SettingsFileNotJson_ExitsTwoAtItsLineAndColumn()
    {
        // A copy of the silo, with its appsettings.json broken.
        var copy = Directory.CreateTempSubdirectory("bulwark-silo-copy-");
        try
        {
            var built = Path.GetDirectoryName(SiloProcess.SiloDll())!;
            foreach (var file in Directory.EnumerateFiles(built, "*", SearchOption.AllDirectories))
            {
                var target = Path.Combine(copy.FullName, Path.GetRelativePath(built, file));
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Copy(file, target);
            }
            var settings = Path.Combine(copy.FullName, "appsettings.json");
            await File.WriteAllTextAsync(settings, "{\n  \"Bulwark\": { bad\n}\n", TestContext.Current.CancellationToken);

            var (code, output, error) = await RunSiloAsync(Path.Combine(copy.FullName, "bulwark-silo.dll"), []);

            Assert.Equal((2, "", $"bulwark-silo: {settings}:2:16: not valid JSON: 'b' is an invalid start of a property name. Expected a '\"'.\n"),
                (code, output, error));
        }
        finally
        {
            copy.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Start_FilesSwapped_SaysWhichOptionEachIsFor()
    {
        var scenario = Path.Combine("scenarios", "library", "blacksea-hybrid.yaml");
        var topology = Path.Combine("scenarios", "library", "alliance.topology.yaml");

        var (code, error) = await RunSiloAsync("--topology", scenario, "--exercise", topology);

        var lines = error.TrimEnd('\n').Split('\n');
        Assert.Equal(2, code);
        Assert.Contains($"{scenario}: this looks like a scenario file; give it to --exercise", lines);
        Assert.Contains($"{topology}: this looks like a topology file; give it to --topology", lines);
        Assert.Equal(lines.Length, lines.Distinct().Count());
        Assert.Equal($"bulwark-silo: {lines.Length - 1} problems in the configured files; the silo did not start", lines[^1]);
    }

    [Fact]
    public async Task Start_BadTopologyGivenAndIncludedByTheExercise_ListsEachErrorOnce()
    {
        var directory = Directory.CreateTempSubdirectory("bulwark-startup-");
        try
        {
            var topology = Path.Combine(directory.FullName, "bad.topology.yaml");
            await File.WriteAllTextAsync(topology, "domains:\n  - id: A\n    kind: natoin\n", TestContext.Current.CancellationToken);
            var exercise = Path.Combine(directory.FullName, "drill.yaml");
            await File.WriteAllTextAsync(exercise, "name: drill\nseed: 1\nduration: 1h\ntopology:\n  include: bad.topology.yaml\n", TestContext.Current.CancellationToken);

            Assert.Equal((2, $"{topology}:3:11: unknown domain kind 'natoin'; did you mean 'nation'?\nbulwark-silo: 1 problem in the configured files; the silo did not start\n"),
                await RunSiloAsync("--topology", topology, "--exercise", exercise));
        }
        finally
        {
            directory.Delete(recursive: true);
        }
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
        Assert.Equal((2, "bulwark-silo: Bulwark:GatewayPort: 'x1' is not a whole number\n"),
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
            "no-such.topology.yaml:1:1: cannot read the file: there is no such file",
            $"{exercise}: --variant: unknown variant 'nope'; the scenario has: no-ddos, no-sharing, prompt-sharing",
            "bulwark-silo: 2 problems in the configured files; the silo did not start",
        ], error.TrimEnd('\n').Split('\n'));
    }
}
