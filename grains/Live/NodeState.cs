using System.Collections.Immutable;

namespace Bulwark.Grains.Live;

/// <summary>Stored state of a live node grain.</summary>
[GenerateSerializer, Alias("bulwark.node-state")]
public sealed class NodeState
{
    /// <summary>Topology generation this state belongs to.</summary>
    [Id(0)] public long Generation { get; set; }

    /// <summary>The node's definition; null when the node is not in the topology.</summary>
    [Id(1)] public NodeDefinition? Definition { get; set; }

    /// <summary>Nodes that depend on this one.</summary>
    [Id(2)] public ImmutableArray<string> Dependants { get; set; } = [];

    /// <summary>The newest reported status.</summary>
    [Id(3)] public NodeStatus Reported { get; set; }

    /// <summary>Dependencies currently not operational.</summary>
    [Id(4)] public SortedSet<string> FailedDependencies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Newest notice version seen per dependency, so late notices cannot undo newer ones.</summary>
    [Id(5)] public Dictionary<string, long> DependencyVersions { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Time of the newest applied observation.</summary>
    [Id(6)] public DateTimeOffset? LastObserved { get; set; }

    /// <summary>Recent history, oldest first: fewer than twice <see cref="NodeGrain.HistoryLength"/> entries; views show the newest <see cref="NodeGrain.HistoryLength"/>.</summary>
    [Id(7)] public List<HistoryEntry> History { get; set; } = [];

    /// <summary>Increments each time the node's operational state flips; orders notices to dependants.</summary>
    [Id(8)] public long OperationalVersion { get; set; }

    /// <summary>Increments with every change of effective status or operational state; orders the node's briefs.</summary>
    [Id(9)] public long Sequence { get; set; }

    /// <summary>The node is on a dependency cycle of its topology.</summary>
    [Id(10)] public bool InCycle { get; set; }
}
