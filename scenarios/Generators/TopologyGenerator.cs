using System.Collections.Immutable;
using System.Globalization;

namespace Bulwark.Scenarios.Generators;

/// <summary>The random-graph model that links generated segments.</summary>
internal enum GraphModel
{
    /// <summary>G(n, p): every pair of segments linked with probability mean-degree / (segments − 1).</summary>
    ErdosRenyi = 0,
    /// <summary>Preferential attachment: each new segment links to <c>m</c> existing ones, chosen in proportion to their degree.</summary>
    BarabasiAlbert = 1,
    /// <summary>Small world: a ring where each segment links to <c>k</c> neighbours on each side, each link rewired with probability <c>beta</c>.</summary>
    WattsStrogatz = 2,
}

/// <summary>What every generated node looks like.</summary>
internal sealed record NodeTemplate(
    NodeKind Kind, Owner Owner, int Criticality, ImmutableArray<string> Services,
    ImmutableArray<Exposure> Exposures, double Detection, double Hardening);

/// <summary>A validated <c>topology.generators</c> entry (see <c>scenarios/README.md</c>).</summary>
internal sealed record GeneratorSpec(
    GraphModel Model, int Nodes, int SegmentSize, int Domains, string Prefix, Sector Sector, ulong Seed,
    NodeTemplate Node, int Dependencies, SharingAgreement? Sharing, double MeanDegree, int M, int K, double Beta)
{
    /// <summary>Segments of <see cref="SegmentSize"/> nodes; the last may be smaller.</summary>
    public int Segments => (int)((Nodes + (long)SegmentSize - 1) / SegmentSize);

    /// <summary>The id of generated domain <paramref name="index"/> (0-based): <c>GEN-1</c>.</summary>
    public string DomainId(int index) => Prefix + "-" + (index + 1).ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Builds synthetic topologies from a seed: the same spec gives the same topology on every machine.
/// Cost is linear in nodes plus links (Erdős–Rényi skips over absent pairs geometrically).
/// </summary>
internal static class TopologyGenerator
{
    public static ImmutableArray<DomainDefinition> Generate(GeneratorSpec spec)
    {
        var rng = new SplitMix64(spec.Seed ^ Fnv1a.Hash64(spec.Prefix));
        var segments = spec.Segments;
        var edges = spec.Model switch
        {
            GraphModel.ErdosRenyi => ErdosRenyi(segments, spec.MeanDegree, rng),
            GraphModel.BarabasiAlbert => BarabasiAlbert(segments, spec.M, rng),
            _ => WattsStrogatz(segments, spec.K, spec.Beta, rng),
        };

        var neighbours = new List<int>[segments];
        for (var i = 0; i < segments; i++)
        {
            neighbours[i] = [];
        }
        foreach (var (a, b) in edges)
        {
            neighbours[a].Add(b);
            neighbours[b].Add(a);
        }

        var segmentIds = new string[segments];
        for (var d = 0; d < spec.Domains; d++)
        {
            var (first, end) = DomainRange(spec, d);
            for (var i = first; i < end; i++)
            {
                segmentIds[i] = spec.DomainId(d) + "/seg-" + (i + 1).ToString(CultureInfo.InvariantCulture);
            }
        }

        var nodeCount = new int[segments];
        for (var i = 0; i < segments; i++)
        {
            nodeCount[i] = (int)Math.Min(spec.SegmentSize, spec.Nodes - ((long)i * spec.SegmentSize));
        }

        // Links are listed in ordinal order of their ids, as the topology reader lists them; ranking
        // the ids once lets each segment sort its links by number.
        var byId = Enumerable.Range(0, segments).ToArray();
        Array.Sort(byId, (x, y) => string.CompareOrdinal(segmentIds[x], segmentIds[y]));
        var rank = new int[segments];
        for (var r = 0; r < segments; r++)
        {
            rank[byId[r]] = r;
        }
        Comparison<int> byRank = (x, y) => rank[x].CompareTo(rank[y]);

        var builtSegments = new SegmentDefinition[segments];
        for (var i = 0; i < segments; i++)
        {
            neighbours[i].Sort();
            var ordered = neighbours[i].ToArray();
            Array.Sort(ordered, byRank);
            var links = ImmutableArray.CreateBuilder<string>(ordered.Length);
            foreach (var j in ordered)
            {
                links.Add(segmentIds[j]);
            }
            var nodes = ImmutableArray.CreateBuilder<NodeDefinition>(nodeCount[i]);
            var candidates = 0;
            foreach (var j in neighbours[i])
            {
                candidates += nodeCount[j];
            }
            for (var n = 1; n <= nodeCount[i]; n++)
            {
                var dependencies = spec.Dependencies > 0 && candidates > 0
                    ? [new DependencyGroup(DependencyMode.AnyOf, DrawDependencies(spec.Dependencies, candidates, neighbours[i], nodeCount, segmentIds, rng))]
                    : ImmutableArray<DependencyGroup>.Empty;
                nodes.Add(new NodeDefinition(
                    segmentIds[i] + "/n-" + n.ToString(CultureInfo.InvariantCulture),
                    spec.Node.Kind, spec.Node.Owner, spec.Node.Criticality, spec.Node.Services, dependencies,
                    spec.Node.Exposures, spec.Node.Detection, spec.Node.Hardening));
            }
            builtSegments[i] = new SegmentDefinition(segmentIds[i], spec.Sector, links.MoveToImmutable(), nodes.MoveToImmutable());
        }

        var domains = ImmutableArray.CreateBuilder<DomainDefinition>(spec.Domains);
        for (var d = 0; d < spec.Domains; d++)
        {
            var (first, end) = DomainRange(spec, d);
            var sharing = spec.Sharing is { } s
                ? [.. Enumerable.Range(0, spec.Domains).Where(p => p != d).Select(p => s with { Partner = spec.DomainId(p) })]
                : ImmutableArray<SharingAgreement>.Empty;
            domains.Add(new DomainDefinition(spec.DomainId(d), spec.DomainId(d), DomainKind.Nation,
                [.. builtSegments[first..end]], sharing));
        }
        return domains.MoveToImmutable();
    }

    /// <summary>Segments [first, end) of domain <paramref name="d"/>: contiguous, sizes differing by at most one.</summary>
    private static (int First, int End) DomainRange(GeneratorSpec spec, int d) =>
        ((int)((long)d * spec.Segments / spec.Domains), (int)((long)(d + 1) * spec.Segments / spec.Domains));

    private static ImmutableArray<string> DrawDependencies(int wanted, int candidates, List<int> neighbours,
        int[] nodeCount, string[] segmentIds, SplitMix64 rng)
    {
        var picked = new List<int>(Math.Min(wanted, candidates));
        if (wanted >= candidates)
        {
            picked.AddRange(Enumerable.Range(0, candidates));
        }
        else
        {
            while (picked.Count < wanted)
            {
                var index = rng.Below(candidates);
                if (!picked.Contains(index))
                {
                    picked.Add(index);
                }
            }
            picked.Sort();
        }
        var ids = ImmutableArray.CreateBuilder<string>(picked.Count);
        var segment = 0;
        var offset = 0;
        foreach (var index in picked)
        {
            while (index >= offset + nodeCount[neighbours[segment]])
            {
                offset += nodeCount[neighbours[segment]];
                segment++;
            }
            ids.Add(segmentIds[neighbours[segment]] + "/n-" + (index - offset + 1).ToString(CultureInfo.InvariantCulture));
        }
        return ids.MoveToImmutable();
    }

    /// <summary>
    /// G(n, p) by geometric skipping (Batagelj and Brandes, 2005): the gap to the next linked pair is
    /// drawn directly, so the cost is proportional to the links, not to the n² pairs.
    /// </summary>
    private static List<(int, int)> ErdosRenyi(int n, double meanDegree, SplitMix64 rng)
    {
        var edges = new List<(int, int)>();
        if (n < 2 || meanDegree <= 0)
        {
            return edges;
        }
        var p = meanDegree / (n - 1);
        if (p >= 1)
        {
            for (var v = 1; v < n; v++)
            {
                for (var w = 0; w < v; w++)
                {
                    edges.Add((v, w));
                }
            }
            return edges;
        }
        var logQ = PortableMath.Log(1 - p);
        var pairs = (double)n * n;
        long row = 1;
        long column = -1;
        while (row < n)
        {
            var skip = PortableMath.Log(1 - rng.Unit()) / logQ;
            if (skip >= pairs)
            {
                break;
            }
            column += 1 + (long)Math.Floor(skip);
            while (column >= row && row < n)
            {
                column -= row;
                row++;
            }
            if (row < n)
            {
                edges.Add(((int)row, (int)column));
            }
        }
        return edges;
    }

    /// <summary>Starts from a clique of m + 1 segments; each later segment links to m distinct earlier ones, picked in proportion to degree.</summary>
    private static List<(int, int)> BarabasiAlbert(int n, int m, SplitMix64 rng)
    {
        var edges = new List<(int, int)>();
        var core = (int)Math.Min(n, (long)m + 1);
        // Each edge's two ends: drawing a uniform entry picks a segment in proportion to its degree.
        var ends = new List<int>();
        for (var v = 1; v < core; v++)
        {
            for (var w = 0; w < v; w++)
            {
                edges.Add((v, w));
                ends.Add(v);
                ends.Add(w);
            }
        }
        var targets = new List<int>(m);
        for (var v = core; v < n; v++)
        {
            targets.Clear();
            while (targets.Count < m)
            {
                var w = ends[rng.Below(ends.Count)];
                if (!targets.Contains(w))
                {
                    targets.Add(w);
                }
            }
            foreach (var w in targets)
            {
                edges.Add((v, w));
                ends.Add(v);
                ends.Add(w);
            }
        }
        return edges;
    }

    /// <summary>A ring lattice of k neighbours on each side; each lattice link is rewired, with probability beta, to a random segment it does not already reach.</summary>
    private static List<(int, int)> WattsStrogatz(int n, int k, double beta, SplitMix64 rng)
    {
        var edges = new List<(int A, int B)>();
        var present = new HashSet<long>();
        var degree = new int[n];
        long Key(int a, int b) => a < b ? ((long)a * n) + b : ((long)b * n) + a;
        for (var j = 1; j <= k; j++)
        {
            for (var v = 0; v < n; v++)
            {
                var w = (int)((v + (long)j) % n);
                if (w != v && present.Add(Key(v, w)))
                {
                    edges.Add((v, w));
                    degree[v]++;
                    degree[w]++;
                }
            }
        }
        // Lattice links in the order Watts and Strogatz visit them: by distance j, then around the ring.
        for (var i = 0; i < edges.Count; i++)
        {
            var (v, old) = edges[i];
            if (degree[v] >= n - 1 || !rng.Chance(beta))
            {
                continue;
            }
            int w;
            do
            {
                w = rng.Below(n);
            }
            while (w == v || present.Contains(Key(v, w)));
            present.Remove(Key(v, old));
            present.Add(Key(v, w));
            degree[old]--;
            degree[w]++;
            edges[i] = (v, w);
        }
        return edges;
    }
}
