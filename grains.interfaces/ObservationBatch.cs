using System.Collections.Immutable;
using System.Runtime.InteropServices;

namespace Bulwark;

/// <summary>
/// Observations in the compact form the ingest path carries them in: each distinct node id and
/// label (technique or source) once, and one small value per observation that points into those
/// tables. A batch of thousands of observations is a handful of objects, so it costs little to
/// send, to split by segment and node, and to hold while it is applied.
/// </summary>
/// <param name="Nodes">Distinct node ids.</param>
/// <param name="Labels">Distinct techniques and sources.</param>
/// <param name="Items">The observations, in the order they were given.</param>
/// <remarks>Sent as <see cref="ObservationBatchWire"/>: its arrays become the batch's without a copy.</remarks>
[Immutable]
public sealed record ObservationBatch(ImmutableArray<string> Nodes, ImmutableArray<string> Labels, ImmutableArray<ObservationItem> Items)
{
    /// <summary>No observations.</summary>
    public static readonly ObservationBatch Empty = new([], [], []);

    /// <summary>The number of observations.</summary>
    public int Count => Items.IsDefault ? 0 : Items.Length;

    /// <summary>The compact form of <paramref name="observations"/>, in the same order.</summary>
    public static ObservationBatch From(IReadOnlyList<Observation> observations)
    {
        var nodes = new Table();
        var labels = new Table();
        var items = ImmutableArray.CreateBuilder<ObservationItem>(observations.Count);
        foreach (var o in observations)
        {
            // A missing node id is kept as an empty one, so that the check names it as not a node id.
            items.Add(new ObservationItem(nodes.IndexOf(o.Node ?? ""), o.Status, o.Time, labels.IndexOf(o.Technique), labels.IndexOf(o.Source)));
        }
        return new ObservationBatch(nodes.ToImmutable(), labels.ToImmutable(), items.MoveToImmutable());
    }

    /// <summary>The observation at <paramref name="index"/>, in full.</summary>
    public Observation this[int index]
    {
        get
        {
            var item = Items[index];
            return new Observation(Nodes[item.Node], item.Status, item.Time, Label(item.Technique), Label(item.Source));
        }
    }

    /// <summary>The label at <paramref name="index"/>, or null for <see cref="ObservationItem.None"/>.</summary>
    public string? Label(int index) => index == ObservationItem.None ? null : Labels[index];

    /// <summary>
    /// True when <see cref="Problems"/> finds nothing. Segments and nodes check each one-node part
    /// they are given with it, which allocates nothing for a part of a few labels; the messages are
    /// only worked out for a batch that fails it.
    /// </summary>
    public bool IsValid()
    {
        if (Nodes.IsDefault || Labels.IsDefault || Items.IsDefault)
        {
            return false;
        }
        if (Nodes.Length != 1)
        {
            // A whole batch, checked once at the ingest grain: the full check says the same.
            return Problems().Count == 0;
        }
        // As in Problems, a node id is wrong only for an observation of it.
        if (Items.Length > 0 && ObservationRules.NodeProblem(Nodes[0]) is not null)
        {
            return false;
        }
        // Per label: 0 not yet checked as a technique (as a source), 1 one, 2 not one.
        Span<byte> techniques = Labels.Length <= 128 ? stackalloc byte[Labels.Length] : new byte[Labels.Length];
        Span<byte> sources = Labels.Length <= 128 ? stackalloc byte[Labels.Length] : new byte[Labels.Length];
        techniques.Clear();
        sources.Clear();
        foreach (var item in Items)
        {
            if ((uint)item.Node >= (uint)Nodes.Length || !ObservationRules.IsStatus(item.Status)
                || (item.Source != ObservationItem.None && (uint)item.Source >= (uint)Labels.Length))
            {
                return false;
            }
            if (item.Source != ObservationItem.None)
            {
                ref var source = ref sources[item.Source];
                if (source == 0)
                {
                    source = ObservationRules.IsSource(Labels[item.Source]) ? (byte)1 : (byte)2;
                }
                if (source == 2)
                {
                    return false;
                }
            }
            if (item.Technique != ObservationItem.None)
            {
                if ((uint)item.Technique >= (uint)Labels.Length)
                {
                    return false;
                }
                ref var known = ref techniques[item.Technique];
                if (known == 0)
                {
                    known = ObservationRules.IsTechnique(Labels[item.Technique]) ? (byte)1 : (byte)2;
                }
                if (known == 2)
                {
                    return false;
                }
            }
        }
        return true;
    }

