using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Bulwark.Scenarios;
using Bulwark.Tests.Support;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Tests.Scenarios;

/// <summary>The JSON Schema that editors use agrees with the reader on good and bad files.</summary>
public sealed class TopologySchemaTests
{
    private static readonly JsonSchema Schema = JsonSchema.FromText(
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "bulwark-topology.schema.json")));

    private static bool SchemaAccepts(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        var json = JsonSerializer.SerializeToElement(ToJson(stream.Documents[0].RootNode));
        return Schema.Evaluate(json, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => new JsonObject(map.Children.Select(p =>
            KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value)))),
        YamlSequenceNode seq => new JsonArray([.. seq.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } when long.TryParse(v, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        YamlScalarNode { Style: ScalarStyle.Plain, Value: var v } when double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        YamlScalarNode s => s.Value,
        _ => null,
    };

    [Fact]
    public void Schema_LibraryAlliance_IsValid()
    {
        Assert.True(SchemaAccepts(File.ReadAllText(TestTopologies.LibraryPath())));
    }

    [Fact]
    public void Schema_CrossDomainTestTopology_IsValid()
    {
        Assert.True(SchemaAccepts(TestTopologies.CrossDomain));
    }

    [Theory]
    [InlineData("criticality: 7")]
    [InlineData("critcality: 2")]
    [InlineData("hardening: -0.1")]
    [InlineData("detection: 1.5")]
    [InlineData("exposures: [{technique: X1190, exploitability: 0.2}]")]
    public void Schema_BadNode_IsRejectedLikeTheReader(string field)
    {
        var yaml = $$"""
            domains:
              - id: A
                kind: nation
                segments:
                  - id: s
                    sector: energy
                    nodes:
                      - {id: n, kind: server, owner: civilian, {{field}}}
            """;

        Assert.False(SchemaAccepts(yaml));
        Assert.False(TopologyFile.Parse(yaml, "t.yaml").Succeeded);
    }
}
