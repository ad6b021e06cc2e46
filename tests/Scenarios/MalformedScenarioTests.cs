using Bulwark.Scenarios;

namespace Bulwark.Tests.Scenarios;

/// <summary>
/// The malformed corpus: each <c>Scenarios/Malformed/*.yaml</c> lists, in leading
/// <c># expect: LINE:COLUMN: message</c> comments, exactly the diagnostics loading it gives (those
/// in another file name it: <c># expect: included/x.yaml:LINE:COLUMN: message</c>).
/// </summary>
public sealed class MalformedScenarioTests
{
    private const string Expect = "# expect: ";

    private static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Scenarios", "Malformed");

    public static TheoryData<string> Files() =>
        [.. System.IO.Directory.GetFiles(Directory, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Corpus_HasAtLeastThirtyFiles()
    {
        Assert.True(Files().Count >= 30, $"{Files().Count} files");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Load_MalformedFile_GivesExactlyTheExpectedDiagnostics(string name)
    {
        var path = Path.Combine(Directory, name);
        var expected = File.ReadLines(path)
            .TakeWhile(line => line.StartsWith('#'))
            .Where(line => line.StartsWith(Expect, StringComparison.Ordinal))
            .Select(line => line[Expect.Length..])
            .ToList();
        Assert.NotEmpty(expected);

        var result = ScenarioFile.Load(path);

        Assert.Null(result.Value);
        Assert.Equal(expected, result.Diagnostics.Select(d =>
            (d.File == path ? "" : Path.GetRelativePath(Directory, d.File).Replace('\\', '/') + ":") + $"{d.Line}:{d.Column}: {d.Message}"));
    }
}
