using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Bulwark.Grains.Simulation;
using Orleans.Serialization;

namespace Bulwark.Grains.Exercise;

/// <summary>
/// What a run that has ended keeps, beside its journal, so that it still answers for its state,
/// report, journal and hand injects once its grain has been collected or its silo restarted.
/// </summary>
[GenerateSerializer, Immutable, Alias("bulwark.run-outcome")]
public sealed record RunOutcome(RunInfo Info, RunReport Report, ImmutableArray<HandInject> HandInjects);

/// <summary>Where run journals, and the outcomes of ended runs, are kept.</summary>
public interface IJournalStore
{
    /// <summary>Appends lines to the run's journal.</summary>
    Task AppendAsync(string runId, IReadOnlyList<JournalEntry> lines, CancellationToken cancellationToken = default);

    /// <summary>Lines <paramref name="from"/> (0-based) onwards, at most <paramref name="count"/>.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string runId, long from, int count, CancellationToken cancellationToken = default);

    /// <summary>True when the run has a journal or an outcome here: its id is taken.</summary>
    Task<bool> ExistsAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Keeps the outcome of a run that has ended.</summary>
    Task SaveOutcomeAsync(string runId, RunOutcome outcome, CancellationToken cancellationToken = default);

    /// <summary>The outcome of an ended run, or null when it has none here.</summary>
    Task<RunOutcome?> ReadOutcomeAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The ids of the runs kept here (an outcome, or a start mark: a run going, or one whose silo stopped without
    /// ending it), in the order they started; runs not marked started (by their outcome's age) first.
    /// </summary>
    Task<IReadOnlyList<string>> ListRunsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that a run has started, as <paramref name="start"/> says (its scenario, length and pace): its id is
    /// taken, it is listed in start order, and if its silo stops without ending it, it can still be said what it was.
    /// </summary>
    Task MarkStartedAsync(string runId, RunInfo start, CancellationToken cancellationToken = default);

    /// <summary>What <see cref="MarkStartedAsync"/> recorded of a run, or null when it recorded nothing readable.</summary>
    Task<RunInfo?> ReadStartAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Records that a run has ended (its outcome saved, or its silo shutting down): it is no longer held as going.</summary>
    Task MarkEndedAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// True while a run marked started has not been marked ended by a process that is still alive: it is going
    /// elsewhere (another silo process sharing the store), not left by a silo that was killed.
    /// </summary>
    bool IsGoingElsewhere(string runId);

    /// <summary>The run's journal as stored now, read afresh: its lines and SHA-256; an empty journal when there is none.</summary>
    Task<JournalDigest> DigestAsync(string runId, CancellationToken cancellationToken = default);

    /// <summary>Where the run's journal is kept, for messages (a file's path).</summary>
    string Where(string runId);
}

/// <summary>Options of <see cref="FileJournalStore"/>.</summary>
public sealed class JournalOptions
{
    /// <summary>
    /// Directory for journals, one file per run (<c>DIR/runs/RUN.journal</c>), and the outcomes
    /// of ended runs (<c>DIR/runs/RUN.outcome</c>). Default <c>./data</c>.
    /// </summary>
    public string DataDirectory { get; set; } = "data";
}

/// <summary>
/// Journals as text files, one canonical line per entry. An index of the byte offset of every
/// 4,096th line lets a page be read without scanning the file from the start, so a run's journal
/// need not be held in memory; a journal written before the silo started is indexed on first use.
/// An ended run's outcome is a file beside its journal, in Orleans's binary form.
/// </summary>
/// <param name="options">Where the files go.</param>
/// <param name="serializer">The form of outcomes.</param>
/// <param name="clock">The time a run's start is marked with; default the system's.</param>
public sealed class FileJournalStore(Microsoft.Extensions.Options.IOptions<JournalOptions> options, Serializer<RunOutcome> serializer, TimeProvider? clock = null) : IJournalStore
{
    private const string OutcomeExtension = ".outcome";
    private const string StartedExtension = ".started";

    private const int Stride = 4096;
    private readonly ConcurrentDictionary<string, Index> _indexes = new(StringComparer.Ordinal);

    private sealed class Index
    {
        public readonly List<long> Offsets = [0];
        public long Lines;
        public long Bytes;
    }

    /// <summary>The path of a run's journal file.</summary>
    public string PathOf(string runId) => Path.Combine(Runs, Checked(runId) + ".journal");

    /// <summary>A run id as a file name: a run id cannot reach outside the directory.</summary>
    private static string Checked(string runId) =>
        EntityId.IsRunId(runId) ? runId : throw new ArgumentException($"'{runId}' is not a run id", nameof(runId));

    private string Runs => Path.Combine(options.Value.DataDirectory, "runs");

    private string OutcomePathOf(string runId) => Path.Combine(Runs, Checked(runId) + OutcomeExtension);

    private string StartedPathOf(string runId) => Path.Combine(Runs, Checked(runId) + StartedExtension);