    /// <summary>
    /// What is wrong with the batch, by observation number (from 1), or an empty list. Each
    /// distinct node id, technique and source is checked once.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (Nodes.IsDefault || Labels.IsDefault || Items.IsDefault)
        {
            problems.Add("the batch is incomplete");
            return problems;
        }
        var nodeProblems = new string?[Nodes.Length];
        // A part for one node, as the ingest path sends each node, needs no check for repeats.
        var seen = Nodes.Length > 1 ? new HashSet<string>(StringComparer.Ordinal) : null;
        for (var i = 0; i < Nodes.Length; i++)
        {
            nodeProblems[i] = ObservationRules.NodeProblem(Nodes[i])
                ?? (seen is null || seen.Add(Nodes[i]) ? null : $"node '{Nodes[i]}' is listed more than once in the batch's nodes");
        }
        var techniqueProblem = CheckedOnce(ObservationRules.TechniqueProblem);
        var sourceProblem = CheckedOnce(ObservationRules.SourceProblem);
        for (var i = 0; i < Items.Length; i++)
        {
            var item = Items[i];
            var problem = (uint)item.Node >= (uint)Nodes.Length ? $"node index {item.Node} is outside the batch's {Nodes.Length} nodes"
                : nodeProblems[item.Node] is { } nodeProblem ? nodeProblem
                : ObservationRules.StatusProblem(item.Status) is { } statusProblem ? statusProblem
                : !InLabels(item.Technique) ? $"technique index {item.Technique} is outside the batch's {Labels.Length} labels"
                : !InLabels(item.Source) ? $"source index {item.Source} is outside the batch's {Labels.Length} labels"
                : (item.Technique == ObservationItem.None ? null : techniqueProblem(item.Technique))
                    ?? (item.Source == ObservationItem.None ? null : sourceProblem(item.Source));
            if (problem is not null)
            {
                problems.Add($"observation {i + 1}: {problem}");
            }
        }
        return problems;

        bool InLabels(int index) => index == ObservationItem.None || (uint)index < (uint)Labels.Length;

        // What a rule says of a label, worked out the first time the label is used in the rule's role.
        Func<int, string?> CheckedOnce(Func<string, string?> rule)
        {
            var problems = new string?[Labels.Length];
            var done = new bool[Labels.Length];
            return index =>
            {
                if (!done[index])
                {
                    done[index] = true;
                    problems[index] = rule(Labels[index]);
                }
                return problems[index];
            };
        }
    }

    /// <summary>
    /// The batch cut into one batch per node, by node index: each has the one node (index 0) and its
    /// observations in their order, in an array of its exact size (counted, then filled). A node without
    /// observations gets <see cref="Empty"/>. The parts share this batch's labels when they are few
    /// (the usual batch names a handful of techniques and sources), and otherwise get only their own.
    /// </summary>
    public ObservationBatch[] ByNode()
    {
        var sizes = new int[Nodes.Length];
        foreach (var item in Items)
        {
            sizes[item.Node]++;
        }
        var arrays = new ObservationItem[Nodes.Length][];
        var filled = new int[Nodes.Length];
        for (var i = 0; i < arrays.Length; i++)
        {
            arrays[i] = sizes[i] == 0 ? [] : new ObservationItem[sizes[i]];
        }
        foreach (var item in Items)
        {
            arrays[item.Node][filled[item.Node]++] = item with { Node = 0 };
        }
        var parts = new ObservationBatch[Nodes.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (sizes[i] == 0)
            {
                parts[i] = Empty;
                continue;
            }
            var items = ImmutableCollectionsMarshal.AsImmutableArray(arrays[i]);
            var node = ImmutableCollectionsMarshal.AsImmutableArray(new[] { Nodes[i] });
            parts[i] = Labels.Length <= SharedLabels ? new ObservationBatch(node, Labels, items) : Part(node, ToFirstNode, items);
        }
        return parts;
    }

    /// <summary>
    /// Up to this many labels, the parts of <see cref="ByNode"/> share the batch's labels: within a
    /// silo the table is passed, not copied, and to another silo it costs a few bytes a label.
    /// </summary>
    public const int SharedLabels = 16;

    /// <summary>Node index 0 of a one-node part stays 0.</summary>
    private static readonly int[] ToFirstNode = [0];

    /// <summary>
    /// A batch of some of this batch's observations, for a part of its nodes: <paramref name="nodes"/>
    /// maps each node index of this batch to the part's (or -1), and the part gets only the labels
    /// its observations use.
    /// </summary>
    public ObservationBatch Part(ImmutableArray<string> partNodes, IReadOnlyList<int> nodes, IReadOnlyList<ObservationItem> items)
    {
        var labels = new Dictionary<int, int>();
        var table = ImmutableArray.CreateBuilder<string>();
        int Label(int index)
        {
            if (index == ObservationItem.None)
            {
                return index;
            }
            if (!labels.TryGetValue(index, out var local))
            {
                labels[index] = local = table.Count;
                table.Add(Labels[index]);
            }
            return local;
        }
        // Sized once and handed over without a copy.
        var partItems = ImmutableArray.CreateBuilder<ObservationItem>(items.Count);
        foreach (var item in items)
        {
            partItems.Add(item with { Node = nodes[item.Node], Technique = Label(item.Technique), Source = Label(item.Source) });
        }
        return new ObservationBatch(partNodes, table.ToImmutable(), partItems.MoveToImmutable());
    }

    /// <summary>Distinct strings in first-seen order.</summary>
    private sealed class Table
    {
        private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
        private readonly ImmutableArray<string>.Builder _values = ImmutableArray.CreateBuilder<string>();

        public int IndexOf(string? value)
        {
            if (value is null)
            {
                return ObservationItem.None;
            }
            if (!_index.TryGetValue(value, out var index))
            {
                _index[value] = index = _values.Count;
                _values.Add(value);
            }
            return index;
        }

        public ImmutableArray<string> ToImmutable() => _values.ToImmutable();
    }
}

