using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Bulwark.Client;
using Bulwark.Client.Reports;
using Bulwark.Scenarios;
using Orleans.Runtime;

using Bulwark.Cli.Commands;

namespace Bulwark.Cli;

/// <summary>The <c>bulwark</c> command line. Exit codes: 0 ok, 2 bad input, 1 anything else.</summary>
public static class Cli
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>Anything but bad input: the cluster unreachable, an internal error.</summary>
    public const int Failure = 1;

    /// <summary>Bad input: arguments, files, unknown ids.</summary>
    public const int BadInput = 2;

    internal const string Usage = """
        usage: bulwark [--gateway HOST:PORT]... [--json] [--world WORLD] COMMAND ...

        commands:
          status                                  silos, their status and activations
          topology validate FILE                  check a topology file, load nothing
          topology load FILE [--reset]            replace the world's topology; nodes it keeps keep
                                                  their posture (--reset: all nodes start healthy)
          observe NODE --status STATUS [--technique T] [--source S] [--time ISO-8601]
          observe --file FILE.jsonl [--source S]  report a batch, one JSON object a line (S: the
                                                  source of lines that give none; default cli)
          posture [--domain D | --segment D/S]    capability and counts by status
          node NODE                               a node's state and recent history
          watch [--count N]                       follow posture changes as they happen

        exercises:
          validate FILE...                        check exercise files and every variant, run nothing
          run FILE [--seed N] [--variant V] [--compare V] [--pace X] [--replay RUN] [--html F] [--detach]
                                                  run an exercise, follow it and print its report;
                                                  --compare V also runs variant V with the same seed
                                                  and prints both with the differences; --pace 60x =
                                                  60 virtual seconds a second (default full speed);
                                                  --replay RUN: with RUN's hand injects, at their ticks
          run FILE --seeds N [--seed N] [--variant V] [--compare V] [--html F]
                                                  run it once per seed, N seeds from the file's (or
                                                  --seed), and print the means with 95 % intervals
                                                  and how many seeds passed each objective; with
                                                  --compare V, the variant's effect seed by seed
          runs [--state S[,S...]] [--last N]      the runs, oldest first, their state and progress;
                                                  --state running,paused: only those; --last N: the
                                                  newest N of them
          run-status RUN                          one run's progress
          pause RUN | resume RUN | stop RUN...    control a run (stop: one or more)
          inject RUN --kind KIND --target ID [--at +DURATION | --at TIME] [--param NAME=VALUE]...
                                                  inject by hand, DURATION after the run's current
                                                  time (default: the next tick) or at virtual TIME
                                                  from the start (e.g. 1d6h, 06:30 or '1d 06:30')
          report RUN [--html F]                   the run's report (so far, if it is still going)
          journal RUN [--hash]                    the journal, one line per entry; --hash: its SHA-256

        options:
          --gateway HOST:PORT   a gateway of the cluster (repeatable); default $BULWARK_GATEWAYS
                                (comma-separated) or 127.0.0.1:30000
          --json                machine-readable output
          --world WORLD         the world to address; default live
          --cluster-id ID       Orleans cluster id; default $BULWARK_CLUSTER_ID or bulwark
          --connect-timeout S   seconds to keep trying to reach the cluster (0: try once);
                                default $BULWARK_CONNECT_TIMEOUT or 10

        statuses: healthy, compromised, detected, isolated, degraded, down, recovering, restored
        inject kinds: compromise, campaign, ddos, cable-cut, power-outage, ransomware, wiper,
                      intel-report, patch, isolate, restore, set-alert-level
        exit codes: 0 ok, 2 bad input, 1 anything else
        """;

    private static readonly string[] GlobalOptions = ["--gateway", "--world", "--cluster-id", "--connect-timeout"];
    private static readonly string[] GlobalFlags = ["--json", "--help"];

    /// <summary>
    /// Runs one command line, writing to <paramref name="output"/> and <paramref name="error"/>.
    /// A command that fails says why on <paramref name="error"/>; with <c>--json</c> it also puts
    /// <c>{"error":…,"exitCode":…}</c> (with <c>"errors"</c> for problems in a file) on <paramref name="output"/>.
    /// </summary>
    public static async Task<int> RunAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken = default)
    {
        var json = args.Contains("--json", StringComparer.Ordinal);
        async Task<int> FailAsync(int code, string message, IEnumerable<Diagnostic>? diagnostics = null, string? hint = null)
        {
            foreach (var diagnostic in diagnostics ?? [])
            {
                await error.WriteLineAsync(diagnostic.ToString());
            }
            await error.WriteLineAsync($"bulwark: {message}");
            if (hint is not null)
            {
                await error.WriteLineAsync(hint);
            }
            if (json)
            {
                var body = new JsonObject { ["error"] = message, ["exitCode"] = code };
                if (diagnostics is not null)
                {
                    body["errors"] = ExerciseCommands.ErrorsJson(diagnostics);
                }
                await output.WriteLineAsync(Output.Json(body));
            }
            return code;
        }

        try
        {
            return await DispatchAsync(args, output, error, cancellationToken);
        }
        catch (UsageException e)
        {
            return await FailAsync(BadInput, e.Message, hint: "run 'bulwark --help' for usage");
        }
        catch (ScenarioFileException e)
        {
            return await FailAsync(BadInput, $"{RunFormat.Count(e.Diagnostics.Length, "error")}; {e.Consequence}", e.Diagnostics);
        }
        catch (Exception e) when (e is InvalidRequestException or UnknownNodesException or UnknownScopeException or NoTopologyException)
        {
            return await FailAsync(BadInput, e.Message);
        }
        catch (Exception e) when (e is DataDamagedException or ClusterLostException)
        {
            return await FailAsync(Failure, e.Message);
        }
        catch (ConnectionException e)
        {
            return await FailAsync(Failure, e.Message, hint: "--gateway and --cluster-id choose another cluster; --connect-timeout S waits longer");
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return Ok;
        }
        catch (Exception e) when (e is OrleansException or TimeoutException or IOException or CommandFailedException)
        {
            return await FailAsync(Failure, e.Message);
        }
    }

    private static async Task<int> DispatchAsync(string[] args, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        var (command, rest) = SplitCommand(args);
        if (command.Count == 0)
        {
            if (rest.Contains("--help"))
            {
                await output.WriteLineAsync(Usage);
                return Ok;
            }
            throw new UsageException(MissingCommand(args));
        }
        var name = string.Join(' ', command);
        var spec = CommandTable.Find(name) ?? throw new UsageException(CommandTable.IsGroup(name)
            ? $"'{name}' takes a subcommand: {string.Join(", ", CommandTable.Subcommands(name))}"
            : $"unknown command '{name}'");
        var line = CommandLine.Parse(rest, [.. GlobalOptions, .. spec.Options], [.. GlobalFlags, .. spec.Flags]);
        if (line.Flag("--help"))
        {
            await output.WriteLineAsync(Usage);
            return Ok;
        }
        var context = new CliContext(line, output, error, cancellationToken);
        return await spec.Run(context);
    }

    /// <summary>Why arguments with no command words have none.</summary>
    private static string MissingCommand(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (GlobalOptions.Contains(arg))
            {
                if (i + 1 >= args.Length)
                {
                    return $"{arg} needs a value";
                }
                var value = args[++i];
                if (CommandTable.Find(value) is not null || CommandTable.IsGroup(value))
                {
                    return $"{arg} needs a value before the command ('{value}' is a command)";
                }
            }
            else if (!GlobalFlags.Contains(arg))
            {
                return arg.StartsWith("--", StringComparison.Ordinal) ? $"unknown option '{arg}' before the command" : $"unknown command '{arg}'";
            }
        }
        return "missing command";
    }

    /// <summary>Takes the command words (e.g. <c>topology load</c>) out of the arguments, skipping global options.</summary>
    private static (List<string> Command, List<string> Remainder) SplitCommand(string[] args)
    {
        var rest = new List<string>(args.Length);
        var command = new List<string>(2);
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (GlobalOptions.Contains(arg) && i + 1 < args.Length)
            {
                rest.Add(arg);
                rest.Add(args[++i]);
                continue;
            }
            if (GlobalFlags.Contains(arg))
            {
                rest.Add(arg);
                continue;
            }
            if (arg.StartsWith("--", StringComparison.Ordinal))
            {
                rest.AddRange(args[i..]);
                break;
            }
            if (command.Count == 0 || (command.Count == 1 && CommandTable.IsGroup(command[0])))
            {
                command.Add(arg);
                if (CommandTable.Find(string.Join(' ', command)) is not null)
                {
                    rest.AddRange(args[(i + 1)..]);
                    break;
                }
                continue;
            }
            rest.AddRange(args[i..]);
            break;
        }
        return (command, rest);
    }
}

