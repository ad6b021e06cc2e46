using System.Collections.Immutable;
using System.Globalization;
using Bulwark.Scenarios.Generators;
using Bulwark.Scenarios.Yaml;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Scenarios;

/// <summary>
/// Reads the exercise part of the scenario language (see <c>scenarios/README.md</c>): metadata,
/// the topology (included, inline and generated), extra sharing, playbooks, the adversary, the
/// MSEL, objectives and variants. Each variant is resolved to a full definition and checked like
/// the base; every problem is reported with its location.
/// </summary>
internal sealed class ScenarioReader(YamlReader r, string baseDirectory)
{
    private static readonly TimeSpan DefaultTick = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan DefaultSpreadMin = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan DefaultSpreadMax = TimeSpan.FromHours(1);

    private enum TargetKind
    {
        Domain,
        Segment,
        Node,
    }

    private enum SharingChange
    {
        Keep,
        None,
        Replace,
    }

    private sealed record RawSharing(YamlNode FromAt, string From, YamlNode PartnerAt, string Partner, TimeSpan Delay, Tlp Tlp);

    private sealed record ParameterEntry(string Key, YamlNode KeyAt, YamlNode ValueAt, string Value);

    /// <summary>An inject as written; <see cref="Offset"/> is from <see cref="After"/>'s time, or from 0. Null fields were bad.</summary>
    private sealed record RawInject(
        YamlMappingNode At, string Id, YamlNode? TimeAt, TimeSpan? Offset, YamlNode? AfterAt, string? After,
        YamlNode? TargetAt, string? Target, InjectKind? Kind, ImmutableSortedDictionary<string, string>? Parameters,
        string? ExpectedAction, string? Notes, bool Valid);

    private sealed record RawObjective(YamlNode CheckAt, string? Id, string Text, ObjectiveGrammar.Parsed? Parsed);

    private sealed record PlaybookEntry(YamlNode KeyAt, string Key, PlaybookPatch Patch);

    private sealed record Adversary(YamlNode? At, TimeSpan? Min, TimeSpan? Max);

    private sealed record RawVariant(
        YamlNode NameAt, string Name, string? Description, YamlNode? SeedAt, ulong? Seed, YamlNode? DurationAt, TimeSpan? Duration,
        SharingChange Sharing, List<RawSharing> SharingList, List<PlaybookEntry> Playbooks, Adversary? Adversary,
        Dictionary<string, YamlNode> Removed, List<RawInject> Injects);

    /// <summary>Everything one definition (the base or a variant) is built from.</summary>
    private sealed record Spec(
        string? Variant, string Description, ulong? Seed, TimeSpan? Duration, YamlNode? VariantDurationAt,
        bool ReplaceSharing, List<RawSharing> Sharing, List<PlaybookEntry> Playbooks, Adversary Adversary,
        List<RawInject> Injects, int BaseInjects, Dictionary<string, YamlNode> Removed);

    private TimeSpan? _tick = DefaultTick;
    private TopologyDefinition? _topology;
    private Dictionary<string, TargetKind> _targets = new(StringComparer.Ordinal);

    /// <summary>Reads the scenario in <paramref name="text"/>; null when anything is wrong (see <see cref="YamlReader.Diagnostics"/>).</summary>
    public ScenarioSet? Read(string text)
    {
        if (r.Parse(text) is not { } root || r.Mapping(root, "a scenario file") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "scenario", "name", "description", "author", "tlp", "seed", "duration", "tick", "topology",
            "sharing", "playbooks", "adversary", "injects", "objectives", "variants");
        var name = f.Required("name") is { } nameNode ? r.Name(nameNode, "name") : null;
        if (name is not null && string.IsNullOrWhiteSpace(name))
        {
            r.Error(f.Get("name")!, "'name' is empty; reports and run lists show it");
            name = null;
        }
        var description = f.Get("description") is { } d ? r.String(d, "description") : "";
        var author = f.Get("author") is { } a ? r.String(a, "author") : "";
        var tlp = f.Get("tlp") is { } tlpNode ? r.Enum<Tlp>(tlpNode, "tlp") : Tlp.Amber;
        var seed = f.Required("seed") is { } seedNode ? r.UInt64(seedNode, "seed") : null;
        _tick = f.Get("tick") is { } tickNode ? PositiveDuration(tickNode, "tick") : DefaultTick;
        var durationNode = f.Required("duration");
        var duration = durationNode is null ? null : ExerciseDuration(durationNode);

        if (f.Required("topology") is { } topologyNode)
        {
            ReadTopology(topologyNode, seed, name ?? "");
        }
        var sharing = ReadSharingList(f.Get("sharing"));
        var playbooks = ReadPlaybooks(f.Get("playbooks"));
        var adversary = ReadAdversary(f.Get("adversary"));
        var injects = ReadInjects(f.Get("injects"), []);
        var objectives = ReadObjectives(f.Get("objectives"));
        var variants = ReadVariants(f.Get("variants"), injects);

        if (_topology is not null)
        {
            foreach (var inject in injects.Concat(variants.SelectMany(v => v.Injects)))
            {
                CheckTarget(inject);
            }
            foreach (var objective in objectives)
            {
                CheckScope(objective);
            }
        }

        var metadata = name is null || author is null || tlp is null ? null : new ScenarioMetadata(name, description ?? "", author, tlp.Value);
        var baseSpec = new Spec(null, description ?? "", seed, duration, null, false, sharing, playbooks, adversary,
            injects, injects.Count, []);
        var baseDefinition = Build(baseSpec, metadata, objectives);
        var built = new List<(string Name, ScenarioDefinition? Definition)>();
        foreach (var variant in variants)
        {
            var spec = new Spec(
                variant.Name,
                variant.Description ?? description ?? "",
                variant.SeedAt is null ? seed : variant.Seed,
                variant.DurationAt is null ? duration : variant.Duration,
                variant.DurationAt,
                variant.Sharing != SharingChange.Keep,
                variant.Sharing == SharingChange.Keep ? sharing : variant.SharingList,
                MergePlaybooks(playbooks, variant.Playbooks),
                variant.Adversary is { } over ? new Adversary(over.At ?? adversary.At, over.Min ?? adversary.Min, over.Max ?? adversary.Max) : adversary,
                [.. injects.Where(i => !variant.Removed.ContainsKey(i.Id)), .. variant.Injects],
                injects.Count(i => !variant.Removed.ContainsKey(i.Id)),
                variant.Removed);
            built.Add((variant.Name, Build(spec, metadata, objectives)));
        }

        if (r.HasErrors || baseDefinition is null || built.Any(v => v.Definition is null))
        {
            return null;
        }
        return new ScenarioSet(baseDefinition, built.ToImmutableSortedDictionary(v => v.Name, v => v.Definition!, StringComparer.Ordinal));
    }

