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
    private const byte Version = 2;

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
                writer.Value((int)domain.Kind);
                writer.Count(domain.Segments.Length);
                foreach (var segment in domain.Segments)
                {
                    writer.Text(segment.Id);
                    writer.Value((int)segment.Sector);
                    writer.Texts(segment.Links);
                    writer.Count(segment.Nodes.Length);
                    foreach (var node in segment.Nodes)
                    {
                        writer.Text(node.Id);
                        writer.Value((int)node.Kind);
                        writer.Value((int)node.Owner);
                        writer.Value(node.Criticality);
                        writer.Texts(node.Services);
                        writer.Count(node.Dependencies.Length);
                        foreach (var group in node.Dependencies)
                        {
                            writer.Value((int)group.Mode);
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
                    writer.Value((int)agreement.Tlp);
                }
            }
        }
        return stream.ToArray();
    }

    public static TopologyDefinition Decode(byte[] data)
    {
        try
        {
            return DecodeUnchecked(data);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidOperationException("topology encoding ends early");
        }
    }

    private static TopologyDefinition DecodeUnchecked(byte[] data)
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
            var (domainId, domainName, kind) = (reader.Text(), reader.Text(), (DomainKind)reader.Value());
            var segments = ImmutableArray.CreateBuilder<SegmentDefinition>(reader.Count());
            for (var s = segments.Capacity; s > 0; s--)
            {
                var (segmentId, sector, links) = (reader.Text(), (Sector)reader.Value(), reader.Texts());
                var nodes = ImmutableArray.CreateBuilder<NodeDefinition>(reader.Count());
                for (var n = nodes.Capacity; n > 0; n--)
                {
                    var (nodeId, nodeKind, owner, criticality, services) =
                        (reader.Text(), (NodeKind)reader.Value(), (Owner)reader.Value(), reader.Value(), reader.Texts());
                    var groups = ImmutableArray.CreateBuilder<DependencyGroup>(reader.Count());
                    for (var g = groups.Capacity; g > 0; g--)
                    {
                        groups.Add(new DependencyGroup((DependencyMode)reader.Value(), reader.Texts()));
                    }
                    var exposures = ImmutableArray.CreateBuilder<Exposure>(reader.Count());
                    for (var e = exposures.Capacity; e > 0; e--)
                    {
                        exposures.Add(reader.Exposure(reader.Text(), reader.ReadDouble()));
                    }
                    nodes.Add(new NodeDefinition(nodeId, nodeKind, owner, criticality, services, groups.MoveToImmutable(),
                        exposures.MoveToImmutable(), reader.ReadDouble(), reader.ReadDouble()));
                }
                segments.Add(new SegmentDefinition(segmentId, sector, links, nodes.MoveToImmutable()));
            }
            var sharing = ImmutableArray.CreateBuilder<SharingAgreement>(reader.Count());
            for (var a = sharing.Capacity; a > 0; a--)
            {
                sharing.Add(new SharingAgreement(reader.Text(), TimeSpan.FromTicks(reader.ReadInt64()), (Tlp)reader.Value()));
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

        public void Value(int value) => Write7BitEncodedInt(value);

        // 0: null; 1: a new string follows; n >= 2: the string numbered n - 2.
        public void Text(string? value)
        {
            if (value is null)
            {
                Write7BitEncodedInt(0);
                return;
            }
            if (_strings.TryGetValue(value, out var index))
            {
                Write7BitEncodedInt(index + 2);
                return;
            }
            Write7BitEncodedInt(1);
            Write(value);
            _strings[value] = _strings.Count;
        }

        /// <summary>A list of strings; a default (never assigned) array is written as empty.</summary>
        public void Texts(ImmutableArray<string> values)
        {
            Count(values.IsDefault ? 0 : values.Length);
            foreach (var value in values.IsDefault ? [] : values)
            {
                Text(value);
            }
        }
    }

    private sealed class Reader(Stream stream) : BinaryReader(stream, Encoding.UTF8)
    {
        private readonly List<string> _strings = [];
        // Generated topologies give thousands of nodes the same exposures: one instance each, as the generator made them.
        private readonly Dictionary<(string, double), Exposure> _exposures = [];

        public Exposure Exposure(string technique, double exploitability)
        {
            if (!_exposures.TryGetValue((technique, exploitability), out var exposure))
            {
                _exposures[(technique, exploitability)] = exposure = new Exposure(technique, exploitability);
            }
            return exposure;
        }

        /// <summary>A number that is not a count: an enum value, a criticality.</summary>
        public int Value() => Read7BitEncodedInt();

        /// <summary>A count; every counted item takes at least a byte, so a count past the end is corrupt data.</summary>
        public int Count()
        {
            var value = Read7BitEncodedInt();
            if (value < 0 || value > BaseStream.Length - BaseStream.Position)
            {
                throw new InvalidOperationException($"topology encoding is corrupt: count {value} at byte {BaseStream.Position}");
            }
            return value;
        }

        public string Text()
        {
            var code = Read7BitEncodedInt();
            switch (code)
            {
                case 0:
                    return null!;
                case 1:
                    var value = ReadString();
                    _strings.Add(value);
                    return value;
                default:
                    return code - 2 < _strings.Count
                        ? _strings[code - 2]
                        : throw new InvalidOperationException($"topology encoding is corrupt: string {code - 2} before it was written");
            }
        }

        public ImmutableArray<string> Texts()
        {
            var values = new string[Count()];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = Text();
            }
            return System.Runtime.InteropServices.ImmutableCollectionsMarshal.AsImmutableArray(values);
        }
    }
}