/// <summary>What a command runs with: its arguments, output and a way to reach the cluster.</summary>
internal sealed class CliContext(CommandLine line, TextWriter output, TextWriter error, CancellationToken cancellationToken)
{
    public CommandLine Line { get; } = line;

    public TextWriter Out { get; } = output;

    public TextWriter Err { get; } = error;

    public CancellationToken CancellationToken { get; } = cancellationToken;

    public bool Json => Line.Flag("--json");

    public string World
    {
        get
        {
            var world = Line.Option("--world") ?? EntityId.LiveWorld;
            return EntityId.IsValidPart(world) ? world : throw new UsageException($"bad world '{Echo.Of(world)}': {EntityId.PartRule}");
        }
    }

    public IReadOnlyList<IPEndPoint> Gateways()
    {
        IEnumerable<string> texts = Line.Options("--gateway");
        var from = "--gateway";
        if (!texts.Any())
        {
            texts = (Environment.GetEnvironmentVariable("BULWARK_GATEWAYS") ?? "")
                .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            from = "BULWARK_GATEWAYS";
        }
        var endpoints = new List<IPEndPoint>();
        foreach (var text in texts)
        {
            endpoints.Add(BulwarkConnection.GatewayProblem(text, out var endpoint) is { } problem
                ? throw new UsageException($"bad gateway '{text}' in {from}: {problem}")
                : endpoint);
        }
        return endpoints.Count > 0 ? endpoints : [BulwarkConnection.DefaultGateway];
    }

