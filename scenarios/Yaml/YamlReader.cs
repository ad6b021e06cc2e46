using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Bulwark.Scenarios.Yaml;

/// <summary>
/// Reads values out of a YAML tree and collects every problem with its location, so a file's
/// errors are all reported at once. Methods return null (or skip) where a value is missing or bad.
/// </summary>
internal sealed class YamlReader(string file)
{
    private readonly List<Diagnostic> _diagnostics = [];

    /// <summary>For each anchored node (by where it starts), where its aliases are, in file order, not yet reported.</summary>
    private readonly Dictionary<(long Line, long Column), Queue<Mark>> _aliases = [];

    public string File { get; } = file;

    public IReadOnlyList<Diagnostic> Diagnostics => _diagnostics;

    public bool HasErrors => _diagnostics.Count > 0;

    public void Error(Mark mark, string message) =>
        _diagnostics.Add(new Diagnostic(File, (int)Math.Max(1, mark.Line), (int)Math.Max(1, mark.Column), Echo.Printable(message)));

    public void Error(YamlNode node, string message) => Error(node.Start, message);

    /// <summary>
    /// Reports <paramref name="again"/>, an entry that repeats <paramref name="first"/>, where it is written. When both are
    /// the same node (an alias repeats its anchor), that is at the alias, not at the anchor both share: the aliases of a
    /// node are reported in file order, one per call.
    /// </summary>
    public void ErrorAgain(YamlNode again, YamlNode first, string message)
    {
        if (ReferenceEquals(again, first) && _aliases.TryGetValue((again.Start.Line, again.Start.Column), out var uses) && uses.TryDequeue(out var alias))
        {
            Error(alias, message);
            return;
        }
        Error(again, message);
    }

    /// <summary>Adds a diagnostic found elsewhere (in an included file, say).</summary>
    public void Report(Diagnostic diagnostic) => _diagnostics.Add(diagnostic);

