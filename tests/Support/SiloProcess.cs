using System.Diagnostics;
using System.Text;

namespace Bulwark.Tests.Support;

/// <summary>
/// A real <c>bulwark-silo</c> process on its own ports, started as a user would start it and
/// killed at the end.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SiloProcess(Process process, int siloPort, int gatewayPort, int httpPort)
    {
        _process = process;
        (SiloPort, GatewayPort, HttpPort) = (siloPort, gatewayPort, httpPort);
    }

    public int SiloPort { get; }

    public int GatewayPort { get; }

    public int HttpPort { get; }

    public string Gateway => $"127.0.0.1:{GatewayPort}";

    public Uri Http => new($"http://127.0.0.1:{HttpPort}");

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The silo's dll, built beside the tests in the same configuration.</summary>
    public static string SiloDll()
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name;
        var path = Path.Combine(TestTopologies.RepositoryRoot(), "silo", "bin", configuration, "net10.0", "bulwark-silo.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("build the silo first", path);
    }

    public static async Task<SiloProcess> StartAsync(int basePort, params string[] extraArgs)
    {
        var (siloPort, gatewayPort, httpPort) = (11000 + basePort, 30000 + basePort, 8000 + basePort);
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = TestTopologies.RepositoryRoot(),
        };
        foreach (var arg in new[] { SiloDll(), "--silo-port", $"{siloPort}", "--gateway-port", $"{gatewayPort}", "--http", $"http://127.0.0.1:{httpPort}" }.Concat(extraArgs))
        {
            info.ArgumentList.Add(arg);
        }
        info.Environment["DOTNET_ENVIRONMENT"] = "Production";
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the silo");
        var silo = new SiloProcess(process, siloPort, gatewayPort, httpPort);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        await Eventually.HoldsAsync(async () =>
        {
            if (process.HasExited)
            {
                Assert.Fail($"the silo exited with {process.ExitCode}:\n{silo.Log}");
            }
            try
            {
                return (await http.GetAsync(new Uri(silo.Http, "/health"))).IsSuccessStatusCode;
            }
            catch (HttpRequestException)
            {
                return false;
            }
            catch (TaskCanceledException)
            {
                return false;
            }
        }, $"the silo on port {httpPort} to answer /health", TimeSpan.FromSeconds(60));
        return silo;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }
}
