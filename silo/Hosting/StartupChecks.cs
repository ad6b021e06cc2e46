using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Bulwark.Scenarios;

namespace Bulwark.Silo.Hosting;

/// <summary>
/// What the silo checks before it starts, so that a user's mistake gets one line instead of a
/// stack trace: configuration values that do not convert, bad topology and exercise files, and
/// ports another process holds.
/// </summary>
public static partial class StartupChecks
{
    /// <summary>
    /// The host's builder; a configuration file that does not parse (appsettings.json) is a
    /// <see cref="StartupException"/> (exit 2) naming it.
    /// </summary>
    public static WebApplicationBuilder Builder(Func<WebApplicationBuilder> create)
    {
        try
        {
            return create();
        }
        catch (InvalidDataException e)
        {
            // "Failed to load configuration from file '…/appsettings.json'." with the parser's reason inside.
            for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            {
                if (inner is System.Text.Json.JsonException { LineNumber: { } line, BytePositionInLine: { } column } json
                    && ConfigurationFile().Match(e.Message) is { Success: true } file)
                {
                    var reason = json.Message[..Math.Max(0, json.Message.IndexOf(" LineNumber:", StringComparison.Ordinal))];
                    throw new StartupException(2, $"{file.Groups[1].Value}:{line + 1}:{column + 1}: not valid JSON: {(reason.Length > 0 ? reason : json.Message)}");
                }
            }
            throw new StartupException(2, e.InnerException is { } cause ? $"{e.Message.TrimEnd('.')}: {cause.Message}" : e.Message);
        }
    }

    /// <summary>
    /// Throws a <see cref="StartupException"/> (exit 2) for a log level under <c>Logging</c> that is
    /// not one (<c>Logging:LogLevel:Default</c> <c>Loud</c>): the host would fail to start with a stack trace.
    /// </summary>
    public static void ThrowIfLogLevelsBad(IConfiguration configuration)
    {
        foreach (var (key, value) in configuration.GetSection("Logging").AsEnumerable())
        {
            var parts = key.Split(':');
            // Logging:LogLevel:CATEGORY, or Logging:PROVIDER:LogLevel:CATEGORY.
            var isLevel = parts.Length >= 3 && (parts[1].Equals("LogLevel", StringComparison.OrdinalIgnoreCase)
                || parts.Length >= 4 && parts[2].Equals("LogLevel", StringComparison.OrdinalIgnoreCase));
            if (isLevel && value is not null && !Enum.TryParse<LogLevel>(value, ignoreCase: true, out _))
            {
                throw new StartupException(2, $"{key}: '{value}' is not a log level ({string.Join(", ", Enum.GetNames<LogLevel>())})");
            }
        }
    }

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
            throw new StartupException(2, Plain(e.Message));
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
            throw new StartupException(2, Plain(e.Message));
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
        if (options.SiloPort == options.GatewayPort || http.Port == options.SiloPort || http.Port == options.GatewayPort)
        {
            throw new StartupException(2, $"the silo port ({options.SiloPort}), the gateway port ({options.GatewayPort}) and the HTTP port ({http.Port}) must differ");
        }
        foreach (var (key, value) in new[] { ("ClusterId", options.ClusterId), ("ServiceId", options.ServiceId), ("DataDirectory", options.DataDirectory) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new StartupException(2, $"{SiloOptions.Section}:{key} must not be empty");
            }
        }
        if (string.IsNullOrWhiteSpace(options.Exercise) && !string.IsNullOrWhiteSpace(options.ExerciseVariant))
        {
            throw new StartupException(2, $"a variant ('{options.ExerciseVariant}') is given without an exercise to run (--exercise FILE)");
        }
        return options;
    }

    /// <summary>The binder's "Failed to convert configuration value 'abc' at 'Bulwark:SiloPort' to type 'System.Int32'." in a user's words.</summary>
    internal static string Plain(string message)
    {
        var match = ConversionFailure().Match(message);
        if (!match.Success)
        {
            return message;
        }
        var (value, key, type) = (match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value);
        var expected = type switch
        {
            "System.Int32" or "System.Int64" => "a whole number",
            "System.TimeSpan" => "a duration as hh:mm:ss (00:00:05) or d.hh:mm:ss",
            "System.Double" => "a number",
            "System.Boolean" => "true or false",
            _ => type,
        };
        return $"{key}: '{value}' is not {expected}";
    }

    [GeneratedRegex(@"from file '([^']*)'")]
    private static partial Regex ConfigurationFile();

    [GeneratedRegex(@"^Failed to convert configuration value '(.*)' at '([^']*)' to type '([^']*)'\.$", RegexOptions.Singleline)]
    private static partial Regex ConversionFailure();

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
        // A topology both given and included by the exercise would list its errors twice, its path perhaps spelled otherwise.
        var seen = new HashSet<(string, int, int, string)>();
        IEnumerable<string> New(IEnumerable<Diagnostic> diagnostics) => diagnostics
            .Where(d => seen.Add((d.File.Length > 0 ? Path.GetFullPath(d.File) : "", d.Line, d.Column, d.Message))).Select(d => d.ToString());
        TopologyDefinition? topology = null;
        if (!string.IsNullOrWhiteSpace(options.Topology))
        {
            var loaded = TopologyFile.Load(options.Topology);
            topology = loaded.Value;
            problems.AddRange(New(loaded.Diagnostics));
            if (TopologyFile.LooksLikeScenario(loaded.Diagnostics))
            {
                problems.Add($"{options.Topology}: this looks like a scenario file; give it to --exercise");
            }
        }
        ScenarioDefinition? exercise = null;
        if (!string.IsNullOrWhiteSpace(options.Exercise))
        {
            var loaded = ScenarioFile.Load(options.Exercise);
            problems.AddRange(New(loaded.Diagnostics));
            if (TopologyFile.LooksLikeTopology(loaded.Diagnostics))
            {
                problems.Add($"{options.Exercise}: this looks like a topology file; give it to --topology");
            }
            try
            {
                exercise = loaded.Value?.Get(options.ExerciseVariant);
            }
            catch (ArgumentException e)
            {
                var message = e.ParamName is { } name ? e.Message.Replace($" (Parameter '{name}')", "", StringComparison.Ordinal) : e.Message;
                problems.Add($"{options.Exercise}: --variant: {message}");
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