    private TimeSpan? PositiveDuration(YamlNode node, string field)
    {
        var value = r.Duration(node, field);
        if (value is { } v && v <= TimeSpan.Zero)
        {
            r.Error(node, $"'{field}' must be longer than 0s");
            return null;
        }
        return value;
    }

    /// <summary>
    /// True when <paramref name="value"/> is a whole number of ticks (or the tick is unknown); else reports it at
    /// <paramref name="at"/> as <paramref name="what"/>. Every time and length in an exercise is whole ticks.
    /// </summary>
    private bool OnTicks(YamlNode at, string what, TimeSpan value)
    {
        if (_tick is not { } tick || value.Ticks % tick.Ticks == 0)
        {
            return true;
        }
        r.Error(at, $"{what} {Duration.Format(value)} is not a whole number of ticks ({Duration.Format(tick)})");
        return false;
    }

    /// <summary>A delay or the length of an effect, which must be a whole number of ticks like every time in an exercise.</summary>
    private TimeSpan? TickDuration(YamlNode node, string field) =>
        r.Duration(node, field) is { } value && OnTicks(node, $"'{field}'", value) ? value : null;

    /// <summary>A positive duration that is a whole number of ticks.</summary>
    private TimeSpan? ExerciseDuration(YamlNode node)
    {
        var value = PositiveDuration(node, "duration");
        return value is { } v && !OnTicks(node, "'duration'", v) ? null : value;
    }

    private void ReadTopology(YamlNode node, ulong? seed, string scenarioName)
    {
        if (r.Mapping(node, "'topology'") is not { } map)
        {
            return;
        }
        var f = r.Fields(map, "topology", "include", "domains", "generators");
        if (!f.Has("include") && !f.Has("domains") && !f.Has("generators"))
        {
            r.Error(map, "'topology' needs at least one of 'include', 'domains' or 'generators'");
            return;
        }
        var mark = r.Diagnostics.Count;
        var external = new List<(DomainDefinition Domain, string Origin)>();
        // Where each domain id was first seen, as the end of "duplicate domain id 'X' (first ...)".
        var origins = new Dictionary<string, string>(StringComparer.Ordinal);
        string? includedName = null;
        if (f.Get("include") is { } includeNode)
        {
            var includes = includeNode is YamlSequenceNode ? r.Items(includeNode, "include") : [includeNode];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in includes)
            {
                if (r.String(item, "include") is not { } text)
                {
                    continue;
                }
                if (!seen.Add(text))
                {
                    r.Error(item, $"topology '{Echo.Of(text)}' is included twice");
                    continue;
                }
                if (Include(item, text) is not { } included)
                {
                    continue;
                }
                includedName ??= included.Name;
                foreach (var domain in included.Domains)
                {
                    if (origins.TryGetValue(domain.Id, out var first))
                    {
                        r.Error(item, $"duplicate domain id '{domain.Id}' (first {first})");
                        continue;
                    }
                    origins[domain.Id] = "in " + text;
                    external.Add((domain, text));
                }
            }
        }

