using Bulwark.Client;

namespace Bulwark.Tests.Live;

/// <summary>Recounts a world's posture from its node states, for comparison with the incremental aggregates.</summary>
internal static class Recount
{
    public static async Task<Dictionary<string, NodeView>> NodesAsync(BulwarkClient client, TopologyDefinition topology)
    {
        var views = await Task.WhenAll(topology.AllNodes.Select(n => client.GetNodeAsync(n.Id)));
        return views.ToDictionary(v => v.Definition.Id, StringComparer.Ordinal);
    }

    public static PostureTally Of(IEnumerable<NodeView> nodes) =>
        nodes.Aggregate(PostureTally.Empty, (t, n) => t.Plus(PostureTally.Of(n.Status, n.Operational, n.Definition.Criticality)));

    /// <summary>Null when every aggregate equals the recount; else what differs.</summary>
    public static async Task<string?> DifferenceAsync(BulwarkClient client, TopologyDefinition topology)
    {
        var nodes = await NodesAsync(client, topology);
        var alliance = await client.GetAlliancePostureAsync();
        if (!alliance.Tally.Equals(Of(nodes.Values)))
        {
            return $"alliance {Show(alliance.Tally)} != recount {Show(Of(nodes.Values))}";
        }
        foreach (var domain in topology.Domains)
        {
            var posture = await client.GetDomainPostureAsync(domain.Id);
            var expected = Of(domain.Segments.SelectMany(s => s.Nodes).Select(n => nodes[n.Id]));
            if (!posture.Tally.Equals(expected))
            {
                return $"domain {domain.Id} {Show(posture.Tally)} != recount {Show(expected)}";
            }
            foreach (var segment in domain.Segments)
            {
                var segmentPosture = await client.GetSegmentPostureAsync(segment.Id);
                var segmentExpected = Of(segment.Nodes.Select(n => nodes[n.Id]));
                if (!segmentPosture.Tally.Equals(segmentExpected))
                {
                    return $"segment {segment.Id} {Show(segmentPosture.Tally)} != recount {Show(segmentExpected)}";
                }
            }
        }
        return null;
    }

    public static string Show(PostureTally t) =>
        $"[{string.Join(",", t.ByStatus)}] op {t.OperationalWeight}/{t.TotalWeight}";
}
