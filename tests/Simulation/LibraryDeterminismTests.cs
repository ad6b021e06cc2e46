using Bulwark.Scenarios;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// For every library exercise (the 100k-node generator scenario is checked by the benchmark,
/// which compares the same hashes), the reference engine, a 1-silo and a 3-silo cluster write the
/// same journal, byte for byte.
/// </summary>
public static class LibraryScenarios
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "library"), "*.yaml")
                     .Where(f => !f.EndsWith(".topology.yaml", StringComparison.Ordinal) && !f.EndsWith("gen-100k.yaml", StringComparison.Ordinal))
                     .Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetFileName(file));
        }
        return data;
    }

    public static ScenarioDefinition Load(string file, string? variant = null) =>
        ScenarioFile.Load(Path.Combine(AppContext.BaseDirectory, "library", file)).GetValueOrThrow().Get(variant);
}

[Collection(OneSiloTests.Name)]
public sealed class OneSiloLibraryDeterminismTests(OneSiloFixture fixture)
{
    [Theory]
    [MemberData(nameof(LibraryScenarios.Files), MemberType = typeof(LibraryScenarios))]
    public Task Run_LibraryScenario_JournalEqualsReference(string file) =>
        DeterminismCases.SameJournalAsReferenceAsync(fixture.Client, LibraryScenarios.Load(file));

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
}
