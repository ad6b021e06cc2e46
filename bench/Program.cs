using Bulwark.Client;

namespace Bulwark.Bench;

/// <summary>
/// <c>bulwark-bench</c>: observation ingest and posture read latency of a real silo process,
/// measured from this separate client process. See <c>docs/BENCHMARKS.md</c>.
/// </summary>
internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "exercise")
        {
            return await ExerciseAsync(args[1..]);
        }
        if (args.Length > 0 && args[0] == "live-scale")
        {
            return await LiveScaleAsync(args[1..]);
        }
        BenchOptions options;
        string repo;
        try
        {
            options = BenchOptions.Parse(args);
            if (options.Help)
            {
                Console.WriteLine(BenchOptions.Usage);
                return 0;
            }
            repo = FindRepo(options.Repo);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("bulwark-bench: " + e.Message);
            return 2;
        }

        using var interrupted = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Stop the phases and let the finally blocks kill the silo.
            e.Cancel = true;
            interrupted.Cancel();
        };
        try
        {
            var report = await new BenchRun(options, repo).RunAsync(interrupted.Token);
            Console.WriteLine(options.Json ? ReportWriter.Json(report) : ReportWriter.Markdown(report));
            return 0;
        }
        catch (OperationCanceledException) when (interrupted.IsCancellationRequested)
        {
            await Console.Error.WriteLineAsync("bulwark-bench: interrupted");
            return 130;
        }
        catch (Exception e) when (e is BenchException or ConnectionException or NoTopologyException or UnknownNodesException
            or InvalidRequestException or OrleansException or TimeoutException or IOException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"bulwark-bench: {e.Message}");
            return 1;
        }
    }

    /// <summary><c>bulwark-bench exercise [SCENARIO.yaml...]</c>: default the 10k and 100k generator scenarios.</summary>
    private static async Task<int> ExerciseAsync(string[] files)
    {
        try
        {
            var repo = FindRepo(null);
            ThrowIfOption("exercise", files);
            var scenarios = files.Length > 0
                ? files
                : [Path.Combine(repo, "scenarios/library/gen-10k.yaml"), Path.Combine(repo, "scenarios/library/gen-100k.yaml")];
            return await ExerciseBench.RunAsync(repo, scenarios, CancellationToken.None);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("bulwark-bench: " + e.Message);
            return 2;
        }
        catch (Exception e) when (e is BenchException or ConnectionException or OrleansException or IOException or Bulwark.Scenarios.ScenarioFileException)
        {
            await Console.Error.WriteLineAsync($"bulwark-bench: {e.Message}");
            return 1;
        }
    }

    /// <summary><c>bulwark-bench live-scale [SCENARIO.yaml]</c>: default the 100k generator scenario's topology.</summary>
    private static async Task<int> LiveScaleAsync(string[] files)
    {
        try
        {
            var repo = FindRepo(null);
            ThrowIfOption("live-scale", files);
            if (files.Length > 1)
            {
                throw new UsageException("live-scale takes at most one scenario file");
            }
            return await ScaleBench.RunAsync(repo, files.Length > 0 ? files[0] : Path.Combine(repo, "scenarios/library/gen-100k.yaml"),
                CancellationToken.None);
        }
        catch (UsageException e)
        {
            await Console.Error.WriteLineAsync("bulwark-bench: " + e.Message);
            return 2;
        }
        catch (Exception e) when (e is BenchException or ConnectionException or OrleansException or TimeoutException or IOException
            or Bulwark.Scenarios.ScenarioFileException)
        {
            await Console.Error.WriteLineAsync($"bulwark-bench: {e.Message}");
            return 1;
        }
    }

    /// <summary>These commands take scenario files only: an option there would otherwise be read as a file that is not there.</summary>
    private static void ThrowIfOption(string command, string[] files)
    {
        if (files.FirstOrDefault(f => f.StartsWith('-')) is { } option)
        {
            throw new UsageException($"{command} takes scenario files only, not '{option}' (the ingest bench's options do not apply to it)");
        }
    }

    /// <summary>The repository root: <paramref name="given"/>, else the first parent of the bench or the current directory with Bulwark.slnx.</summary>
    private static string FindRepo(string? given)
    {
        if (given is not null)
        {
            var full = Path.GetFullPath(given);
            return File.Exists(Path.Combine(full, "Bulwark.slnx"))
                ? full
                : throw new UsageException($"'{given}' is not the Bulwark repository (no Bulwark.slnx there)");
        }
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Bulwark.slnx")))
                {
                    return dir.FullName;
                }
            }
        }
        throw new UsageException("cannot find the repository (Bulwark.slnx) above the bench or the current directory; pass --repo DIR");
    }
}