    /// <summary>
    /// A file that holds the start's time (ISO 8601, UTC) on its first line and the run as it started on its second
    /// (JSON): it is never written again, and copies of it keep it. And a lock file held open, exclusively, until the run
    /// ends: the operating system lets it go when the process dies.
    /// </summary>
    public Task MarkStartedAsync(string runId, RunInfo start, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Runs);
        var what = new System.Text.Json.Nodes.JsonObject
        {
            ["scenario"] = start.Scenario,
            ["variant"] = start.Variant,
            ["ticks"] = start.Ticks,
            ["tickLength"] = start.TickLength.Ticks,
            ["pace"] = start.Pace,
        };
        File.WriteAllText(StartedPathOf(runId),
            (clock ?? TimeProvider.System).GetUtcNow().UtcDateTime.ToString("O", CultureInfo.InvariantCulture) + "\n" + what.ToJsonString() + "\n");
        _held[runId] = new FileStream(LockPathOf(runId), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        return Task.CompletedTask;
    }

    public async Task<RunInfo?> ReadStartAsync(string runId, CancellationToken cancellationToken = default)
    {
        try
        {
            var lines = await File.ReadAllLinesAsync(StartedPathOf(runId), cancellationToken);
            if (lines.Length < 2 || System.Text.Json.Nodes.JsonNode.Parse(lines[1]) is not System.Text.Json.Nodes.JsonObject what
                || what["scenario"]?.GetValue<string>() is not { } scenario)
            {
                return null;
            }
            var ticks = what["ticks"]?.GetValue<long>() ?? 0;
            var tickLength = what["tickLength"]?.GetValue<long>() ?? 0;
            return ticks > 0 && tickLength > 0
                ? new RunInfo(runId, scenario, what["variant"]?.GetValue<string>(), RunState.Running, 0, ticks, TimeSpan.FromTicks(tickLength),
                    0, 0, what["pace"]?.GetValue<double>() ?? 0, null)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Text.Json.JsonException or InvalidOperationException or FormatException)
        {
            // A start file from before it held the run, or damaged: what the run was is not known.
            return null;
        }
    }

    public Task MarkEndedAsync(string runId, CancellationToken cancellationToken = default)
    {
        if (_held.TryRemove(runId, out var held))
        {
            held.Dispose();
            File.Delete(LockPathOf(runId));
        }
        return Task.CompletedTask;
    }

    public bool IsGoingElsewhere(string runId)
    {
        if (_held.ContainsKey(runId) || !File.Exists(LockPathOf(runId)))
        {
            return false;
        }
        try
        {
            using var probe = new FileStream(LockPathOf(runId), FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException) when (File.Exists(LockPathOf(runId)))
        {
            return true;
        }
        catch (IOException)
        {
            // Gone between the two looks: ended just now.
            return false;
        }
    }

    private readonly ConcurrentDictionary<string, FileStream> _held = new(StringComparer.Ordinal);

    private string LockPathOf(string runId) => Path.Combine(Runs, Checked(runId) + ".lock");

    /// <summary>
    /// When a run started: the time its start file holds, or (a file from before they held it, or unreadable) the file's
    /// own time. Read once per run: a start file is never written again, and every listing of the runs asks.
    /// </summary>
    private DateTime StartedAt(FileInfo started) =>
        _startedAt.GetOrAdd(Path.GetFileNameWithoutExtension(started.Name), static (_, file) => ReadStartedAt(file), started);

    private readonly ConcurrentDictionary<string, DateTime> _startedAt = new(StringComparer.Ordinal);

    private static DateTime ReadStartedAt(FileInfo started)
    {
        try
        {
            if (DateTime.TryParse(File.ReadLines(started.FullName).FirstOrDefault(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at)
                && at.Kind == DateTimeKind.Utc)
            {
                return at;
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return started.LastWriteTimeUtc;
    }

    public async Task AppendAsync(string runId, IReadOnlyList<JournalEntry> lines, CancellationToken cancellationToken = default)
    {
        if (lines.Count == 0)
        {
            return;
        }
        Directory.CreateDirectory(Runs);
        var index = IndexOf(runId);
        var bytes = new ArrayBufferWriter<byte>(lines.Count * 64);
        var start = index.Bytes;
        foreach (var line in lines)
        {
            JournalText.AppendLine(bytes, line);
            if (++index.Lines % Stride == 0)
            {
                index.Offsets.Add(start + bytes.WrittenCount);
            }
        }
        index.Bytes = start + bytes.WrittenCount;
        await using var file = new FileStream(PathOf(runId), FileMode.Append, FileAccess.Write, FileShare.Read);
        await file.WriteAsync(bytes.WrittenMemory, cancellationToken);
    }

    public async Task<IReadOnlyList<JournalEntry>> ReadAsync(string runId, long from, int count, CancellationToken cancellationToken = default)
    {
        var index = IndexOf(runId);
        if (from >= index.Lines || count <= 0)
        {
            return [];
        }
        // Whole lines only: a last line without its line feed (cut by a crash) is not one.
        count = (int)Math.Min(count, index.Lines - from);
        var checkpoint = (int)Math.Min(from / Stride, index.Offsets.Count - 1);
        if (!File.Exists(PathOf(runId)))
        {
            // Removed since it was written: the reader says the journal is short.
            return [];
        }
        await using var stream = File.OpenRead(PathOf(runId));
        stream.Seek(index.Offsets[checkpoint], SeekOrigin.Begin);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        for (var skip = from - (long)checkpoint * Stride; skip > 0; skip--)
        {
            await reader.ReadLineAsync(cancellationToken);
        }
        var result = new List<JournalEntry>(Math.Min(count, 16_384));
        while (result.Count < count && await reader.ReadLineAsync(cancellationToken) is { } text)
        {
            try
            {
                result.Add(Parse(text));
            }
            catch (Exception e) when (e is FormatException or OverflowException or IndexOutOfRangeException)
            {
                // A line cut by a crash, or changed by hand.
                throw new DataDamagedException(string.Create(CultureInfo.InvariantCulture,
                    $"line {from + result.Count + 1:N0} of the journal {PathOf(runId)} is not a journal line: '{Echo.Of(text)}'"));
            }
        }
        return result;
    }

    /// <summary>The run's index: empty for a new journal, read from the file for one written before this store was made.</summary>
    private Index IndexOf(string runId) => _indexes.GetOrAdd(runId, id =>
    {
        var index = new Index();
        var path = PathOf(id);
        if (!File.Exists(path))
        {
            return index;
        }
        using var stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        int read;
        while ((read = stream.Read(buffer)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] == (byte)'\n' && ++index.Lines % Stride == 0)
                {
                    index.Offsets.Add(index.Bytes + i + 1);
                }
            }
            index.Bytes += read;
        }
        return index;
    });

    public async Task<JournalDigest> DigestAsync(string runId, CancellationToken cancellationToken = default)
    {
        var path = PathOf(runId);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long lines = 0;
        if (File.Exists(path))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, useAsync: true);
            var buffer = new byte[1 << 16];
            int read;
            while ((read = await stream.ReadAsync(buffer, cancellationToken)) > 0)
            {
                sha.AppendData(buffer, 0, read);
                lines += buffer.AsSpan(0, read).Count((byte)'\n');
            }
        }
        return new JournalDigest(lines, "sha256:" + Convert.ToHexStringLower(sha.GetHashAndReset()));
    }