/// <summary>One observation of an <see cref="ObservationBatch"/>.</summary>
/// <param name="Node">Index into the batch's nodes.</param>
/// <param name="Status">The status the node is now in.</param>
/// <param name="Time">When the reporter saw it.</param>
/// <param name="Technique">Index into the batch's labels, or <see cref="None"/>.</param>
/// <param name="Source">Index into the batch's labels, or <see cref="None"/>.</param>
[GenerateSerializer, Immutable, Alias("bulwark.observation-item")]
public readonly record struct ObservationItem(
    int Node,
    NodeStatus Status,
    DateTimeOffset Time,
    int Technique,
    int Source)
{
    /// <summary>The label index that stands for no technique or no source.</summary>
    public const int None = -1;
}

/// <summary>
/// The wire form of an <see cref="ObservationBatch"/>: plain arrays, which the serializer reads
/// into arrays of their exact size and the batch then takes over as they are (an immutable array
/// read directly is read into an array first and then copied: a second copy of a batch of
/// thousands, on the large-object heap).
/// </summary>
[GenerateSerializer, Immutable, Alias("bulwark.observation-batch")]
public readonly record struct ObservationBatchWire(
    [property: Id(0)] string[]? Nodes,
    [property: Id(1)] string[]? Labels,
    [property: Id(2)] ObservationItem[]? Items);

/// <summary>Converts an <see cref="ObservationBatch"/> to and from <see cref="ObservationBatchWire"/> for the Orleans serializer.</summary>
[RegisterConverter]
public sealed class ObservationBatchWireConverter : IConverter<ObservationBatch, ObservationBatchWire>
{
    public ObservationBatch ConvertFromSurrogate(in ObservationBatchWire surrogate) => new(
        ImmutableCollectionsMarshal.AsImmutableArray(surrogate.Nodes),
        ImmutableCollectionsMarshal.AsImmutableArray(surrogate.Labels),
        ImmutableCollectionsMarshal.AsImmutableArray(surrogate.Items));

    public ObservationBatchWire ConvertToSurrogate(in ObservationBatch value) => new(
        ImmutableCollectionsMarshal.AsArray(value.Nodes),
        ImmutableCollectionsMarshal.AsArray(value.Labels),
        ImmutableCollectionsMarshal.AsArray(value.Items));
}
