using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using Bulwark.Grains.Simulation;

namespace Bulwark.Grains.Exercise;

/// <summary>Where run journals are kept.</summary>
public interface IJournalStore
{
    /// <summary>Appends lines to the run's journal.</summary>
    Task AppendAsync(string runId, IReadOnlyList<JournalEntry> lines, CancellationToken cancellationToken = default);

    /// <summary>Lines <paramref name="from"/> (0-based) onwards, at most <paramref name="count"/>.</summary>
    Task<IReadOnlyList<JournalEntry>> ReadAsync(string runId, long from, int count, CancellationToken cancellationToken = default);
}

/// <summary>Options of <see cref="FileJournalStore"/>.</summary>
public sealed class JournalOptions
{
    /// <summary>Directory for journals, one file per run: <c>DIR/runs/RUN.journal</c>. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "data";
}

/// <summary>
/// Journals as text files, one canonical line per entry. An index of the byte offset of every
/// 4,096th line lets a page be read without scanning the file from the start, so a run's journal
/// need not be held in memory.
/// </summary>
public sealed class FileJournalStore(Microsoft.Extensions.Options.IOptions<JournalOptions> options) : IJournalStore
{
    private const int Stride = 4096;
    private readonly ConcurrentDictionary<string, Index> _indexes = new(StringComparer.Ordinal);

    private sealed class Index
    {
        public readonly List<long> Offsets = [0];
        public long Lines;
        public long Bytes;
    }

    /// <summary>The path of a run's journal file.</summary>
    public string PathOf(string runId) => Path.Combine(options.Value.DataDirectory, "runs", runId + ".journal");

    public async Task AppendAsync(string runId, IReadOnlyList<JournalEntry> lines, CancellationToken cancellationToken = default)
    {
        if (lines.Count == 0)
        {
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(PathOf(runId))!);
        var index = _indexes.GetOrAdd(runId, _ => new Index());
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
        if (!_indexes.TryGetValue(runId, out var index) || from >= index.Lines || count <= 0)
        {
            return [];
        }
        var checkpoint = (int)Math.Min(from / Stride, index.Offsets.Count - 1);
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
            result.Add(Parse(text));
        }
        return result;
    }

    /// <summary>Reads a canonical line <c>tick entity kind detail</c> back.</summary>
    public static JournalEntry Parse(string line)
    {
        var parts = line.Split(' ', 4);
        return new JournalEntry(long.Parse(parts[0], CultureInfo.InvariantCulture), parts[1], parts[2], parts.Length > 3 ? parts[3] : "");
    }
}
