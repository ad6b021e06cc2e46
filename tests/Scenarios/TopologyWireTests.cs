using System.Text.Json;
using Bulwark.Scenarios;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Bulwark.Tests.Scenarios;

/// <summary>A topology crosses the wire (and grain storage) as one compact <see cref="TopologyWire"/>, and comes back whole.</summary>
public sealed class TopologyWireTests
{
    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(TopologyDefinition).Assembly))
        .BuildServiceProvider().GetRequiredService<Serializer>();

    private static TopologyDefinition Library(string file) => file.EndsWith(".topology.yaml", StringComparison.Ordinal)
        ? TopologyFile.Load(Path.Combine(AppContext.BaseDirectory, "library", file)).GetValueOrThrow()
        : ScenarioFile.Load(Path.Combine(AppContext.BaseDirectory, "library", file)).GetValueOrThrow().Base.Topology;

    [Theory]
    [InlineData("alliance.topology.yaml")]
    [InlineData("balkans.topology.yaml")]
    [InlineData("gen-1k.yaml")]
    public void Serialize_LibraryTopology_RoundTripsEveryField(string file)
    {
        var topology = Library(file);

        var back = Serializer.Deserialize<TopologyDefinition>(Serializer.SerializeToArray(topology));

        // Records holding immutable arrays compare those by reference; their JSON compares every field.
        Assert.Equal(JsonSerializer.Serialize(topology), JsonSerializer.Serialize(back));
        Assert.NotSame(topology, back);
    }

    [Fact]
    public void Encode_RepeatedStrings_AreWrittenOnce()
    {
        var topology = Library("gen-1k.yaml");

        var data = TopologyCodec.Encode(topology);
        var back = TopologyCodec.Decode(data);

        // 1,000 nodes with four exposures, dependencies and a sector each: under 90 bytes a node.
        Assert.InRange(data.Length, 1, 90_000);
        Assert.Same(back.AllNodes.First().Exposures[0].Technique, back.AllNodes.Last().Exposures[0].Technique);
    }

    [Fact]
    public void Decode_OtherVersionOrTrailingBytes_FailsClearly()
    {
        var data = TopologyCodec.Encode(Library("alliance.topology.yaml"));

        var other = (byte[])data.Clone();
        other[0] = 9;
        Assert.Equal("topology encoding version 9 is not supported (this build reads 2)",
            Assert.Throws<InvalidOperationException>(() => TopologyCodec.Decode(other)).Message);
        Assert.Equal("topology encoding has 2 bytes left over",
            Assert.Throws<InvalidOperationException>(() => TopologyCodec.Decode([.. data, 0, 0])).Message);
        Assert.Equal("topology encoding ends early",
            Assert.Throws<InvalidOperationException>(() => TopologyCodec.Decode(data[..(data.Length / 2)])).Message);
        // Version, then the name as a new string of 3 bytes "abc", then a count of 1,000,000 domains in 2 bytes left.
        Assert.StartsWith("topology encoding is corrupt: count 1000000 at byte",
            Assert.Throws<InvalidOperationException>(() => TopologyCodec.Decode([2, 1, 3, (byte)'a', (byte)'b', (byte)'c', 0xC0, 0x84, 0x3D])).Message);
    }

    [Fact]
    public void Serialize_NullNameAndDefaultArrays_RoundTripAsNullAndEmpty()
    {
        var node = new NodeDefinition("A/s/n", NodeKind.Server, Owner.Civilian, 3, default, [], [], 0.1, 0);
        var topology = new TopologyDefinition(null!, [new DomainDefinition("A", null!, DomainKind.Nation, [new SegmentDefinition("A/s", Sector.Government, default, [node])], [])]);

        var back = Serializer.Deserialize<TopologyDefinition>(Serializer.SerializeToArray(topology))!;

        Assert.Null(back.Name);
        Assert.Null(back.Domains[0].Name);
        Assert.Empty(back.AllNodes.Single().Services);
        Assert.Empty(back.AllSegments.Single().Links);
        Assert.Equal("A/s/n", back.AllNodes.Single().Id);
    }
}