        var inline = f.Get("domains") is { } domainsNode ? TopologyReader.ReadDomains(r, domainsNode) : [];
        var topology = TopologyReader.Resolve(r, inline, includedName ?? scenarioName, external, mark);
        if (topology is not null)
        {
            foreach (var domain in inline)
            {
                origins.TryAdd(domain.Id, $"at line {domain.At.Start.Line}");
            }
        }

        var generated = new List<DomainDefinition>();
        var specs = new List<(YamlNode Item, GeneratorSpec Spec, YamlNode PrefixAt)>();
        long generatedNodes = 0;
        foreach (var item in r.Items(f.Get("generators"), "generators"))
        {
            if (GeneratorReader.Read(r, item, seed, out var prefixAt) is { } spec)
            {
                specs.Add((item, spec, prefixAt));
                // The bound holds for all generators together, not only for each; checked before any of them runs.
                var before = generatedNodes;
                generatedNodes += spec.Nodes;
                if (before <= GeneratorReader.MaxNodes && generatedNodes > GeneratorReader.MaxNodes)
                {
                    r.Error(item, string.Create(CultureInfo.InvariantCulture,
                        $"the generators make more than {GeneratorReader.MaxNodes:N0} nodes together ({generatedNodes:N0} with this one)"));
                }
            }
        }
        foreach (var (item, spec, prefixAt) in generatedNodes > GeneratorReader.MaxNodes ? [] : specs)
        {
            var clash = false;
            for (var i = 0; i < spec.Domains; i++)
            {
                if (origins.TryGetValue(spec.DomainId(i), out var first))
                {
                    r.Error(prefixAt, $"duplicate domain id '{spec.DomainId(i)}' (first {first})");
                    clash = true;
                    break;
                }
            }
            if (clash)
            {
                continue;
            }
            for (var i = 0; i < spec.Domains; i++)
            {
                origins[spec.DomainId(i)] = $"from the generator at line {item.Start.Line}";
            }
            generated.AddRange(TopologyGenerator.Generate(spec));
        }

