using System.Collections.Immutable;
using System.Text;

namespace Bulwark;

/// <summary>
/// The wire and storage form of a <see cref="TopologyDefinition"/>: one byte array, each distinct
/// string written once. A generated 100k-node topology is some 200,000 small objects; the
/// serializer's per-object cost (field headers, reference tracking, copying arrays into
/// immutable arrays) made sending one to a silo take seconds.
/// </summary>
/// <param name="Data">The encoded topology (format version first).</param>
[GenerateSerializer, Immutable, Alias("bulwark.topology-wire")]
public readonly record struct TopologyWire([property: Id(0)] byte[] Data);

/// <summary>Converts a topology to and from <see cref="TopologyWire"/> for the Orleans serializer.</summary>
[RegisterConverter]
public sealed class TopologyWireConverter : IConverter<TopologyDefinition, TopologyWire>
{
    public TopologyDefinition ConvertFromSurrogate(in TopologyWire surrogate) => TopologyCodec.Decode(surrogate.Data);

    public TopologyWire ConvertToSurrogate(in TopologyDefinition value) => new(TopologyCodec.Encode(value));
}

/// <summary>The compact binary encoding of a topology.</summary>
public static class TopologyCodec
{
    private const byte Version = 1;

    public static byte[] Encode(TopologyDefinition topology)
    {
        using var stream = new MemoryStream();
        using (var writer = new Writer(stream))
        {
            writer.Write(Version);
            writer.Text(topology.Name);
            writer.Count(topology.Domains.Length);
            foreach (var domain in topology.Domains)
            {
                writer.Text(domain.Id);
                writer.Text(domain.Name);
                writer.Count((int)domain.Kind);
                writer.Count(domain.Segments.Length);
                foreach (var segment in domain.Segments)
                {
                    writer.Text(segment.Id);
                    writer.Count((int)segment.Sector);
                    writer.Texts(segment.Links);
                    writer.Count(segment.Nodes.Length);
                    foreach (var node in segment.Nodes)
                    {
                        writer.Text(node.Id);
                        writer.Count((int)node.Kind);
                        writer.Count((int)node.Owner);
                        writer.Count(node.Criticality);
                        writer.Texts(node.Services);
                        writer.Count(node.Dependencies.Length);
                        foreach (var group in node.Dependencies)
                        {
                            writer.Count((int)group.Mode);
                            writer.Texts(group.Nodes);
                        }
                        writer.Count(node.Exposures.Length);
                        foreach (var exposure in node.Exposures)
                        {
                            writer.Text(exposure.Technique);
                            writer.Write(exposure.Exploitability);
                        }
                        writer.Write(node.Detection);
                        writer.Write(node.Hardening);
                    }
                }
                writer.Count(domain.Sharing.Length);
                foreach (var agreement in domain.Sharing)
                {
                    writer.Text(agreement.Partner);
                    writer.Write(agreement.Delay.Ticks);
                    writer.Count((int)agreement.Tlp);
                }
            }
        }
        return stream.ToArray();
    }

    public static TopologyDefinition Decode(byte[] data)
    {
        using var reader = new Reader(new MemoryStream(data, writable: false));
        var version = reader.ReadByte();
        if (version != Version)
        {
            throw new InvalidOperationException($"topology encoding version {version} is not supported (this build reads {Version})");
        }
        var name = reader.Text();
        var domains = ImmutableArray.CreateBuilder<DomainDefinition>(reader.Count());
        for (var d = domains.Capacity; d > 0; d--)
        {
            var (domainId, domainName, kind) = (reader.Text(), reader.Text(), (DomainKind)reader.Count());
            var segments = ImmutableArray.CreateBuilder<SegmentDefinition>(reader.Count());
            for (var s = segments.Capacity; s > 0; s--)
            {
                var (segmentId, sector, links) = (reader.Text(), (Sector)reader.Count(), reader.Texts());
                var nodes = ImmutableArray.CreateBuilder<NodeDefinition>(reader.Count());
                for (var n = nodes.Capacity; n > 0; n--)
                {
                    var (nodeId, nodeKind, owner, criticality, services) =
                        (reader.Text(), (NodeKind)reader.Count(), (Owner)reader.Count(), reader.Count(), reader.Texts());
                    var groups = ImmutableArray.CreateBuilder<DependencyGroup>(reader.Count());
                    for (var g = groups.Capacity; g > 0; g--)
                    {
                        groups.Add(new DependencyGroup((DependencyMode)reader.Count(), reader.Texts()));
                    }
                    var exposures = ImmutableArray.CreateBuilder<Exposure>(reader.Count());
                    for (var e = exposures.Capacity; e > 0; e--)
                    {
                        exposures.Add(new Exposure(reader.Text(), reader.ReadDouble()));
                    }
                    nodes.Add(new NodeDefinition(nodeId, nodeKind, owner, criticality, services, groups.MoveToImmutable(),
                        exposures.MoveToImmutable(), reader.ReadDouble(), reader.ReadDouble()));
                }
                segments.Add(new SegmentDefinition(segmentId, sector, links, nodes.MoveToImmutable()));
            }
            var sharing = ImmutableArray.CreateBuilder<SharingAgreement>(reader.Count());
            for (var a = sharing.Capacity; a > 0; a--)
            {
                sharing.Add(new SharingAgreement(reader.Text(), TimeSpan.FromTicks(reader.ReadInt64()), (Tlp)reader.Count()));
            }
            domains.Add(new DomainDefinition(domainId, domainName, kind, segments.MoveToImmutable(), sharing.MoveToImmutable()));
        }
        if (reader.BaseStream.Position != data.Length)
        {
            throw new InvalidOperationException($"topology encoding has {data.Length - reader.BaseStream.Position} bytes left over");
        }
        return new TopologyDefinition(name, domains.MoveToImmutable());
    }

    /// <summary>Writes each distinct string once; later occurrences are its index.</summary>
    private sealed class Writer(Stream stream) : BinaryWriter(stream, Encoding.UTF8, leaveOpen: true)
    {
        private readonly Dictionary<string, int> _strings = new(StringComparer.Ordinal);

        public void Count(int value) => Write7BitEncodedInt(value);

        public void Text(string value)
        {
            if (_strings.TryGetValue(value, out var index))
            {
                Write7BitEncodedInt(index + 1);
                return;
            }
            Write7BitEncodedInt(0);
            Write(value);
            _strings[value] = _strings.Count;
        }

        public void Texts(ImmutableArray<string> values)
        {
            Count(values.Length);
            foreach (var value in values)
            {
                Text(value);
            }
        }
    }

    private sealed class Reader(Stream stream) : BinaryReader(stream, Encoding.UTF8)
    {
        private readonly List<string> _strings = [];

        public int Count() => Read7BitEncodedInt();

        public string Text()
        {
            var index = Read7BitEncodedInt();
            if (index > 0)
            {
                return _strings[index - 1];
            }
            var value = ReadString();
            _strings.Add(value);
            return value;
        }

        public ImmutableArray<string> Texts()
        {
            var values = new string[Count()];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Text();
            }
            return ImmutableArray.Create(values);
        }
    }
}
