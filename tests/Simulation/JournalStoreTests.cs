using Bulwark.Grains.Exercise;
using Microsoft.Extensions.Options;

namespace Bulwark.Tests.Simulation;

public sealed class JournalStoreTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("bulwark-journal-");

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task ReadAsync_PagesAcrossIndexCheckpoints_ReturnExactLines()
    {
        var store = new FileJournalStore(Options.Create(new JournalOptions { DataDirectory = _directory.FullName }));
        var lines = Enumerable.Range(0, 10_000)
            .Select(i => new JournalEntry(i / 7, $"EST/seg-{i % 13}/n-{i}", i % 3 == 0 ? "status" : "spread", i % 5 == 0 ? "" : $"détail {i} ümlaut"))
            .ToList();
        // Appended in uneven chunks, as ticks produce them.
        for (var start = 0; start < lines.Count; start += 997)
        {
            await store.AppendAsync("run-a", lines.Skip(start).Take(997).ToList(), TestContext.Current.CancellationToken);
        }

        foreach (var (from, count) in new[] { (0, 5), (4_095, 3), (4_096, 1), (8_190, 10), (9_998, 10) })
        {
            var page = await store.ReadAsync("run-a", from, count, TestContext.Current.CancellationToken);
            Assert.Equal(lines.Skip(from).Take(count), page);
        }
        Assert.Empty(await store.ReadAsync("run-a", 10_000, 10, TestContext.Current.CancellationToken));
        Assert.Empty(await store.ReadAsync("run-unknown", 0, 10, TestContext.Current.CancellationToken));
        Assert.Equal(string.Join("", lines.Select(l => l + "\n")), await File.ReadAllTextAsync(store.PathOf("run-a"), TestContext.Current.CancellationToken));
    }
}
