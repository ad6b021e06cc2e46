namespace Bulwark.Grains.Exercise;

/// <summary>Where run journals are kept.</summary>
public interface IJournalStore
{
    /// <summary>Appends one tick's lines to the run's journal.</summary>
    Task AppendAsync(string runId, IReadOnlyList<JournalEntry> lines, CancellationToken cancellationToken = default);
}

/// <summary>Options of <see cref="FileJournalStore"/>.</summary>
public sealed class JournalOptions
{
    /// <summary>Directory for journals, one file per run: <c>DIR/runs/RUN.journal</c>. Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "data";
}

/// <summary>Journals as text files, one canonical line per entry.</summary>
public sealed class FileJournalStore(Microsoft.Extensions.Options.IOptions<JournalOptions> options) : IJournalStore
{
    public async Task AppendAsync(string runId, IReadOnlyList<JournalEntry> lines, CancellationToken cancellationToken = default)
    {
        if (lines.Count == 0)
        {
            return;
        }
        var directory = Path.Combine(options.Value.DataDirectory, "runs");
        Directory.CreateDirectory(directory);
        await File.AppendAllLinesAsync(Path.Combine(directory, runId + ".journal"), lines.Select(l => l.ToString()), cancellationToken);
    }

    /// <summary>The path of a run's journal file.</summary>
    public string PathOf(string runId) => Path.Combine(options.Value.DataDirectory, "runs", runId + ".journal");
}
