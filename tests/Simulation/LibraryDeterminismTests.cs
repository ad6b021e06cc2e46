using System.Security.Cryptography;
using System.Text;
using Bulwark.Grains.Simulation;
using Bulwark.Scenarios;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// For every library exercise, the reference engine, a 1-silo and a 3-silo cluster write the same
/// journal, byte for byte. The 100k-node generator scenario (2.1 M journal lines) is compared by
/// the SHA-256 of the journal the cluster stored, read back page by page, not line by line in memory.
/// </summary>
public static class LibraryScenarios
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "library"), "*.yaml")
                     .Where(f => !f.EndsWith(".topology.yaml", StringComparison.Ordinal) && !f.EndsWith(Large, StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    public static ScenarioDefinition Load(string file, string? variant = null) =>
        ScenarioFile.Load(Path.Combine(AppContext.BaseDirectory, "library", file)).GetValueOrThrow().Get(variant);

    public const string Large = "gen-100k.yaml";

    private static readonly Lazy<RunReport> LargeReference = new(() => new ReferenceEngine(Load(Large)).Run());

    /// <summary>Runs gen-100k on the cluster and compares the hash of its stored journal, and its metrics, with the reference engine's.</summary>
    public static async Task LargeSameAsReferenceAsync(IClusterClient client)
    {
        var run = client.GetGrain<IRunGrain>(Runs.NewId("large"));
        await run.StartAsync(Load(Large), new RunOptions(0, []));
        await Runs.WaitAsync(run, timeout: TimeSpan.FromMinutes(10));
        var report = await run.GetReportAsync();

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        long lines = 0;
        while (await run.GetJournalAsync(lines, 50_000) is { IsEmpty: false } page)
        {
            foreach (var line in page)
            {
                hash.AppendData(Encoding.UTF8.GetBytes(line + "\n"));
            }
            lines += page.Length;
        }
        var stored = "sha256:" + Convert.ToHexStringLower(hash.GetCurrentHash());

        var reference = LargeReference.Value;
        Assert.Equal((reference.Events, reference.JournalLines, reference.JournalHash), (report.Events, lines, stored));
        Assert.Equal(reference.JournalHash, report.JournalHash);
        Assert.Equal(reference.Alliance, report.Alliance with { Series = reference.Alliance.Series });
        Assert.Equal(reference.Alliance.Series, report.Alliance.Series);
        Assert.Equal(reference.Objectives, report.Objectives);
    }
}

[Collection(OneSiloTests.Name)]
public sealed class OneSiloLibraryDeterminismTests(OneSiloFixture fixture)
{
    [Theory]
    [MemberData(nameof(LibraryScenarios.Files), MemberType = typeof(LibraryScenarios))]
    public Task Run_LibraryScenario_JournalEqualsReference(string file) =>
        DeterminismCases.SameJournalAsReferenceAsync(fixture.Client, LibraryScenarios.Load(file));

    [Fact]
    public Task Run_Gen100k_StoredJournalHashEqualsReference() => LibraryScenarios.LargeSameAsReferenceAsync(fixture.Client);

    [Fact]
    public Task Run_NoSharingVariant_JournalEqualsReference() =>
        DeterminismCases.SameJournalAsReferenceAsync(fixture.Client, LibraryScenarios.Load("blacksea-hybrid.yaml", "no-sharing"));
}

[Collection(ThreeSiloTests.Name)]
public sealed class ThreeSiloLibraryDeterminismTests(ThreeSiloFixture fixture)
{
    [Theory]
    [MemberData(nameof(LibraryScenarios.Files), MemberType = typeof(LibraryScenarios))]
    public Task Run_LibraryScenario_JournalEqualsReference(string file) =>
        DeterminismCases.SameJournalAsReferenceAsync(fixture.Client, LibraryScenarios.Load(file));

    [Fact]
    public Task Run_Gen100k_StoredJournalHashEqualsReference() => LibraryScenarios.LargeSameAsReferenceAsync(fixture.Client);
}