    /// <summary>The longest a connection may take, in seconds.</summary>
    private const int MaxConnectSeconds = 3600;

    /// <summary>How long to keep trying to reach the cluster: <c>--connect-timeout</c>, <c>BULWARK_CONNECT_TIMEOUT</c> or 10 s.</summary>
    public TimeSpan ConnectTimeout()
    {
        var (text, from) = Line.Option("--connect-timeout") is { } option
            ? (option, "--connect-timeout")
            : (Environment.GetEnvironmentVariable("BULWARK_CONNECT_TIMEOUT"), "BULWARK_CONNECT_TIMEOUT");
        if (text is null)
        {
            return TimeSpan.FromSeconds(10);
        }
        return double.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxConnectSeconds
            ? TimeSpan.FromSeconds(seconds)
            : throw new UsageException($"bad {from} '{Echo.Of(text)}': a number of seconds from 0 to {MaxConnectSeconds}, such as 2 or 0.5");
    }

    /// <summary>
    /// Connects to the cluster the command line names; the wait is bounded by <see cref="ConnectTimeout"/>, and by
    /// <paramref name="atMost"/> when that is shorter.
    /// </summary>
    public Task<BulwarkConnection> ConnectAsync(TimeSpan? atMost = null)
    {
        // Everything the command line says about where to go is checked before going.
        _ = World;
        var timeout = ConnectTimeout();
        if (atMost < timeout)
        {
            timeout = atMost.Value;
        }
        var clusterId = Line.Option("--cluster-id") ?? Environment.GetEnvironmentVariable("BULWARK_CLUSTER_ID") ?? "bulwark";
        if (string.IsNullOrWhiteSpace(clusterId))
        {
            throw new UsageException(Line.Option("--cluster-id") is null ? "BULWARK_CLUSTER_ID is empty" : "--cluster-id needs a value");
        }
        var serviceId = Environment.GetEnvironmentVariable("BULWARK_SERVICE_ID") ?? "bulwark";
        var gateways = Gateways();
        // Someone at a terminal is told why nothing happens yet; output read by a program is not changed.
        Action? retrying = !Json && ReferenceEquals(Err, Console.Error) && !Console.IsErrorRedirected
            ? () => Err.WriteLine($"bulwark: waiting for the cluster '{clusterId}' at {string.Join(", ", gateways)} "
                + string.Create(CultureInfo.InvariantCulture, $"(at most {timeout.TotalSeconds:0.#} s; --connect-timeout)…"))
            : null;
        return BulwarkConnection.ConnectAsync(gateways, clusterId, serviceId, timeout, retrying, CancellationToken);
    }
}
