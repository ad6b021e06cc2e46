using System.Globalization;
using System.Text;
using Bulwark.Grains.Simulation;
using Bulwark.Tests.Support;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// Random small topologies, most with dependency cycles (all-of and any-of, loops inside loops), under random
/// outages, DDoS, isolations with and without a restore, and compromises, run on the reference engine. Each journal
/// is replayed against the dependency rule itself, tick by tick: a node is operational exactly when it is not down,
/// isolated or degraded in itself and its dependencies held a tick before, less the ones the calendar released it
/// from in this tick; and once nothing has changed in itself for a trip round the topology three times over, every
/// node is as the greatest fixed point of the rule has it and nothing moves any more.
/// </summary>
public sealed class CycleReleasePropertyTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    [Theory]
    [InlineData(false, 1UL, 1500)]
    [InlineData(true, 100_001UL, 500)]
    public void Run_RandomCycles_FollowTheRuleAndSettleAsTheFixedPoint(bool rings, ulong firstSeed, int cases)
    {
        var withCycles = 0;
        var releases = 0;
        for (var seed = firstSeed; seed < firstSeed + (ulong)cases; seed++)
        {
            var draw = new Draw(seed);
            var n = 2 + draw.Below(rings ? 10 : 8);
            var topology = TestTopologies.Parse(rings ? RingTopology(draw, n) : RandomTopology(draw, n));
            var nodes = topology.AllNodes.Select(x => x.Id).ToList();
            var injects = Injects(draw, nodes, 1 + draw.Below(6), window: 12);
            var quiet = 3 * nodes.Count + 4;
            var hours = 12 + 8 + quiet + 10;
            var journal = new List<JournalEntry>();
            new ReferenceEngine(TestScenarios.Build(topology, TimeSpan.FromHours(hours), Hour, injects)).Run((_, tick) => journal.AddRange(tick));

            var problem = Replay(topology, journal, hours, quiet);
            Assert.True(problem is null, $"case {seed}: {problem}\n{string.Join("\n", journal)}");
            withCycles += NodeRules.Cycles(topology.AllNodes.ToList()).Count > 0 ? 1 : 0;
            releases += journal.Count(l => l.Kind == "cycle-released");
        }
        // The cases do reach what they are for.
        Assert.True(withCycles > cases / 2, $"{withCycles} of {cases} cases have a cycle");
        Assert.True(releases > cases / 2, $"{releases} releases in {cases} cases");
    }

    /// <summary>A linear congruential generator: the same cases on every machine and every run.</summary>
    private sealed class Draw(ulong seed)
    {
        private ulong _state = seed * 6364136223846793005UL + 1442695040888963407UL;

        public int Below(int n)
        {
            _state = _state * 6364136223846793005UL + 1442695040888963407UL;
            return (int)((_state >> 33) % (ulong)n);
        }
    }

    private const string Header = "domains:\n  - id: A\n    kind: nation\n    segments:\n      - id: s\n        sector: energy\n        nodes:\n";
    private const string Exposed = ", exposures: [{technique: T1190, exploitability: 1}], detection: 1";

    /// <summary>n nodes, each with up to three groups of up to three others, no node named twice by one node.</summary>
    private static string RandomTopology(Draw draw, int n)
    {
        var yaml = new StringBuilder(Header);
        for (var i = 0; i < n; i++)
        {
            var named = new HashSet<int> { i };
            var groups = new List<string>();
            for (var g = draw.Below(4) == 0 ? 1 + draw.Below(3) : draw.Below(3); g > 0; g--)
            {
                var members = Enumerable.Range(0, 1 + draw.Below(3)).Select(_ => draw.Below(n)).Where(named.Add).Select(j => $"n{j}").ToList();
                if (members.Count > 0)
                {
                    groups.Add($"{{{(draw.Below(2) == 0 ? "all-of" : "any-of")}: [{string.Join(", ", members)}]}}");
                }
            }
            var depends = groups.Count == 0 ? "" : $", depends: [{string.Join(", ", groups)}]";
            yaml.Append(CultureInfo.InvariantCulture, $"          - {{id: n{i}, kind: server, owner: civilian{Exposed}{depends}}}\n");
        }
        return yaml.ToString();
    }

    /// <summary>A ring of n (each needs the next) with chords and a feed from outside, and a ring of three that needs it.</summary>
    private static string RingTopology(Draw draw, int n)
    {
        var yaml = new StringBuilder(Header);
        yaml.Append(CultureInfo.InvariantCulture, $"          - {{id: f, kind: server, owner: civilian{Exposed}}}\n");
        for (var i = 0; i < n; i++)
        {
            var next = $"n{(i + 1) % n}";
            var other = $"n{draw.Below(n)}";
            var chord = other != $"n{i}" && other != next;
            var groups = new List<string>
            {
                draw.Below(5) switch
                {
                    0 when chord => $"{{any-of: [{next}, {other}]}}",
                    1 when chord => $"{{all-of: [{next}, {other}]}}",
                    _ => $"{{all-of: [{next}]}}",
                },
            };
            if (draw.Below(4) == 0)
            {
                groups.Add(draw.Below(2) == 0 ? "{all-of: [f]}" : "{any-of: [f, x0]}");
            }
            yaml.Append(CultureInfo.InvariantCulture, $"          - {{id: n{i}, kind: server, owner: civilian{Exposed}, depends: [{string.Join(", ", groups)}]}}\n");
        }
        for (var i = 0; i < 3; i++)
        {
            var depends = draw.Below(2) == 0 ? $"{{all-of: [x{(i + 1) % 3}, n{draw.Below(n)}]}}" : $"{{all-of: [x{(i + 1) % 3}]}}, {{any-of: [n0, n{1 + draw.Below(n - 1)}]}}";
            yaml.Append(CultureInfo.InvariantCulture, $"          - {{id: x{i}, kind: server, owner: civilian{Exposed}, depends: [{depends}]}}\n");
        }
        return yaml.ToString();
    }

    private static List<InjectDefinition> Injects(Draw draw, List<string> nodes, int count, int window)
    {
        var injects = new List<InjectDefinition>();
        for (var i = 0; i < count; i++)
        {
            var node = nodes[draw.Below(nodes.Count)];
            var at = TimeSpan.FromHours(1 + draw.Below(window));
            var hours = 1 + draw.Below(4);
            var id = $"i{i}";
            switch (draw.Below(8))
            {
                case < 3:
                    injects.Add(TestScenarios.Inject(id, at, node, InjectKind.PowerOutage, ("duration", $"{hours}h")));
                    break;
                case 3:
                    injects.Add(TestScenarios.Inject(id, at, node, InjectKind.Ddos, ("duration", $"{hours}h")));
                    break;
                case < 6:
                    injects.Add(TestScenarios.Inject(id, at, node, InjectKind.Isolate));
                    injects.Add(TestScenarios.Inject(id + "-back", at + TimeSpan.FromHours(hours), node, InjectKind.Restore));
                    break;
                case 6:
                    injects.Add(TestScenarios.Inject(id, at, node, InjectKind.Isolate));
                    break;
                default:
                    injects.Add(TestScenarios.Inject(id, at, node, InjectKind.Compromise, ("technique", "T1190")));
                    break;
            }
        }
        return injects;
    }

    /// <summary>Replays a journal against the rule; the first thing that breaks it, or null.</summary>
    private static string? Replay(TopologyDefinition topology, List<JournalEntry> journal, long ticks, int quiet)
    {
        var nodes = topology.AllNodes.ToList();
        var disruptions = nodes.ToDictionary(x => x.Id, _ => new Dictionary<string, string>(StringComparer.Ordinal), StringComparer.Ordinal);
        // Isolated by the controllers (until restored) and contained by the playbook (until recovered or restored).
        var isolated = new HashSet<string>(StringComparer.Ordinal);
        var contained = new HashSet<string>(StringComparer.Ordinal);
        var operational = nodes.ToDictionary(x => x.Id, _ => true, StringComparer.Ordinal);
        var byTick = journal.GroupBy(l => l.Tick).ToDictionary(g => g.Key, g => g.ToList());
        NodeStatus Own(string id) =>
            disruptions[id].Values.Any(kind => kind != "ddos") ? NodeStatus.Down
            : isolated.Contains(id) || contained.Contains(id) ? NodeStatus.Isolated
            : disruptions[id].Count > 0 ? NodeStatus.Degraded
            : NodeStatus.Healthy;
        var lastOwnChange = 0L;
        for (var tick = 0L; tick < ticks; tick++)
        {
            var ownBefore = nodes.Select(x => Own(x.Id)).ToList();
            var before = new Dictionary<string, bool>(operational, StringComparer.Ordinal);
            var lines = byTick.GetValueOrDefault(tick, []);
            foreach (var line in lines)
            {
                var parts = line.Detail.Split(' ');
                switch (line.Kind)
                {
                    case "disrupted":
                        disruptions[line.Entity][parts[2]] = parts[0];
                        break;
                    case "disruption-ended":
                        disruptions[line.Entity].Remove(parts[1]);
                        break;
                    case "isolated":
                        isolated.Add(line.Entity);
                        break;
                    case "contained":
                        contained.Add(line.Entity);
                        break;
                    case "restored":
                        isolated.Remove(line.Entity);
                        contained.Remove(line.Entity);
                        disruptions[line.Entity].Clear();
                        break;
                    case "recovered":
                        contained.Remove(line.Entity);
                        break;
                    case "status":
                        operational[line.Entity] = line.Detail.Contains("operational=yes", StringComparison.Ordinal);
                        break;
                }
            }
            var released = lines.Where(l => l.Kind == "cycle-released").Select(l => (l.Entity, l.Detail)).ToHashSet();
            foreach (var node in nodes)
            {
                var failed = node.Dependencies.SelectMany(g => g.Nodes).Where(d => !before[d] && !released.Contains((node.Id, d))).ToHashSet(StringComparer.Ordinal);
                if (NodeRules.IsOperational(Own(node.Id), NodeRules.DependenciesSatisfied(node.Dependencies, failed)) != operational[node.Id])
                {
                    return $"tick {tick}: {node.Id} operational={operational[node.Id]}, but its dependencies a tick before (failed: {string.Join(", ", failed)}) say otherwise";
                }
            }
            if (!nodes.Select(x => Own(x.Id)).SequenceEqual(ownBefore))
            {
                lastOwnChange = tick;
            }
            if (tick - lastOwnChange >= quiet)
            {
                if (lines.Any(l => l.Kind == "cycle-released") || nodes.Any(x => operational[x.Id] != before[x.Id]))
                {
                    return $"tick {tick}: still moving {quiet} ticks after the last change in itself of any node (tick {lastOwnChange})";
                }
                var down = NodeRules.FailedNodes(nodes, Own);
                if (nodes.FirstOrDefault(x => operational[x.Id] == down.Contains(x.Id)) is { } wrong)
                {
                    return $"tick {tick}: {wrong.Id} operational={operational[wrong.Id]}, but the fixed point says otherwise";
                }
            }
        }
        return null;
    }
}
