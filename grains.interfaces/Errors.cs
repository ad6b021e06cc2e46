using System.Collections.Immutable;

namespace Bulwark;

/// <summary>A request named nodes that the world's topology does not have.</summary>
[GenerateSerializer, Alias("bulwark.unknown-nodes")]
public sealed class UnknownNodesException : Exception
{
    /// <summary>Creates the error for <paramref name="world"/> and the ids it lacks.</summary>
    public UnknownNodesException(string world, IReadOnlyCollection<string> nodes)
        : base(Describe(world, nodes))
    {
        World = world;
        Nodes = [.. nodes];
    }

    /// <summary>The world asked.</summary>
    [Id(0)]
    public string World { get; } = "";

    /// <summary>The unknown node ids, sorted.</summary>
    [Id(1)]
    public ImmutableArray<string> Nodes { get; } = [];

    private static string Describe(string world, IReadOnlyCollection<string> nodes)
    {
        if (nodes.Count == 1)
        {
            // As an unknown domain or segment is named.
            return $"unknown node '{nodes.First()}' in world '{world}'";
        }
        var shown = nodes.Take(10).ToList();
        var more = nodes.Count > shown.Count ? $" and {nodes.Count - shown.Count} more" : "";
        return $"unknown nodes in world '{world}': {string.Join(", ", shown)}{more}";
    }
}

/// <summary>A request that cannot be served because the world has no topology loaded.</summary>
[GenerateSerializer, Alias("bulwark.no-topology")]
public sealed class NoTopologyException(string world)
    : Exception($"world '{world}' has no topology loaded; load one first ('bulwark topology load FILE', or BulwarkClient.LoadTopologyAsync)")
{
    /// <summary>The world asked.</summary>
    [Id(0)]
    public string World { get; } = world;
}

/// <summary>Stored data that does not match what was recorded of it (a journal cut short, removed or changed).</summary>
[GenerateSerializer, Alias("bulwark.data-damaged")]
public sealed class DataDamagedException(string message) : Exception(message);

/// <summary>A request whose values are malformed (bad id, unknown status, bad technique id).</summary>
[GenerateSerializer, Alias("bulwark.invalid-request")]
public sealed class InvalidRequestException(string message) : Exception(message);

/// <summary>A request named a domain or segment that the world's topology does not have.</summary>
[GenerateSerializer, Alias("bulwark.unknown-scope")]
public sealed class UnknownScopeException(string world, string scope, string id)
    : Exception($"unknown {scope} '{Echo.Of(id)}'" + (world.Length > 0 ? $" in world '{world}'" : ""))
{
    /// <summary>The world asked.</summary>
    [Id(0)]
    public string World { get; } = world;

    /// <summary><c>domain</c>, <c>segment</c> or <c>run</c>.</summary>
    [Id(1)]
    public string Scope { get; } = scope;

    /// <summary>The id asked for.</summary>
    [Id(2)]
    public string Id { get; } = id;
}
