using System.Net;
using System.Net.Sockets;
using Bulwark.Scenarios;

namespace Bulwark.Silo.Hosting;

/// <summary>
/// What the silo checks before it starts, so that a user's mistake gets one line instead of a
/// stack trace: configuration values that do not convert, bad topology and exercise files, and
/// ports another process holds.
/// </summary>
public static class StartupChecks
{
    /// <summary>
    /// The silo's options, or a <see cref="StartupException"/> (exit 2) naming the value that does
    /// not convert or is out of range.
    /// </summary>
    public static SiloOptions Options(IConfiguration configuration)
    {
        SiloOptions options;
        try
        {
            options = configuration.GetSection(SiloOptions.Section).Get<SiloOptions>() ?? new SiloOptions();
        }
        catch (InvalidOperationException e)
        {
            // "Failed to convert configuration value 'abc' at 'Bulwark:SiloPort' to type 'System.Int32'."
            throw new StartupException(2, e.Message);
        }
        // The live world's settings are bound again by the silo's services; checked here, they fail with one line.
        try
        {
            var live = configuration.GetSection(Bulwark.Grains.Live.LiveOptions.Section).Get<Bulwark.Grains.Live.LiveOptions>()
                ?? new Bulwark.Grains.Live.LiveOptions();
            if (live.Problems() is { Count: > 0 } problems)
            {
                throw new StartupException(2, string.Join("; ", problems));
            }
        }
        catch (InvalidOperationException e)
        {
            throw new StartupException(2, e.Message);
        }
        foreach (var (name, port) in new[] { ("silo port", options.SiloPort), ("gateway port", options.GatewayPort) })
        {
            if (port is < 1 or > 65535)
            {
                throw new StartupException(2, $"the {name} must be 1..65535, not {port}");
            }
        }
        if (!Uri.TryCreate(options.Http, UriKind.Absolute, out var http) || http.Scheme is not ("http" or "https"))
        {
            throw new StartupException(2, $"Http must be an absolute URL such as http://127.0.0.1:8080, not '{options.Http}'");
        }
        return options;
    }

    /// <summary>
    /// Throws a <see cref="StartupException"/> (exit 2) when the data directory cannot hold
    /// journals: a run would otherwise fail when it first writes, after the silo had started.
    /// </summary>
    public static void ThrowIfDataDirectoryUnusable(SiloOptions options)
    {
        var runs = Path.Combine(options.DataDirectory, "runs");
        try
        {
            Directory.CreateDirectory(runs);
            var probe = Path.Combine(runs, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            var reason = File.Exists(options.DataDirectory) ? "it is a file, not a directory"
                : e is UnauthorizedAccessException ? "no permission to write there"
                : e.Message;
            throw new StartupException(2, $"the data directory '{options.DataDirectory}' cannot hold journals: {reason}");
        }
    }

    /// <summary>
    /// The configured topology and exercise, read once before anything starts; a
    /// <see cref="StartupException"/> (exit 2) lists every problem of the files, and an unknown variant.
    /// </summary>
    public static StartupFiles LoadFiles(SiloOptions options)
    {
        var problems = new List<string>();
        TopologyDefinition? topology = null;
        if (!string.IsNullOrWhiteSpace(options.Topology))
        {
            var loaded = TopologyFile.Load(options.Topology);
            topology = loaded.Value;
            problems.AddRange(loaded.Diagnostics.Select(d => d.ToString()));
        }
        ScenarioDefinition? exercise = null;
        if (!string.IsNullOrWhiteSpace(options.Exercise))
        {
            var loaded = ScenarioFile.Load(options.Exercise);
            problems.AddRange(loaded.Diagnostics.Select(d => d.ToString()));
            try
            {
                exercise = loaded.Value?.Get(options.ExerciseVariant);
            }
            catch (ArgumentException e)
            {
                problems.Add(e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message);
            }
        }
        if (problems.Count > 0)
        {
            throw new StartupException(2, $"{problems.Count} {(problems.Count == 1 ? "problem" : "problems")} in the configured files; the silo did not start", problems);
        }
        return new StartupFiles(topology, exercise);
    }

    /// <summary>
    /// Throws a <see cref="StartupException"/> (exit 1) when the silo, gateway or HTTP port is
    /// taken. Orleans listens with address reuse, which on Linux lets a second silo share a port
    /// silently, so the ports are tried first with a plain listener.
    /// </summary>
    public static void ThrowIfPortsTaken(SiloOptions options)
    {
        var http = new Uri(options.Http);
        var httpAddress = http.Host is "localhost" ? IPAddress.Loopback
            : IPAddress.TryParse(http.Host, out var parsed) ? parsed : IPAddress.Any;
        foreach (var (name, address, port) in new[]
        {
            ("silo port", IPAddress.Loopback, options.SiloPort),
            ("gateway port", IPAddress.Loopback, options.GatewayPort),
            ($"HTTP address {options.Http}", httpAddress, http.Port),
        })
        {
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(address, port));
                probe.Listen();
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                throw new StartupException(1, $"the {name} ({port}) is in use by another process; choose another (see the README's configuration)");
            }
        }
    }
}

/// <summary>
/// A problem that stops the silo before it starts: one line, and the exit code; for files, their
/// located problems (<c>file:line:column: message</c>) come first.
/// </summary>
public sealed class StartupException(int exitCode, string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    public IReadOnlyList<string> Details { get; } = details ?? [];
}

/// <summary>The topology and exercise the silo was started with, read and checked before it started.</summary>
public sealed record StartupFiles(TopologyDefinition? Topology, ScenarioDefinition? Exercise);