    /// <summary>Parses YAML text into its first document's root, or reports the syntax error.</summary>
    public YamlNode? Parse(string text)
    {
        var (readable, tagged) = Shallow(text);
        if (!readable)
        {
            return null;
        }
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            var described = Describe(e);
            // The parser notices a tab in the indentation only where it upsets the structure, often a line later.
            if (described.Contains("tab", StringComparison.OrdinalIgnoreCase) && TabIndented(text) is { } tab)
            {
                Error(tab, "YAML syntax: a tab in the indentation; YAML indents with spaces only");
                return null;
            }
            // At the very end of the text the parser says what it expected; where the bracket it is in opened says more.
            if (AtEnd(text, e.Start) && Unclosed(text) is { } open)
            {
                Error(open.Mark, $"YAML syntax: this '{open.Bracket}' is never closed (the file ends inside it)");
                return null;
            }
            Error(e.Start, described.StartsWith(DuplicateKey, StringComparison.Ordinal)
                ? $"YAML syntax: key '{Echo.Of(described[DuplicateKey.Length..])}' appears twice in one mapping"
                : "YAML syntax: " + described);
            return null;
        }
        catch (InvalidOperationException)
        {
            // The parser gives up without a location when the text ends inside a flow collection: point at its opening.
            if (Unclosed(text) is { } unclosed)
            {
                Error(unclosed.Mark, $"YAML syntax: this '{unclosed.Bracket}' is never closed (the file ends inside it)");
                return null;
            }
            var lines = Lines(text);
            var last = lines.Length - (lines.Length > 1 && lines[^1].Length == 0 ? 2 : 1);
            _diagnostics.Add(new Diagnostic(File, last + 1, lines[last].TrimEnd('\r').Length + 1,
                "YAML syntax: the file ends inside a '[' or '{' that is never closed"));
            return null;
        }
        if (tagged)
        {
            // Its tags are reported; read as far as this for the syntax errors elsewhere in the file, reported with them.
            return null;
        }
        if (stream.Documents.Count == 0 || IsNull(stream.Documents[0].RootNode))
        {
            Error(new Mark(), "the file is empty");
            return null;
        }
        if (stream.Documents.Count > 1)
        {
            Error(stream.Documents[1].RootNode, "only one YAML document per file");
        }
        return stream.Documents[0].RootNode;
    }

    /// <summary>
    /// The innermost '[' or '{' still open where the text ends, or null. YAML's own scanner reads
    /// ahead and fails before it hands out the bracket, so the text is read here: quotes and
    /// comments are skipped, and a bracket opens a collection where a value may begin (after
    /// indentation, '- ', ': ', ',' or another opening bracket), as YAML's flow collections do.
    /// </summary>
    /// <summary>True when <paramref name="mark"/> is past the text's last character that is not a line break or a space.</summary>
    private static bool AtEnd(string text, Mark mark)
    {
        var lines = Lines(text.TrimEnd());
        return mark.Line > lines.Length || (mark.Line == lines.Length && mark.Column > lines[^1].Length);
    }

    /// <summary>The text's lines as the parser counts them: a line ends at LF, CRLF or a lone CR.</summary>
    private static string[] Lines(string text) =>
        text.Contains('\r', StringComparison.Ordinal) ? text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n', '\r') : text.Split('\n');

    private static (Mark Mark, char Bracket)? Unclosed(string text)
    {
        var open = new Stack<(Mark, char)>();
        var lines = Lines(text);
        for (var l = 0; l < lines.Length; l++)
        {
            var line = lines[l].TrimEnd('\r');
            var valueMayBegin = true;
            for (var c = 0; c < line.Length; c++)
            {
                var ch = line[c];
                if (ch is ' ' or '\t')
                {
                    continue;
                }
                if (ch == '#' && (c == 0 || line[c - 1] is ' ' or '\t'))
                {
                    break;
                }
                if (ch is '\'' or '"' && valueMayBegin)
                {
                    // A quoted scalar: to its closing quote on this line ('' and \" escape one).
                    for (c++; c < line.Length; c++)
                    {
                        if (line[c] == '\\' && ch == '"')
                        {
                            c++;
                        }
                        else if (line[c] == ch && !(ch == '\'' && c + 1 < line.Length && line[c + 1] == '\''))
                        {
                            break;
                        }
                        else if (line[c] == ch)
                        {
                            c++;
                        }
                    }
                    valueMayBegin = false;
                    continue;
                }
                if (ch is '[' or '{' && valueMayBegin)
                {
                    open.Push((new Mark(0, l + 1, c + 1), ch));
                    continue;
                }
                if (ch is ']' or '}' && open.Count > 0)
                {
                    open.Pop();
                    valueMayBegin = false;
                    continue;
                }
                valueMayBegin = ch == ',' && open.Count > 0
                    || (ch is '-' or ':' && (c + 1 == line.Length || line[c + 1] is ' ' or '\t'));
            }
        }
        return open.Count > 0 ? open.Peek() : null;
    }

    /// <summary>How YAML's parser begins the message of a key given twice in one mapping.</summary>
    private const string DuplicateKey = "Duplicate key ";

    /// <summary>The first tab among a line's leading blanks, or null.</summary>
    private static Mark? TabIndented(string text)
    {
        var lines = Lines(text);
        for (var l = 0; l < lines.Length; l++)
        {
            for (var c = 0; c < lines[l].Length && lines[l][c] is ' ' or '\t'; c++)
            {
                if (lines[l][c] == '\t')
                {
                    return new Mark(0, l + 1, c + 1);
                }
            }
        }
        return null;
    }

    /// <summary>
    /// How many values aliases may repeat in one file, each alias counting every value under its anchor: far more than
    /// repeating a set of exposures or parameters needs, and far less than would exhaust memory.
    /// </summary>
    public const long MaxRepeated = 10_000_000;

    /// <summary>How deep collections may nest: far more than any scenario needs, and far less than would exhaust the stack.</summary>
    public const int MaxDepth = 200;

    /// <summary>
    /// Looks at the text's events before it is read into a tree (which recurses once per level): a
    /// collection nested deeper than <see cref="MaxDepth"/>, or an alias with no anchor before it, is
    /// reported where it is, and the text is not read further (not readable); so is every tag outside YAML's core
    /// schema, after which the text is still read for its syntax errors. Syntax errors are left to the tree's reading,
    /// which reports them.
    /// </summary>
    private (bool Readable, bool Tagged) Shallow(string text)
    {
        var parser = new Parser(new StringReader(text));
        // Each anchor's node, by where it starts: an anchor may be defined again, and an alias names the latest.
        var anchors = new Dictionary<string, (long Line, long Column)>(StringComparer.Ordinal);
        // The anchors of the collections not yet closed, innermost last: an alias to one of them would make the tree a loop.
        var open = new List<string?>();
        // How many values each open collection holds so far (itself included, an alias counting what it repeats), and each
        // anchor's value once closed: aliases that repeat aliases could otherwise make a small file a tree too large to read.
        var sizes = new List<long>();
        var anchorSizes = new Dictionary<string, long>(StringComparer.Ordinal);
        long repeated = 0;
        void Closed(string? anchor, long size)
        {
            if (anchor is not null)
            {
                anchorSizes[anchor] = size;
            }
            if (sizes.Count > 0)
            {
                sizes[^1] += size;
            }
        }
        var depth = 0;
        var tagged = false;
        try
        {
            while (parser.MoveNext())
            {
                switch (parser.Current)
                {
                    case YamlDotNet.Core.Events.DocumentStart:
                        anchors.Clear();
                        break;
                    case YamlDotNet.Core.Events.AnchorAlias alias when !anchors.ContainsKey(alias.Value.Value):
                        Error(alias.Start, $"YAML syntax: alias '*{Echo.Of(alias.Value.Value)}' names no anchor '&{Echo.Of(alias.Value.Value)}' before it");
                        return (false, tagged);
                    case YamlDotNet.Core.Events.AnchorAlias alias when open.Contains(alias.Value.Value):
                        Error(alias.Start, $"YAML syntax: alias '*{Echo.Of(alias.Value.Value)}' is inside the collection '&{Echo.Of(alias.Value.Value)}' it names");
                        return (false, tagged);
                    case YamlDotNet.Core.Events.AnchorAlias alias:
                        var size = anchorSizes.GetValueOrDefault(alias.Value.Value, 1);
                        repeated += size;
                        if (repeated > MaxRepeated)
                        {
                            Error(alias.Start, $"YAML syntax: aliases repeat more than {MaxRepeated:N0} values in all (this one {size:N0}); write them out, or repeat less");
                            return (false, tagged);
                        }
                        Closed(null, size);
                        var anchored = anchors[alias.Value.Value];
                        if (!_aliases.TryGetValue(anchored, out var uses))
                        {
                            _aliases[anchored] = uses = new Queue<Mark>();
                        }
                        uses.Enqueue(alias.Start);
                        break;
                    case YamlDotNet.Core.Events.NodeEvent node:
                        if (!node.Tag.IsEmpty && !node.Tag.IsNonSpecific && !CoreTags.Contains(node.Tag.Value))
                        {
                            Error(node.Start, $"YAML tag '{Echo.Of(ShortTag(node.Tag.Value))}' means nothing in a Bulwark file; remove it"
                                + (node.Tag.Value == "!include" ? " (a topology file is included with 'include: FILE')" : ""));
                            tagged = true;
                        }
                        if (!node.Anchor.IsEmpty)
                        {
                            anchors[node.Anchor.Value] = (node.Start.Line, node.Start.Column);
                        }
                        if (node is YamlDotNet.Core.Events.MappingStart or YamlDotNet.Core.Events.SequenceStart)
                        {
                            if (++depth > MaxDepth)
                            {
                                Error(node.Start, $"YAML syntax: collections nested deeper than {MaxDepth} levels");
                                return (false, tagged);
                            }
                            open.Add(node.Anchor.IsEmpty ? null : node.Anchor.Value);
                            sizes.Add(1);
                        }
                        else
                        {
                            Closed(node.Anchor.IsEmpty ? null : node.Anchor.Value, 1);
                        }
                        break;
                    case YamlDotNet.Core.Events.MappingEnd or YamlDotNet.Core.Events.SequenceEnd:
                        depth--;
                        if (open.Count > 0)
                        {
                            var anchor = open[^1];
                            var closed = sizes[^1];
                            open.RemoveAt(open.Count - 1);
                            sizes.RemoveAt(sizes.Count - 1);
                            Closed(anchor, closed);
                        }
                        break;
                }
            }
        }
        catch (YamlException)
        {
        }
        catch (InvalidOperationException)
        {
        }
        return (true, tagged);
    }

    /// <summary>
    /// The tags of YAML's core schema, which say what a value already is. Any other tag (<c>!include</c>,
    /// <c>!!python/object</c>) would be ignored, and the file read other than its author meant.
    /// </summary>
    private static readonly HashSet<string> CoreTags = new(
        new[] { "str", "int", "float", "bool", "null", "map", "seq" }.Select(t => "tag:yaml.org,2002:" + t), StringComparer.Ordinal);

    private static string ShortTag(string tag) =>
        tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + tag["tag:yaml.org,2002:".Length..] : tag;

    private static string Describe(YamlException e)
    {
        var message = e.InnerException is YamlException inner ? inner.Message : e.Message;
        var paren = message.IndexOf("(Line:", StringComparison.Ordinal);
        return (paren > 0 ? message[..paren] : message).Trim().TrimEnd('.');
    }

    public static bool IsNull(YamlNode? node) =>
        node is null || (node is YamlScalarNode { Style: ScalarStyle.Plain } s
            && (s.Value is null or "" or "~" or "null"));

    public YamlMappingNode? Mapping(YamlNode node, string what)
    {
        if (node is YamlMappingNode map)
        {
            return map;
        }
        Error(node, $"{what} must be a mapping (key: value lines)");
        return null;
    }

    /// <summary>The items of a sequence; a missing value gives none, a non-sequence is an error.</summary>
    public IReadOnlyList<YamlNode> Items(YamlNode? node, string what)
    {
        if (IsNull(node))
        {
            return [];
        }
        if (node is YamlSequenceNode seq)
        {
            return [.. seq.Children];
        }
        Error(node!, $"{what} must be a list");
        return [];
    }

    /// <summary>The fields of a mapping; unknown keys are errors (with a suggestion).</summary>
    public Fields Fields(YamlMappingNode map, string what, params string[] allowed) =>
        Fields(map, what, key => $"unknown key '{key}' in {what}", allowed);

    /// <summary>True, and reported, when <paramref name="keyNode"/> is YAML's merge key <c>&lt;&lt;</c>, which Bulwark files do not take.</summary>
    public bool IsMergeKey(YamlNode keyNode, string what)
    {
        if (keyNode is YamlScalarNode { Value: "<<", Style: ScalarStyle.Plain })
        {
            Error(keyNode, $"YAML merge keys (<<) are not supported in {what}; write its fields out");
            return true;
        }
        return false;
    }

    /// <summary>The fields of a mapping; an unknown key is reported as <paramref name="unknown"/> says, with a suggestion.</summary>
    public Fields Fields(YamlMappingNode map, string what, Func<string, string> unknown, params string[] allowed)
    {
        var fields = new Dictionary<string, (YamlScalarNode Key, YamlNode Value)>(StringComparer.Ordinal);
        foreach (var (keyNode, value) in map.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key } scalarKey)
            {
                Error(keyNode, $"{what}: keys must be plain names");
                continue;
            }
            if (IsMergeKey(keyNode, what))
            {
                continue;
            }
            if (!allowed.Contains(key, StringComparer.Ordinal))
            {
                var hint = Suggest(key, allowed);
                Error(keyNode, unknown(Echo.Of(key)) + (hint is null ? $"; expected one of: {string.Join(", ", allowed)}" : $"; did you mean '{hint}'?"));
                continue;
            }
            fields[key] = (scalarKey, value);
        }
        return new Fields(this, map, what, fields);
    }

    public string? String(YamlNode node, string field)
    {
        if (node is YamlScalarNode { Value: { } value } && !IsNull(node))
        {
            return value;
        }
        Error(node, $"'{field}' must be a text value");
        return null;
    }

    /// <summary>
    /// A name shown on one line (a scenario's, a topology's, a domain's): text without control characters, which
    /// would break the line or steer the terminal that shows it.
    /// </summary>
    public string? Name(YamlNode node, string field)
    {
        var text = String(node, field);
        if (text is not null && ObservationRules.HasSteering(text))
        {
            Error(node, $"'{field}' holds a control character (such as a line break, an escape or a direction override); write it on one line");
            return null;
        }
        return text;
    }

    public string? Id(YamlNode node, string what)
    {
        var text = String(node, what);
        if (text is null)
        {
            return null;
        }
        if (!EntityId.IsValidPart(text))
        {
            Error(node, text.Length > EntityId.MaxPartLength
                ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"bad {what} '{Echo.Of(text)}': at most {EntityId.MaxPartLength} characters, not {text.Length:N0}")
                : $"bad {what} '{Echo.Of(text)}': use letters, digits and '-' only");
            return null;
        }
        return text;
    }

    public int? Int(YamlNode node, string field, int min, int max)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"'{field}' must be a whole number from {min} to {max}, not '{Echo.Of(text)}'");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, $"'{field}' {value} is out of range {min}..{max}");
            return null;
        }
        return value;
    }

    public ulong? UInt64(YamlNode node, string field)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }
        if (!ulong.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        {
            Error(node, $"'{field}' must be a whole number from 0 to {ulong.MaxValue}, not '{Echo.Of(text)}'");
            return null;
        }
        return value;
    }

    public bool? Bool(YamlNode node, string field)
    {
        var text = String(node, field);
        switch (text)
        {
            case null:
                return null;
            case "true" or "True" or "TRUE":
                return true;
            case "false" or "False" or "FALSE":
                return false;
            default:
                Error(node, $"'{field}' must be true or false, not '{Echo.Of(text)}'");
                return null;
        }
    }

    public double? Number(YamlNode node, string field, double min, double max)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            Error(node, $"'{field}' must be a number from {Show(min)} to {Show(max)}, not '{Echo.Of(text)}'");
            return null;
        }
        if (value < min || value > max)
        {
            Error(node, $"'{field}' {Show(value)} is out of range {Show(min)}..{Show(max)}");
            return null;
        }
        return value;
    }

    public T? Enum<T>(YamlNode node, string field) where T : struct, Enum
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }
        if (WireNames.TryParse<T>(text, out var value))
        {
            return value;
        }
        var all = WireNames.All<T>();
        var hint = Suggest(text, all);
        Error(node, $"unknown {field} '{Echo.Of(text)}'" + (hint is null ? $"; expected one of: {string.Join(", ", all)}" : $"; did you mean '{hint}'?"));
        return null;
    }

    public TimeSpan? Duration(YamlNode node, string field)
    {
        var text = String(node, field);
        if (text is null)
        {
            return null;
        }
        if (Bulwark.Duration.TryParse(text, out var value, out var error))
        {
            return value;
        }
        Error(node, $"'{field}': {error}");
        return null;
    }

    private static string Show(double value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>The closest of <paramref name="candidates"/> within two edits, if any.</summary>
    public static string? Suggest(string text, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in candidates)
        {
            var distance = Distance(text, candidate);
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }
        return best;
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}

/// <summary>The known fields of one mapping.</summary>
internal sealed class Fields(YamlReader reader, YamlMappingNode map, string what,
    Dictionary<string, (YamlScalarNode Key, YamlNode Value)> fields)
{
    public YamlMappingNode Node { get; } = map;

    /// <summary>The field's value, or null when absent or empty.</summary>
    public YamlNode? Get(string key) =>
        fields.TryGetValue(key, out var field) && !YamlReader.IsNull(field.Value) ? field.Value : null;

    public bool Has(string key) => Get(key) is not null;

    /// <summary>The field's value; reports it missing at the mapping's start when absent.</summary>
    public YamlNode? Required(string key)
    {
        var value = Get(key);
        if (value is null)
        {
            reader.Error(fields.TryGetValue(key, out var field) ? field.Key : Node, $"{what} is missing '{key}'");
        }
        return value;
    }
}
