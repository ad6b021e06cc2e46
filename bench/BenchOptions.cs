using System.Globalization;

namespace Bulwark.Bench;

/// <summary>A bad command line; the message is printed as one line and the exit code is 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>The benchmark's settings, from the command line.</summary>
internal sealed record BenchOptions
{
    public const string Usage = """
        usage: bulwark-bench [options]

        Starts a Bulwark silo (Release build) as a child process, loads the library alliance
        topology into its live world and measures, from this separate client process:
          raw         IPingGrain.PingAsync calls/s (the yardstick)
          read-idle   posture reads back to back, no ingest
          single      ReportAsync(Observation), one observation per call
          batch-N     ReportAsync(batch of N) for N = 1,000 and 5,000, with posture read
                      latency measured by a separate loop during the ingest
          paced-5000  batches of 5,000 started at --pace times the raw rate of the same repeat,
                      with posture reads as above (the read target is checked here)

        options:
          --seconds N              measured seconds per phase (default 5)
          --warmup N               warm-up seconds before each phase's measurement (default 2)
          --initial-warmup N       seconds of each phase in an unmeasured first round (default 3; 0: none)
          --concurrency N          in-flight calls for raw and single (default 64)
          --batch-concurrency N    in-flight batches for the batched phases (default 4)
          --repeat N               repeats of the whole set of phases; medians are reported (default 3)
          --pace N                 ingest rate of paced-5000 as a multiple of raw (default 4, the target)
          --pace-rate N            ingest rate of paced-5000 in observations/s instead (the same load in
                                   every repeat and run, for comparing builds or settings)
          --paced-only             run only raw and paced-5000 (the batched targets are not checked)
          --max-other PERCENT      run a phase again when other processes took more than PERCENT of
                                   the machine's CPU during its window (default 15; 100: never)
          --retries N              at most N such re-runs per phase (default 3)
          --quiet-wait N           before each measured phase, wait up to N seconds for a second in
                                   which other processes stay under --max-other (default 60)
          --json                   print JSON instead of Markdown
          --repo DIR               repository root (default: found from the bench's location)
          --show-silo-log          copy the silo's output to stderr
          -h, --help               this text

        other benches:
          bulwark-bench exercise [SCENARIO.yaml...]   exercises: cluster against the reference engine
                                                     (default the 10k and 100k generator scenarios)
          bulwark-bench live-scale [SCENARIO.yaml]    the live world at the size of a scenario's
                                                     topology (default the 100k generator scenario):
                                                     loads, one report per node, reads, memory
        """;

    public int Seconds { get; init; } = 5;

    public int Warmup { get; init; } = 2;

    public int InitialWarmup { get; init; } = 3;

    public int Concurrency { get; init; } = 64;

    public int MaxOther { get; init; } = 15;

    public int Retries { get; init; } = 3;

    public int QuietWait { get; init; } = 60;

    public int BatchConcurrency { get; init; } = 4;

    public int Repeat { get; init; } = 3;

    public int Pace { get; init; } = 4;

    /// <summary>A fixed rate for paced-5000 (observations/s); null: <see cref="Pace"/> times raw.</summary>
    public int? PaceRate { get; init; }

    public bool PacedOnly { get; init; }

    public bool Json { get; init; }

    public bool ShowSiloLog { get; init; }

    public bool Help { get; init; }

    public string? Repo { get; init; }

    /// <summary>Parses the command line; throws <see cref="UsageException"/> on anything it does not understand.</summary>
    public static BenchOptions Parse(IReadOnlyList<string> args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            string? inline = null;
            if (arg.StartsWith("--", StringComparison.Ordinal) && arg.IndexOf('=', StringComparison.Ordinal) is var eq and > 2)
            {
                inline = arg[(eq + 1)..];
                arg = arg[..eq];
            }

            string Value()
            {
                if (inline is not null)
                {
                    return inline;
                }
                if (i + 1 >= args.Count)
                {
                    throw new UsageException($"option '{arg}' needs a value");
                }
                return args[++i];
            }

            int Number(int min, int max)
            {
                var text = Value();
                if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < min || n > max)
                {
                    throw new UsageException($"option '{arg}' needs a whole number from {min} to {max}, not '{text}'");
                }
                return n;
            }

            void NoValue()
            {
                if (inline is not null)
                {
                    throw new UsageException($"option '{arg}' takes no value");
                }
            }

            switch (arg)
            {
                case "--seconds":
                    options = options with { Seconds = Number(1, 3600) };
                    break;
                case "--warmup":
                    options = options with { Warmup = Number(0, 600) };
                    break;
                case "--initial-warmup":
                    options = options with { InitialWarmup = Number(0, 600) };
                    break;
                case "--max-other":
                    options = options with { MaxOther = Number(0, 100) };
                    break;
                case "--quiet-wait":
                    options = options with { QuietWait = Number(0, 3600) };
                    break;
                case "--retries":
                    options = options with { Retries = Number(0, 20) };
                    break;
                case "--concurrency":
                    options = options with { Concurrency = Number(1, 4096) };
                    break;
                case "--batch-concurrency":
                    options = options with { BatchConcurrency = Number(1, 256) };
                    break;
                case "--repeat":
                    options = options with { Repeat = Number(1, 100) };
                    break;
                case "--pace":
                    options = options with { Pace = Number(1, 50) };
                    break;
                case "--pace-rate":
                    options = options with { PaceRate = Number(1_000, 10_000_000) };
                    break;
                case "--paced-only":
                    NoValue();
                    options = options with { PacedOnly = true };
                    break;
                case "--json":
                    NoValue();
                    options = options with { Json = true };
                    break;
                case "--show-silo-log":
                    NoValue();
                    options = options with { ShowSiloLog = true };
                    break;
                case "--repo":
                    var repo = Value();
                    if (string.IsNullOrWhiteSpace(repo))
                    {
                        throw new UsageException("option '--repo' needs a directory");
                    }
                    options = options with { Repo = repo };
                    break;
                case "-h" or "--help":
                    options = options with { Help = true };
                    break;
                default:
                    throw new UsageException($"unknown argument '{args[i]}' (see --help)");
            }
        }
        return options;
    }
}
