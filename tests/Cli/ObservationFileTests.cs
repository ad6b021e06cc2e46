using Bulwark.Cli;

namespace Bulwark.Tests.Cli;

/// <summary>The JSON-lines observation file: each problem once, located, and the right one.</summary>
public sealed class ObservationFileTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("""{"node":"A/s/n","status":"down","extra":1}""", "o.jsonl:1:33: unknown field 'extra'; expected node, status, technique, source, time")]
    [InlineData("""{"node":"A/s/n","status":"down","extra":{"a":[1]}}""", "o.jsonl:1:33: unknown field 'extra'; expected node, status, technique, source, time")]
    [InlineData("""{"node":5,"status":"down"}""", "o.jsonl:1:9: 'node' must be a string")]
    [InlineData("""{"node":"A/s/n","status":["down"]}""", "o.jsonl:1:26: 'status' must be a string")]
    [InlineData("""{"node":"A/s/n","status":"exploded"}""", "o.jsonl:1:26: unknown status 'exploded'; expected one of: healthy, compromised, detected, isolated, degraded, down, recovering, restored")]
    [InlineData("""{"status":"down"}""", "o.jsonl:1:1: missing 'node'")]
    [InlineData("""{"node":"A/s/n","status":"down","status":"healthy"}""", "o.jsonl:1:33: 'status' is given twice")]
    [InlineData("""{"node":"A/s/n","status":null}""", "o.jsonl:1:26: 'status' is null; it needs a value")]
    [InlineData("""{"node":null,"status":"down"}""", "o.jsonl:1:9: 'node' is null; it needs a value")]
    [InlineData("""{"node":"A/s/n","status":"down","source":"evil\nA/s/m  down"}""", "o.jsonl:1:42: source has a control character (a line break, a tab, an escape or a direction override)")]
    [InlineData("nope", "o.jsonl:1:1: JSON syntax: 'nope' is an invalid JSON literal. Expected the literal 'null'")]
    [InlineData("""{"node":"A/s/n","status":"down",}""", "o.jsonl:1:33: JSON syntax: The JSON object contains a trailing comma at the end")]
    [InlineData("{\"node\":\"A/s/n\",\"status\":\"down\"", "o.jsonl:1:32: JSON syntax: the line ends inside an object or array that is never closed")]
    [InlineData("""{"node":"A/s/n","status":"down","source":""}""", "o.jsonl:1:42: source is blank; leave it out for the reporter's default")]
    [InlineData("""{"node":"A/s/n","status":"down","source":"\ud800"}""", "o.jsonl:1:42: 'source' is not valid text (a \\u escape of half a surrogate pair)")]
    [InlineData("""{"node":"A/s/n","\ud800":"down"}""", "o.jsonl:1:17: not valid text (a \\u escape of half a surrogate pair)")]
    [InlineData("\n# only a comment\n\n", "o.jsonl:1:1: no observations: every line is blank or a comment")]
    [InlineData("", "o.jsonl:1:1: no observations: every line is blank or a comment")]
    public void Parse_OneProblem_IsReportedOnce(string line, string expected)
    {
        var result = ObservationFile.Parse(line, "o.jsonl", Now);

        Assert.Equal([expected], result.Diagnostics.Select(d => d.ToString()));
        Assert.Empty(result.Observations);
    }

    [Fact]
    public void Parse_LineCutShortInsideAValue_IsOnlyAJsonSyntaxError()
    {
        var result = ObservationFile.Parse("""{"node": [""", "o.jsonl", Now);

        var error = Assert.Single(result.Diagnostics).ToString();
        Assert.StartsWith("o.jsonl:1:", error, StringComparison.Ordinal);
        Assert.Contains(": JSON syntax: ", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_GoodLine_IsAnObservation()
    {
        var result = ObservationFile.Parse("""{"node":"A/s/n","status":"down","technique":"T1486","source":"edr","time":"2026-11-26T10:00:00Z"}""", "o.jsonl", Now);

        Assert.Empty(result.Diagnostics);
        Assert.Equal(new Observation("A/s/n", NodeStatus.Down, new DateTimeOffset(2026, 11, 26, 10, 0, 0, TimeSpan.Zero), "T1486", "edr"),
            Assert.Single(result.Observations));
    }

    [Fact]
    public void Parse_LineWithoutASource_GetsTheFilesSource()
    {
        var text = """
            {"node":"A/s/n","status":"down","time":"2026-11-26T10:00:00Z"}
            {"node":"A/s/m","status":"down","source":null,"time":"2026-11-26T10:00:00Z"}
            {"node":"A/s/o","status":"down","source":"edr","time":"2026-11-26T10:00:00Z"}
            """;

        var result = ObservationFile.Parse(text, "o.jsonl", Now, "grid-soc");

        Assert.Empty(result.Diagnostics);
        Assert.Equal(["grid-soc", "grid-soc", "edr"], result.Observations.Select(o => o.Source));
    }
}
