using System.Diagnostics;
using Bulwark.Client;

namespace Bulwark.Bench;

/// <summary>What one call of a phase did: units of work (calls or observations) and, for ingest, the silo's answer.</summary>
internal readonly record struct CallOutcome(int Units, IngestResult? Ingest = null);

/// <summary>One completed call: when it started and ended (Stopwatch ticks) and its units.</summary>
internal readonly record struct CallRecord(long Start, long End, int Units);

/// <summary>
/// Runs a closed-loop phase: a fixed number of callers each keep one call in flight, for a warm-up
/// and then a measured window. Each call's units are credited to the window pro rata to the part
/// of the call's duration that falls inside it, so that long calls (a batch of 5,000 takes about a
/// second) do not make the rate jump by whole batches. Optionally a separate loop reads posture
/// back to back and records the latency of each read that completes inside the window.
/// </summary>
internal sealed class PhaseRunner(BulwarkClient client, TimeSpan warmup, TimeSpan duration, Func<CpuSnapshot?> cpu)
{
    private const string ReadDomain = "EST";

    public async Task<PhaseSample> RunAsync(string phase, string unit, int callers,
        Func<int, Task<CallOutcome>>? call, bool readPosture, CancellationToken cancellationToken)
    {
        var state = new RunState();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var workers = new List<Task<List<CallRecord>>>();
        if (call is not null)
        {
            for (var worker = 0; worker < callers; worker++)
            {
                var id = worker;
                workers.Add(Task.Run(() => CallLoopAsync(id, call, state, stop.Token), CancellationToken.None));
            }
        }
        var latencies = new List<double>(capacity: 100_000);
        var reader = readPosture
            ? Task.Run(() => ReadLoopAsync(latencies, state, stop.Token), CancellationToken.None)
            : Task.CompletedTask;

        CpuSnapshot? cpuStart, cpuEnd;
        GcWindow gcStart, gc;
        try
        {
            await Task.Delay(warmup, cancellationToken);
            cpuStart = cpu();
            gcStart = GcWindow.Now();
            state.OpenWindow();
            await Task.Delay(duration, cancellationToken);
            state.CloseWindow();
            gc = GcWindow.Now().Since(gcStart);
            cpuEnd = cpu();
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll([.. workers, reader]);
        }
        cancellationToken.ThrowIfCancellationRequested();

        var seconds = Stopwatch.GetElapsedTime(state.WindowStart, state.WindowEnd).TotalSeconds;
        var reads = readPosture ? Statistics.Summarize(latencies) : null;
        double units;
        long calls;
        if (call is null)
        {
            units = calls = reads?.Count ?? 0;
        }
        else
        {
            var records = workers.SelectMany(t => t.Result).ToList();
            units = records.Sum(r => Credit(r, state.WindowStart, state.WindowEnd));
            calls = records.Count(r => r.End >= state.WindowStart && r.End <= state.WindowEnd);
        }
        return new PhaseSample(
            Phase: phase,
            Unit: unit,
            Seconds: seconds,
            Units: Math.Round(units),
            Calls: calls,
            Rate: units / seconds,
            Errors: state.Errors,
            FirstError: state.FirstError,
            Reads: reads,
            Cpu: CpuSampler.Between(cpuStart, cpuEnd),
            Ingest: state.Accepted > 0 ? new IngestTotals(state.Accepted, state.Applied, state.Stale, state.Changed) : null,
            ClientGc: gc);
    }

    /// <summary>The units of <paramref name="r"/> times the share of its duration inside the window.</summary>
    private static double Credit(CallRecord r, long windowStart, long windowEnd)
    {
        var overlap = Math.Min(r.End, windowEnd) - Math.Max(r.Start, windowStart);
        return overlap <= 0 ? 0 : r.Units * ((double)overlap / Math.Max(1, r.End - r.Start));
    }

    private static async Task<List<CallRecord>> CallLoopAsync(int worker, Func<int, Task<CallOutcome>> call, RunState state, CancellationToken stop)
    {
        var records = new List<CallRecord>();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var start = Stopwatch.GetTimestamp();
                var outcome = await call(worker);
                var end = Stopwatch.GetTimestamp();
                if (state.Started)
                {
                    records.Add(new CallRecord(start, end, outcome.Units));
                }
                if (state.Open)
                {
                    state.Add(outcome);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                state.Fail(e);
                // A failing silo answers fast; do not spin.
                await Task.Delay(TimeSpan.FromMilliseconds(10), CancellationToken.None);
            }
        }
        return records;
    }

    private async Task ReadLoopAsync(List<double> latencies, RunState state, CancellationToken stop)
    {
        var alliance = true;
        while (!stop.IsCancellationRequested)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                var snapshot = alliance ? await client.GetAlliancePostureAsync(stop) : await client.GetDomainPostureAsync(ReadDomain, stop);
                var elapsed = Stopwatch.GetElapsedTime(start);
                if (snapshot.Tally.Nodes == 0)
                {
                    throw new BenchException($"posture read of {(alliance ? "the alliance" : ReadDomain)} returned no nodes");
                }
                if (state.Open)
                {
                    latencies.Add(elapsed.TotalMilliseconds);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The phase is over; a read still waiting is abandoned, not failed.
                break;
            }
            catch (Exception e)
            {
                state.Fail(e);
            }
            alliance = !alliance;
        }
    }

    /// <summary>Counters shared by a phase's loops.</summary>
    private sealed class RunState
    {
        private readonly Lock _lock = new();
        private volatile bool _started;
        private volatile bool _open;
        private long _errors;
        private long _accepted;
        private long _applied;
        private long _stale;
        private long _changed;
        private string? _firstError;

        /// <summary>True from the window's opening on (also after it closes).</summary>
        public bool Started => _started;

        /// <summary>True while the window is open.</summary>
        public bool Open => _open;

        public long WindowStart { get; private set; }

        public long WindowEnd { get; private set; }

        public void OpenWindow()
        {
            WindowStart = Stopwatch.GetTimestamp();
            _started = true;
            _open = true;
        }

        public void CloseWindow()
        {
            _open = false;
            WindowEnd = Stopwatch.GetTimestamp();
        }

        public long Errors => Interlocked.Read(ref _errors);

        public long Accepted => Interlocked.Read(ref _accepted);

        public long Applied => Interlocked.Read(ref _applied);

        public long Stale => Interlocked.Read(ref _stale);

        public long Changed => Interlocked.Read(ref _changed);

        public string? FirstError
        {
            get
            {
                lock (_lock)
                {
                    return _firstError;
                }
            }
        }

        public void Add(CallOutcome outcome)
        {
            if (outcome.Ingest is { } r)
            {
                Interlocked.Add(ref _accepted, r.Accepted);
                Interlocked.Add(ref _applied, r.Applied);
                Interlocked.Add(ref _stale, r.Stale);
                Interlocked.Add(ref _changed, r.Changed);
            }
        }

        public void Fail(Exception e)
        {
            Interlocked.Increment(ref _errors);
            lock (_lock)
            {
                _firstError ??= $"{e.GetType().Name}: {e.Message}";
            }
        }
    }
}
