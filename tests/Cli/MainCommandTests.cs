using Bulwark.Tests.Simulation;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Cli;

/// <summary>The README's main command: a silo that loads the alliance and runs a library exercise, printing its report.</summary>
public sealed class MainCommandTests
{
    [Fact]
    public async Task Silo_WithExercise_PrintsTheReferenceReport()
    {
        var root = TestTopologies.RepositoryRoot();
        var data = Path.Combine(Path.GetTempPath(), "bulwark-main-" + Guid.NewGuid().ToString("N")[..8]);
        await using var silo = await SiloProcess.StartAsync(413,
            "--topology", Path.Combine(root, "scenarios/library/alliance.topology.yaml"),
            "--exercise", Path.Combine(root, "scenarios/library/baltic-cable-ransomware.yaml"),
            "--data", data);

        await Eventually.HoldsAsync(() => Task.FromResult(silo.Log.Contains("objectives passed", StringComparison.Ordinal) || silo.HasExited),
            "the silo to print the exercise report", TimeSpan.FromSeconds(120));

        var reference = Runs.OnReference(LibraryScenarios.Load("baltic-cable-ransomware.yaml")).Report;
        var log = silo.Log;
        Assert.Contains("scenario 'Baltic cable cut and grid ransomware', base scenario, seed 20241225", log, StringComparison.Ordinal);
        Assert.Contains($"journal {reference.JournalHash}", log, StringComparison.Ordinal);
        Assert.Contains($"{reference.Objectives.Count(o => o.Passed)} of {reference.Objectives.Length} objectives passed", log, StringComparison.Ordinal);
        foreach (var objective in reference.Objectives)
        {
            Assert.Contains($"{(objective.Passed ? "PASS" : "FAIL")}  {objective.Id}  {objective.Text}  ({objective.Actual})", log, StringComparison.Ordinal);
        }
        var html = Assert.Single(Directory.GetFiles(Path.Combine(data, "runs"), "*.html"));
        Assert.Contains("<svg", await File.ReadAllTextAsync(html, TestContext.Current.CancellationToken), StringComparison.Ordinal);
        Assert.Single(Directory.GetFiles(Path.Combine(data, "runs"), "*.journal"));
        Directory.Delete(data, recursive: true);
    }
}
