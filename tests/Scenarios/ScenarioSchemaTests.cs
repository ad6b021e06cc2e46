using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Scenarios;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Tests.Scenarios;

/// <summary>The exercise schema (which references the topology schema) agrees with the loader on the library and on bad files.</summary>
public sealed class ScenarioSchemaTests
{
    private static readonly JsonSchema Schema = Build();

    private static JsonSchema Build()
    {
        // A registry of our own, so the topology schema the exercise schema refers to resolves offline.
        var options = new BuildOptions { SchemaRegistry = new SchemaRegistry() };
        JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "bulwark-topology.schema.json")), options);
        return JsonSchema.FromText(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "bulwark-scenario.schema.json")), options);
    }

    private static EvaluationResults Evaluate(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var json = JsonSerializer.SerializeToElement(ToJson(stream.Documents[0].RootNode));
        return Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.List });
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p =>
            KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: "true" or "false" } b => b.Value == "true",
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } when ulong.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out var u) => u,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        YamlScalarNode s => s.Value,
        _ => null,
    };

    private static string Failures(EvaluationResults results) => string.Join("\n",
        (results.Details ?? []).Where(d => !d.IsValid && d.Errors is not null)
            .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation} ({d.EvaluationPath}): {e.Value}")));

    public static TheoryData<string> LibraryExercises() => ScenarioLibraryTests.Exercises();

    [Theory]
    [MemberData(nameof(LibraryExercises))]
    public void Schema_LibraryExercise_IsValid(string file)
    {
        var results = Evaluate(File.ReadAllText(ScenarioLibraryTests.PathOf(file)));

        Assert.True(results.IsValid, Failures(results));
    }

    private const string Head = """
        name: t
        seed: 1
        duration: 1d
        topology:
          domains:
            - id: A
              kind: nation
              segments: [{id: s, sector: energy, nodes: [{id: n, kind: server, owner: civilian}]}]

        """;

    [Fact]
    public void Schema_SmallValidExercise_IsValidForBoth()
    {
        var yaml = Head + """
            tick: 5m
            playbooks: {default: {patch: false, alert-level: 4}}
            injects:
              - {id: a, time: 1h, target: A/s/n, kind: compromise, parameters: {technique: T1190, techniques: [T1078]}}
              - {id: b, after: a, target: A, kind: set-alert-level, parameters: {level: 2}}
              - {id: c, time: 2h, target: A/s, kind: campaign, parameters: {techniques: "T1078, T1021.001", count: 2}}
            objectives:
              - {id: o, check: A recovers to 95% within 6h}
            variants:
              v: {sharing: none, seed: 18446744073709551615}
            """;

        var results = Evaluate(yaml);

        Assert.True(results.IsValid, Failures(results));
        Assert.True(ScenarioFile.Parse(yaml, "t.yaml").Succeeded);
    }

    [Theory]
    [InlineData("tick: 0s")]
    [InlineData("duration2: 1d")]
    [InlineData("seed2: 1")]
    [InlineData("tlp: white")]
    [InlineData("injects: [{id: a, time: 1h, target: A/s/n, kind: meteor}]")]
    [InlineData("injects: [{id: a, time: 1h, target: A, kind: set-alert-level, parameters: {level: 7}}]")]
    [InlineData("injects: [{id: a, time: 1h, target: A/s/n, kind: compromise}]")]
    [InlineData("injects: [{id: a, time: 1h, target: A/s/n, kind: compromise, parameters: {technique: T12}}]")]
    [InlineData("injects: [{id: a, time: 1h, target: A/s/n, kind: ransomware, parameters: {duration: 0s}}]")]
    [InlineData("injects: [{id: a, time: 1h, target: A/s/n, kind: isolate, parameters: {duration: 1h}}]")]
    [InlineData("injects: [{id: a, target: A/s/n, kind: isolate}]")]
    [InlineData("objectives: [{id: o, check: keep the lights on}]")]
    [InlineData("playbooks: {A: {alert-level: 6}}")]
    [InlineData("playbooks: {A: {patch: maybe}}")]
    [InlineData("adversary: {spread-delay: {minimum: 1m}}")]
    [InlineData("variants: {v: {tick: 5m}}")]
    [InlineData("variants: {v: {sharing: off}}")]
    [InlineData("sharing: [{from: A}]")]
    [InlineData("injects: [{id: hand-1, time: 1h, target: A/s/n, kind: isolate}]")]
    [InlineData("variants: {base: {sharing: none}}")]
    public void Schema_BadExercise_IsRejectedLikeTheLoader(string line)
    {
        var yaml = Head + line + "\n";

        Assert.False(Evaluate(yaml).IsValid);
        Assert.False(ScenarioFile.Parse(yaml, "t.yaml").Succeeded);
    }

    [Theory]
    [InlineData("\"  \"")]
    [InlineData("\"Baltic\\u2028exercise\"")]
    [InlineData("\"Baltic \\u202Eesicrexe\"")]
    public void Schema_BadName_IsRejectedLikeTheLoader(string name)
    {
        var yaml = Head.Replace("name: t", "name: " + name, StringComparison.Ordinal);

        Assert.False(Evaluate(yaml).IsValid);
        Assert.False(ScenarioFile.Parse(yaml, "t.yaml").Succeeded);
    }

    [Theory]
    [InlineData("{model: watts-strogatz, nodes: 100, m: 2}")]
    [InlineData("{model: barabasi-albert, nodes: 100, beta: 0.2}")]
    [InlineData("{model: erdos-renyi, nodes: 0}")]
    [InlineData("{model: erdos-renyi, nodes: 100, segment-size: 0}")]
    [InlineData("{model: small-world, nodes: 100}")]
    [InlineData("{model: erdos-renyi, nodes: 100, node: {kind: toaster}}")]
    [InlineData("{model: erdos-renyi, nodes: 100, node: {services: [a, a]}}")]
    [InlineData("{model: erdos-renyi, nodes: 100, node: {services: [command and control]}}")]
    public void Schema_BadGenerator_IsRejectedLikeTheLoader(string generator)
    {
        var yaml = $"name: t\nseed: 1\nduration: 1d\ntopology:\n  generators: [{generator}]\n";

        Assert.False(Evaluate(yaml).IsValid);
        Assert.False(ScenarioFile.Parse(yaml, "t.yaml").Succeeded);
    }

    [Theory]
    [InlineData("- id: A\n", "- id: alliance\n")]
    [InlineData("name: t\n", "name: \"a\\eb\"\n")]
    public void Schema_ReservedDomainIdOrNameWithAnEscape_IsRejectedLikeTheLoader(string from, string to)
    {
        var yaml = Head.Replace(from, to, StringComparison.Ordinal);

        Assert.Contains(to, yaml, StringComparison.Ordinal);
        Assert.False(Evaluate(yaml).IsValid);
        Assert.False(ScenarioFile.Parse(yaml, "t.yaml").Succeeded);
    }
}
