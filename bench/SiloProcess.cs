using System.Diagnostics;
using System.Net;

namespace Bulwark.Bench;

/// <summary>A failure of the benchmark's setup (silo missing, not starting, not answering).</summary>
internal sealed class BenchException(string message) : Exception(message);

/// <summary>
/// The silo under test, run as a child process (<c>dotnet bulwark-silo.dll ...</c>). Its output is
/// kept: error and warning lines are counted so that the report can say whether the silo
/// complained during the run. Dispose kills the whole process tree.
/// </summary>
internal sealed class SiloProcess : IDisposable
{
    public const int SiloPort = 11311;
    public const int GatewayPort = 30311;
    public const string Http = "http://127.0.0.1:8311";

    private const int TailLength = 40;
    private const int KeptProblems = 20;

    private readonly Process _process;
    private readonly bool _echo;
    private readonly Lock _lock = new();
    private readonly Queue<string> _tail = new();
    private readonly List<string> _problems = [];
    private int _errors;
    private int _warnings;
    private bool _appendNext;
    private bool _disposed;

    private SiloProcess(Process process, bool echo)
    {
        _process = process;
        _echo = echo;
    }

    /// <summary>Lines logged at error or critical level so far.</summary>
    public int Errors
    {
        get
        {
            lock (_lock)
            {
                return _errors;
            }
        }
    }

    /// <summary>Lines logged at warning level so far.</summary>
    public int Warnings
    {
        get
        {
            lock (_lock)
            {
                return _warnings;
            }
        }
    }

    /// <summary>The first error and warning lines with the line after each (the message).</summary>
    public IReadOnlyList<string> Problems
    {
        get
        {
            lock (_lock)
            {
                return [.. _problems];
            }
        }
    }

    /// <summary>The last lines the silo printed.</summary>
    public string Tail
    {
        get
        {
            lock (_lock)
            {
                return string.Join(Environment.NewLine, _tail);
            }
        }
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The silo's process id.</summary>
    public int Pid => _process.Id;

    /// <summary>Starts <paramref name="siloDll"/> with the benchmark's ports, <paramref name="topology"/> (if any) and <paramref name="extra"/> arguments.</summary>
    public static SiloProcess Start(string siloDll, string? topology, bool echo, params string[] extra)
    {
        if (!File.Exists(siloDll))
        {
            throw new BenchException(
                $"silo not built: '{siloDll}' is missing; build it with 'dotnet build silo/Bulwark.Silo.csproj -c Release'");
        }
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(siloDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            siloDll,
            "--silo-port", SiloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--gateway-port", GatewayPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--http", Http,
        }.Concat(topology is null ? [] : ["--topology", topology]).Concat(extra))
        {
            info.ArgumentList.Add(arg);
        }
        // No colour codes in the captured log, so that level prefixes can be recognised.
        info.Environment["DOTNET_SYSTEM_CONSOLE_ALLOW_ANSI_COLOR_REDIRECTION"] = "false";
        info.Environment["Logging__Console__ColorBehavior"] = "Disabled";

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var silo = new SiloProcess(process, echo);
        process.OutputDataReceived += (_, e) => silo.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => silo.OnLine(e.Data);
        if (!process.Start())
        {
            throw new BenchException("could not start 'dotnet' for the silo");
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Fails when something already answers on the benchmark's HTTP port (another silo).</summary>
    public static async Task ThrowIfPortsTakenAsync(HttpClient http, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(new Uri(Http + "/health"), cancellationToken);
            throw new BenchException(
                $"something already answers on {Http} (status {(int)response.StatusCode}); stop it first, the bench starts its own silo");
        }
        catch (HttpRequestException)
        {
            // Nothing listens: good.
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Timed out: treat as nothing listening; the silo start will fail loudly if the port is taken.
        }
    }

    /// <summary>Waits until <c>/health</c> answers 200; throws if the silo exits or the deadline passes.</summary>
    public async Task WaitHealthyAsync(HttpClient http, DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        var last = "no answer";
        while (true)
        {
            ThrowIfExited();
            try
            {
                using var response = await http.GetAsync(new Uri(Http + "/health"), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
                last = $"status {(int)response.StatusCode}";
            }
            catch (HttpRequestException e)
            {
                last = e.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                last = "timed out";
            }
            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new BenchException($"silo not healthy at {Http}/health before the deadline ({last}); its last output:{Environment.NewLine}{Tail}");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    /// <summary>Throws with the silo's last output when it has exited.</summary>
    public void ThrowIfExited()
    {
        if (_process.HasExited)
        {
            _process.WaitForExit();
            var code = _process.ExitCode;
            var hint = code is 0 or 137 or 143
                ? " (the bench did not stop it: another process signalled it, e.g. a 'pkill -f bulwark-silo')"
                : "";
            throw new BenchException($"the silo exited with code {code}{hint}; its last output:{Environment.NewLine}{Tail}");
        }
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        if (_echo)
        {
            Console.Error.WriteLine("silo| " + line);
        }
        lock (_lock)
        {
            _tail.Enqueue(line);
            if (_tail.Count > TailLength)
            {
                _tail.Dequeue();
            }
            var error = line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal);
            var warning = line.StartsWith("warn:", StringComparison.Ordinal);
            if (error)
            {
                _errors++;
            }
            else if (warning)
            {
                _warnings++;
            }
            if (error || warning)
            {
                _appendNext = _problems.Count < KeptProblems;
                if (_appendNext)
                {
                    _problems.Add(line);
                }
            }
            else if (_appendNext)
            {
                // The console logger writes the message on the line after the level and category.
                _problems[^1] += " | " + line.Trim();
                _appendNext = false;
            }
        }
    }

    /// <summary>Kills the silo and everything it started.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
            _process.WaitForExit(10_000);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.Error.WriteLine($"bulwark-bench: could not kill the silo (pid {_process.Id}): {e.Message}");
        }
        finally
        {
            _process.Dispose();
        }
    }
}