    public string Where(string runId) => PathOf(runId);

    public Task<bool> ExistsAsync(string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(File.Exists(PathOf(runId)) || File.Exists(OutcomePathOf(runId)) || File.Exists(StartedPathOf(runId)));

    public async Task SaveOutcomeAsync(string runId, RunOutcome outcome, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(Runs);
        // Written beside and moved into place, so that a reader never meets half an outcome.
        var path = OutcomePathOf(runId);
        var partial = path + ".partial";
        await File.WriteAllBytesAsync(partial, serializer.SerializeToArray(outcome), cancellationToken);
        File.Move(partial, path, overwrite: true);
    }

    public async Task<RunOutcome?> ReadOutcomeAsync(string runId, CancellationToken cancellationToken = default)
    {
        var path = OutcomePathOf(runId);
        return File.Exists(path) ? serializer.Deserialize(await File.ReadAllBytesAsync(path, cancellationToken)) : null;
    }

    public Task<IReadOnlyList<string>> ListRunsAsync(CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(Runs))
        {
            return Task.FromResult<IReadOnlyList<string>>([]);
        }
        var directory = new DirectoryInfo(Runs);
        var outcomes = directory.EnumerateFiles("*" + OutcomeExtension).ToDictionary(f => Path.GetFileNameWithoutExtension(f.Name), StringComparer.Ordinal);
        var started = directory.EnumerateFiles("*" + StartedExtension).ToDictionary(f => Path.GetFileNameWithoutExtension(f.Name), StringComparer.Ordinal);
        // Runs stored before starts were marked come first, by their outcome's time.
        IReadOnlyList<string> ids = [.. outcomes.Keys.Union(started.Keys).Where(EntityId.IsRunId)
            .Select(id => (Id: id, Outcome: outcomes.TryGetValue(id, out var o) ? o.LastWriteTimeUtc : DateTime.MaxValue,
                Started: started.TryGetValue(id, out var s) ? StartedAt(s) : (DateTime?)null))
            .OrderBy(r => r.Started.HasValue).ThenBy(r => r.Started ?? r.Outcome).ThenBy(r => r.Outcome).ThenBy(r => r.Id, StringComparer.Ordinal)
            .Select(r => r.Id)];
        return Task.FromResult(ids);
    }

    /// <summary>Reads a canonical line <c>tick entity kind detail</c> back.</summary>
    public static JournalEntry Parse(string line)
    {
        var parts = line.Split(' ', 4);
        return new JournalEntry(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2], parts.Length > 3 ? parts[3] : "");
    }
}