        if (topology is null || r.Diagnostics.Count > mark)
        {
            return;
        }
        if (topology.Domains.IsEmpty && generated.Count == 0)
        {
            r.Error(map, "the topology has no domains");
            return;
        }
        _topology = topology with { Domains = [.. topology.Domains, .. generated] };
        _targets = new Dictionary<string, TargetKind>(StringComparer.Ordinal);
        foreach (var domain in _topology.Domains)
        {
            _targets[domain.Id] = TargetKind.Domain;
            foreach (var segment in domain.Segments)
            {
                _targets[segment.Id] = TargetKind.Segment;
                foreach (var n in segment.Nodes)
                {
                    _targets[n.Id] = TargetKind.Node;
                }
            }
        }
    }

    /// <summary>The most injects a cycle's message names; a longer cycle is shortened in the middle.</summary>
    private const int CycleNamesShown = 8;

    /// <summary>
    /// The cycle from its <paramref name="from"/>-th inject round to it again: <c>a -> b -> a</c>; a long one as
    /// <c>a -> b -> c -> d -> … -> x -> y -> z -> a (26 injects)</c>, so that every inject's message stays short.
    /// </summary>
    private static string CyclePath(List<RawInject> cycle, int from)
    {
        // The j-th name of the path from it round to it again (cycle.Count + 1 names); only those shown are made.
        string Name(int j) => cycle[(from + j) % cycle.Count].Id;
        if (cycle.Count <= CycleNamesShown)
        {
            return string.Join(" -> ", Enumerable.Range(0, cycle.Count + 1).Select(Name));
        }
        var half = CycleNamesShown / 2;
        return string.Join(" -> ", Enumerable.Range(0, half).Select(Name)) + " -> … -> "
            + string.Join(" -> ", Enumerable.Range(cycle.Count + 1 - half, half).Select(Name))
            + string.Create(CultureInfo.InvariantCulture, $" ({cycle.Count:N0} injects)");
    }

    /// <summary>Loads an included topology file; its own errors are reported in that file.</summary>
    private TopologyDefinition? Include(YamlNode at, string text)
    {
        var path = baseDirectory.Length == 0 ? text : Path.Combine(baseDirectory, text);
        if (Directory.Exists(path))
        {
            r.Error(at, $"included topology '{Echo.Of(text)}' is a directory, not a file");
            return null;
        }
        if (!File.Exists(path))
        {
            r.Error(at, $"included topology '{Echo.Of(text)}' does not exist");
            return null;
        }
        if (string.Equals(Path.GetFullPath(path), Path.GetFullPath(r.File), StringComparison.Ordinal))
        {
            r.Error(at, $"the scenario includes itself ('{Echo.Of(text)}'); 'include' takes topology files");
            return null;
        }
        // Read as any file given on the command line is: UTF-8 only, and bounded; a problem is located in the included file.
        if (!SourceFile.TryRead(path, out var content, out var problem))
        {
            r.Report(problem!);
            return null;
        }
        var result = TopologyFile.Parse(content, path);
        foreach (var diagnostic in result.Diagnostics)
        {
            r.Report(diagnostic);
        }
        return result.Value;
    }

    private List<RawSharing> ReadSharingList(YamlNode? node)
    {
        var list = new List<RawSharing>();
        foreach (var item in r.Items(node, "sharing"))
        {
            if (r.Mapping(item, "a sharing agreement") is not { } map)
            {
                continue;
            }
            var f = r.Fields(map, "sharing agreement", "from", "partner", "delay", "tlp");
            var fromAt = f.Required("from");
            var from = fromAt is null ? null : r.Id(fromAt, "from");
            var partnerAt = f.Required("partner");
            var partner = partnerAt is null ? null : r.Id(partnerAt, "partner");
            var delay = f.Get("delay") is { } delayNode ? TickDuration(delayNode, "delay") : TimeSpan.Zero;
            var tlp = f.Get("tlp") is { } tlpNode ? r.Enum<Tlp>(tlpNode, "tlp") : Tlp.Amber;
            if (from is not null && partner is not null && delay is not null && tlp is not null)
            {
                list.Add(new RawSharing(fromAt!, from, partnerAt!, partner, delay.Value, tlp.Value));
            }
        }
        return list;
    }

    private List<PlaybookEntry> ReadPlaybooks(YamlNode? node)
    {
        var entries = new List<PlaybookEntry>();
        if (node is null || r.Mapping(node, "'playbooks'") is not { } map)
        {
            return entries;
        }
        foreach (var (keyNode, value) in map.Children)
        {
            if (!r.IsMergeKey(keyNode, "'playbooks'") && r.String(keyNode, "playbook key") is { } key)
            {
                entries.Add(new PlaybookEntry(keyNode, key, PlaybookPatch.Read(r, value, TickDuration)));
            }
        }
        return entries;
    }

    /// <summary>A variant's entries over the base's: same keys merge field by field, new keys follow.</summary>
    private static List<PlaybookEntry> MergePlaybooks(List<PlaybookEntry> under, List<PlaybookEntry> over)
    {
        var merged = under.Select(u => over.FirstOrDefault(o => o.Key == u.Key) is { } o ? u with { Patch = u.Patch.Then(o.Patch) } : u).ToList();
        merged.AddRange(over.Where(o => !under.Any(u => u.Key == o.Key)));
        return merged;
    }

    private Adversary ReadAdversary(YamlNode? node)
    {
        if (node is null || r.Mapping(node, "'adversary'") is not { } map)
        {
            return new Adversary(null, null, null);
        }
        var f = r.Fields(map, "adversary", "spread-delay");
        if (f.Get("spread-delay") is not { } spreadNode || r.Mapping(spreadNode, "'spread-delay'") is not { } spread)
        {
            return new Adversary(null, null, null);
        }
        var s = r.Fields(spread, "spread-delay", "min", "max");
        return new Adversary(spread,
            s.Get("min") is { } min ? TickDuration(min, "min") : null,
            s.Get("max") is { } max ? TickDuration(max, "max") : null);
    }

    /// <summary>Reads a list of injects; ids already in <paramref name="taken"/> (and repeats within the list) are errors.</summary>
    private List<RawInject> ReadInjects(YamlNode? node, IReadOnlyList<RawInject> taken)
    {
        var injects = new List<RawInject>();
        var first = taken.ToDictionary(i => i.Id, i => i.At, StringComparer.Ordinal);
        foreach (var item in r.Items(node, "injects"))
        {
            if (ReadInject(item) is not { } inject)
            {
                continue;
            }
            if (first.TryGetValue(inject.Id, out var at))
            {
                r.ErrorAgain(item, at, $"duplicate inject id '{inject.Id}' (first at line {at.Start.Line})");
                continue;
            }
            first[inject.Id] = inject.At;
            injects.Add(inject);
        }
        return injects;
    }

    private RawInject? ReadInject(YamlNode node)
    {
        if (r.Mapping(node, "an inject") is not { } map)
        {
            return null;
        }
        var f = r.Fields(map, "inject", "id", "time", "after", "target", "kind", "parameters", "expected-action", "notes");
        var id = f.Required("id") is { } idNode ? r.Id(idNode, "inject id") : null;
        if (id is not null && id.StartsWith(HandInject.IdPrefix, StringComparison.Ordinal))
        {
            // A run names the injects given by hand hand-1, hand-2, ...: one of the file's under such a name would be taken for one.
            r.Error(f.Get("id")!, $"inject id '{id}': ids beginning with '{HandInject.IdPrefix}' are kept for injects given by hand during a run");
        }
        var afterAt = f.Get("after");
        var after = afterAt is null ? null : r.Id(afterAt, "after");
        var timeAt = afterAt is null ? f.Required("time") : f.Get("time");
        TimeSpan? offset = timeAt is null ? (afterAt is null ? null : TimeSpan.Zero) : r.Duration(timeAt, "time");
        if (offset is { } o && !OnTicks(timeAt!, "inject time", o))
        {
            offset = null;
        }
        var targetAt = f.Required("target");
        var target = targetAt is null ? null : r.String(targetAt, "target");
        var kindAt = f.Required("kind");
        var kind = kindAt is null ? null : r.Enum<InjectKind>(kindAt, "inject kind");
        var parameters = ReadParameters(f.Get("parameters"), kind, kindAt ?? map);
        var expected = f.Get("expected-action") is { } e ? r.String(e, "expected-action") : null;
        var notes = f.Get("notes") is { } n ? r.String(n, "notes") : null;
        if (id is null)
        {
            return null;
        }
        var valid = offset is not null && (afterAt is null || after is not null) && target is not null && kind is not null
            && parameters is not null && (f.Get("expected-action") is null || expected is not null) && (f.Get("notes") is null || notes is not null);
        return new RawInject(map, id, timeAt, offset, afterAt, after, targetAt, target, kind, parameters, expected, notes, valid);
    }

    /// <summary>
    /// Reads <c>parameters</c> (scalars, or lists joined with commas) and checks them with
    /// <see cref="InjectRules.Problems"/>, each problem at the key it is about, or at the mapping.
    /// </summary>
    private ImmutableSortedDictionary<string, string>? ReadParameters(YamlNode? node, InjectKind? kind, YamlNode kindAt)
    {
        var entries = new List<ParameterEntry>();
        var bad = new List<string>();
        var ok = true;
        if (node is not null)
        {
            if (r.Mapping(node, "'parameters'") is not { } map)
            {
                return null;
            }
            foreach (var (keyNode, value) in map.Children)
            {
                if (r.IsMergeKey(keyNode, "'parameters'") || r.String(keyNode, "parameter name") is not { } key)
                {
                    ok = false;
                    continue;
                }
                if (ParameterValue(key, value) is { } text)
                {
                    entries.Add(new ParameterEntry(key, keyNode, value, text));
                }
                else
                {
                    bad.Add(key);
                    ok = false;
                }
            }
        }
        var parameters = entries.ToImmutableSortedDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (kind is not { } k)
        {
            return null;
        }
        var missing = InjectRules.Problems(k, ImmutableSortedDictionary<string, string>.Empty, _tick).ToHashSet(StringComparer.Ordinal);
        // A parameter whose value could not be read is there all the same: it is not missing.
        var present = bad.SelectMany(key => missing.Except(InjectRules.Problems(k, new Dictionary<string, string> { [key] = "" }, _tick))).ToHashSet(StringComparer.Ordinal);
        var problems = InjectRules.Problems(k, parameters, _tick).Where(p => !present.Contains(p)).ToList();
        if (problems.Count == 0)
        {
            return ok ? parameters : null;
        }
        var (required, optional) = InjectRules.Names(k);
        var perEntry = entries.Select(e => InjectRules.Problems(k, new Dictionary<string, string>(StringComparer.Ordinal) { [e.Key] = e.Value }, _tick)
            .Where(p => !missing.Contains(p)).ToList()).ToList();
        foreach (var problem in problems)
        {
            var index = missing.Contains(problem) ? -1 : perEntry.FindIndex(list => list.Contains(problem));
            if (index < 0)
            {
                r.Error(node ?? kindAt, problem);
                continue;
            }
            perEntry[index].Remove(problem);
            var entry = entries[index];
            r.Error(required.Contains(entry.Key) || optional.Contains(entry.Key) ? entry.ValueAt : entry.KeyAt, problem);
        }
        return null;
    }

    private string? ParameterValue(string key, YamlNode value)
    {
        switch (value)
        {
            case YamlScalarNode scalar when !YamlReader.IsNull(scalar):
                return scalar.Value;
            case YamlScalarNode:
                r.Error(value, $"parameter '{Echo.Of(key)}' has no value");
                return null;
            case YamlSequenceNode list when list.Children.All(c => c is YamlScalarNode && !YamlReader.IsNull(c)):
                return string.Join(",", list.Children.Select(c => ((YamlScalarNode)c).Value));
            default:
                r.Error(value, $"parameter '{Echo.Of(key)}' must be a value or a list of values");
                return null;
        }
    }

    private void CheckTarget(RawInject inject)
    {
        if (inject.Target is not { } target || inject.TargetAt is not { } at)
        {
            return;
        }
        if (!_targets.TryGetValue(target, out var kind))
        {
            r.Error(at, $"unknown target '{Echo.Of(target)}'");
        }
        else if (inject.Kind is { } k && InjectRules.TargetsDomain(k) && kind != TargetKind.Domain)
        {
            r.Error(at, $"{WireNames.Of(k)} must target a domain, not {(kind == TargetKind.Node ? "node" : "segment")} '{target}'");
        }
    }

    private List<RawObjective> ReadObjectives(YamlNode? node)
    {
        var objectives = new List<RawObjective>();
        var ids = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        foreach (var item in r.Items(node, "objectives"))
        {
            if (r.Mapping(item, "an objective") is not { } map)
            {
                continue;
            }
            var f = r.Fields(map, "objective", "id", "check", "description");
            var id = f.Required("id") is { } idNode ? r.Id(idNode, "objective id") : null;
            if (id is not null && !ids.TryAdd(id, map))
            {
                r.ErrorAgain(map, ids[id], $"duplicate objective id '{id}' (first at line {ids[id].Start.Line})");
                id = null;
            }
            if (f.Get("description") is { } d)
            {
                r.String(d, "description");
            }
            if (f.Required("check") is not { } checkNode || r.String(checkNode, "check") is not { } text)
            {
                continue;
            }
            var problems = new List<string>();
            var parsed = ObjectiveGrammar.Parse(text, problems);
            foreach (var problem in problems)
            {
                r.Error(checkNode, problem);
            }
            // Capability is known at ticks: a time between two would be judged at neither.
            if (parsed is { Kind: ObjectiveKind.CapabilityAt, Time: var at } && !OnTicks(checkNode, "objective time", at))
            {
                parsed = null;
            }
            objectives.Add(new RawObjective(checkNode, id, text, parsed));
        }
        return objectives;
    }

    private void CheckScope(RawObjective objective)
    {
        if (objective.Parsed is not { } parsed)
        {
            return;
        }
        if (parsed.Kind is ObjectiveKind.MaxDownTime or ObjectiveKind.MaxOutOfAction)
        {
            if (!WireNames.TryParse<Sector>(parsed.Scope, out _))
            {
                var all = WireNames.All<Sector>();
                var hint = YamlReader.Suggest(parsed.Scope, all);
                r.Error(objective.CheckAt, $"unknown sector '{Echo.Of(parsed.Scope)}'"
                    + (hint is null ? $"; expected one of: {string.Join(", ", all)}" : $"; did you mean '{hint}'?"));
            }
        }
        else if (parsed.Scope != "alliance" && !(_targets.TryGetValue(parsed.Scope, out var kind) && kind == TargetKind.Domain))
        {
            r.Error(objective.CheckAt, $"unknown objective scope '{Echo.Of(parsed.Scope)}': use alliance or a domain id");
        }
    }

    private List<RawVariant> ReadVariants(YamlNode? node, List<RawInject> baseInjects)
    {
        var variants = new List<RawVariant>();
        if (node is null || r.Mapping(node, "'variants'") is not { } map)
        {
            return variants;
        }
        var baseIds = baseInjects.Select(i => i.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            if (r.IsMergeKey(keyNode, "'variants'"))
            {
                continue;
            }
            var name = r.Id(keyNode, "variant name");
            if (name == "base")
            {
                // Reports and comparisons call the scenario as written "base".
                r.Error(keyNode, "'base' names the scenario as written; give the variant another name");
                name = null;
            }
            var variantMap = r.Mapping(value, "a variant");
            if (variantMap is null)
            {
                continue;
            }
            var f = r.Fields(variantMap, "variant", key => $"unknown variant key '{key}'",
                "description", "seed", "duration", "sharing", "playbooks", "adversary", "remove-injects", "injects");
            var description = f.Get("description") is { } d ? r.String(d, "description") : null;
            var seedAt = f.Get("seed");
            var seed = seedAt is null ? null : r.UInt64(seedAt, "seed");
            var durationAt = f.Get("duration");
            var duration = durationAt is null ? null : ExerciseDuration(durationAt);

            var sharing = SharingChange.Keep;
            var sharingList = new List<RawSharing>();
            if (f.Get("sharing") is { } sharingNode)
            {
                if (sharingNode is YamlScalarNode { Value: "none" })
                {
                    sharing = SharingChange.None;
                }
                else if (sharingNode is YamlSequenceNode)
                {
                    sharing = SharingChange.Replace;
                    sharingList = ReadSharingList(sharingNode);
                }
                else
                {
                    r.Error(sharingNode, "a variant's 'sharing' is 'none' or a list of agreements that replaces them all");
                }
            }
            var playbooks = ReadPlaybooks(f.Get("playbooks"));
            var adversary = f.Get("adversary") is { } adversaryNode ? ReadAdversary(adversaryNode) : null;

            var removed = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
            foreach (var item in r.Items(f.Get("remove-injects"), "remove-injects"))
            {
                if (r.Id(item, "inject id") is not { } id)
                {
                    continue;
                }
                if (!baseIds.Contains(id))
                {
                    r.Error(item, $"cannot remove unknown inject '{id}'");
                }
                else if (!removed.TryAdd(id, item))
                {
                    r.Error(item, $"inject '{id}' is removed twice");
                }
            }
            var injects = ReadInjects(f.Get("injects"), [.. baseInjects.Where(i => !removed.ContainsKey(i.Id))]);
            if (name is not null)
            {
                variants.Add(new RawVariant(keyNode, name, description, seedAt, seed, durationAt, duration, sharing, sharingList,
                    playbooks, adversary, removed, injects));
            }
        }
        return variants;
    }

    /// <summary>Resolves one definition, reporting what only the whole can show; null when anything is missing or wrong.</summary>
    private ScenarioDefinition? Build(Spec spec, ScenarioMetadata? metadata, List<RawObjective> objectives)
    {
        var mark = r.Diagnostics.Count;
        var topology = _topology is null ? null : ApplySharing(_topology, spec);
        var playbooks = topology is null ? default : BuildPlaybooks(topology, spec.Playbooks);

        var min = spec.Adversary.Min ?? DefaultSpreadMin;
        var max = spec.Adversary.Max ?? DefaultSpreadMax;
        if (min > max)
        {
            r.Error(spec.Adversary.At!, $"spread-delay min {Duration.Format(min)} is longer than max {Duration.Format(max)}");
        }

        var injects = BuildInjects(spec);
        if (spec.Duration is { } end)
        {
            foreach (var objective in objectives)
            {
                if (objective.Parsed is { Kind: ObjectiveKind.CapabilityAt, Time: var at } && at > end)
                {
                    r.Error(spec.VariantDurationAt ?? objective.CheckAt,
                        $"objective '{objective.Id}' at {Duration.Format(at)} is after the end of the exercise ({Duration.Format(end)})");
                }
            }
        }

        if (r.Diagnostics.Count > mark || metadata is null || topology is null || spec.Seed is not { } seed || spec.Duration is not { } duration
            || _tick is not { } tick || injects is null || objectives.Any(o => o.Parsed is null || o.Id is null))
        {
            return null;
        }
        return new ScenarioDefinition(
            metadata with { Description = spec.Description }, seed, duration, tick, topology, playbooks,
            new AdversaryProfile(min, max), injects.Value,
            [.. objectives.Select(o => new ObjectiveDefinition(o.Id!, o.Text, o.Parsed!.Kind, o.Parsed.Scope, o.Parsed.Threshold, o.Parsed.Time))],
            spec.Variant);
    }

    /// <summary>The topology with the spec's agreements: the topology's own plus the extra ones, or only the replacements.</summary>
    private TopologyDefinition ApplySharing(TopologyDefinition topology, Spec spec)
    {
        if (!spec.ReplaceSharing && spec.Sharing.Count == 0)
        {
            return topology;
        }
        var agreements = topology.Domains.ToDictionary(d => d.Id,
            d => spec.ReplaceSharing ? [] : d.Sharing.ToList(), StringComparer.Ordinal);
        foreach (var extra in spec.Sharing)
        {
            if (!agreements.TryGetValue(extra.From, out var list))
            {
                r.Error(extra.FromAt, $"sharing from unknown domain '{Echo.Of(extra.From)}'");
            }
            else if (!agreements.ContainsKey(extra.Partner))
            {
                r.Error(extra.PartnerAt, $"sharing with unknown domain '{Echo.Of(extra.Partner)}'");
            }
            else if (extra.Partner == extra.From)
            {
                r.Error(extra.PartnerAt, $"domain '{extra.From}' shares with itself");
            }
            else if (list.Any(a => a.Partner == extra.Partner))
            {
                r.Error(extra.PartnerAt, $"domain '{extra.From}' already has an agreement with '{extra.Partner}'");
            }
            else
            {
                list.Add(new SharingAgreement(extra.Partner, extra.Delay, extra.Tlp));
            }
        }
        return topology with { Domains = [.. topology.Domains.Select(d => d with { Sharing = [.. agreements[d.Id]] })] };
    }

    private ImmutableArray<Playbook> BuildPlaybooks(TopologyDefinition topology, List<PlaybookEntry> entries)
    {
        var patches = new Dictionary<string, PlaybookPatch>(StringComparer.Ordinal);
        var domains = topology.Domains.Select(d => d.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var entry in entries)
        {
            if (entry.Key != "default" && !domains.Contains(entry.Key))
            {
                r.Error(entry.KeyAt, $"playbook for unknown domain '{Echo.Of(entry.Key)}'");
            }
            patches[entry.Key] = entry.Patch;
        }
        var fallback = patches.GetValueOrDefault("default") ?? PlaybookPatch.Empty;
        return [.. topology.Domains.Select(d =>
            (patches.TryGetValue(d.Id, out var own) ? fallback.Then(own) : fallback).Apply(PlaybookPatch.Defaults(d.Id)))];
    }

    /// <summary>Absolute times through <c>after</c> chains, ordered by (time, id); null when any inject is wrong.</summary>
    private ImmutableArray<InjectDefinition>? BuildInjects(Spec spec)
    {
        var mark = r.Diagnostics.Count;
        var byId = spec.Injects.ToDictionary(i => i.Id, StringComparer.Ordinal);
        for (var i = 0; i < spec.Injects.Count; i++)
        {
            var inject = spec.Injects[i];
            if (inject.After is not { } after || byId.ContainsKey(after))
            {
                continue;
            }
            if (spec.Removed.TryGetValue(after, out var removedAt))
            {
                if (i < spec.BaseInjects)
                {
                    r.Error(removedAt, $"cannot remove inject '{after}': inject '{inject.Id}' is timed after it");
                }
                else
                {
                    r.Error(inject.AfterAt!, $"inject '{inject.Id}' is timed after inject '{after}', which this variant removes");
                }
            }
            else
            {
                r.Error(inject.AfterAt!, $"inject '{inject.Id}' is timed after unknown inject '{after}'");
            }
        }

        // Each inject names at most one other, so every cycle is found by walking the chains once.
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var cyclic = new HashSet<string>(StringComparer.Ordinal);
        foreach (var start in spec.Injects)
        {
            var path = new List<RawInject>();
            var current = start;
            while (current is not null && !state.ContainsKey(current.Id))
            {
                state[current.Id] = 1;
                path.Add(current);
                current = current.After is { } next ? byId.GetValueOrDefault(next) : null;
            }
            if (current is not null && state[current.Id] == 1)
            {
                var cycle = path.Skip(path.IndexOf(current)).ToList();
                for (var i = 0; i < cycle.Count; i++)
                {
                    r.Error(cycle[i].AfterAt!, "cyclic inject dependency: " + CyclePath(cycle, i));
                    cyclic.Add(cycle[i].Id);
                }
            }
            foreach (var visited in path)
            {
                state[visited.Id] = 2;
            }
        }

        var times = new Dictionary<string, TimeSpan?>(StringComparer.Ordinal);
        var result = new List<InjectDefinition>();
        for (var i = 0; i < spec.Injects.Count; i++)
        {
            var inject = spec.Injects[i];
            var time = TimeOf(inject, byId, cyclic, times);
            if (time is { } t && spec.Duration is { } end && t >= end)
            {
                var at = i < spec.BaseInjects && spec.VariantDurationAt is { } variantAt ? variantAt : inject.TimeAt ?? inject.AfterAt ?? inject.At;
                var cause = "";
                if (i < spec.BaseInjects && spec.VariantDurationAt is null && VariantInjectBefore(spec, inject, byId) is { } moved)
                {
                    // A base inject timed after one the variant gives anew: the variant's inject is what moved it.
                    at = moved.TimeAt ?? moved.At;
                    cause = $"variant '{spec.Variant}' gives inject '{moved.Id}' a new time: ";
                }
                r.Error(at, cause + (t > Duration.Max
                    ? $"inject '{inject.Id}' is more than {Duration.Format(Duration.Max)} from the start, after the end of the exercise ({Duration.Format(end)})"
                    : $"inject '{inject.Id}' at {Duration.Format(t)} is after the end of the exercise ({Duration.Format(end)})"));
            }
            if (time is { } absolute && inject.Valid)
            {
                result.Add(new InjectDefinition(inject.Id, absolute, inject.Target!, inject.Kind!.Value, inject.Parameters!,
                    inject.ExpectedAction, inject.Notes, inject.After));
            }
        }
        if (r.Diagnostics.Count > mark || result.Count < spec.Injects.Count)
        {
            return null;
        }
        return [.. result.OrderBy(x => x.Time).ThenBy(x => x.Id, StringComparer.Ordinal)];
    }

    /// <summary>The first inject of the variant's own (not the base's) that <paramref name="inject"/> is timed after, through its chain.</summary>
    private static RawInject? VariantInjectBefore(Spec spec, RawInject inject, Dictionary<string, RawInject> byId)
    {
        var own = new HashSet<RawInject>(spec.Injects.Skip(spec.BaseInjects), ReferenceEqualityComparer.Instance);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var current = inject; current.After is { } after && byId.TryGetValue(after, out var next) && seen.Add(after); current = next)
        {
            if (own.Contains(next))
            {
                return next;
            }
        }
        return null;
    }

    private static TimeSpan? TimeOf(RawInject inject, Dictionary<string, RawInject> byId, HashSet<string> cyclic, Dictionary<string, TimeSpan?> times)
    {
        var chain = new List<RawInject>();
        var current = inject;
        TimeSpan? time;
        while (true)
        {
            if (times.TryGetValue(current.Id, out var known))
            {
                time = known;
                break;
            }
            chain.Add(current);
            if (current.Offset is null || cyclic.Contains(current.Id))
            {
                time = null;
                break;
            }
            if (current.After is not { } after)
            {
                time = TimeSpan.Zero;
                break;
            }
            if (!byId.TryGetValue(after, out var next))
            {
                time = null;
                break;
            }
            current = next;
        }
        for (var i = chain.Count - 1; i >= 0; i--)
        {
            // Past Duration.Max the time stays just past it: a long chain of long offsets would pass what a TimeSpan holds,
            // and any time past the longest duration is after the end.
            time = time is { } t && chain[i].Offset is { } o ? (t > Duration.Max ? t : t + o) : null;
            times[chain[i].Id] = time;
        }
        return times[inject.Id];
    }
}
