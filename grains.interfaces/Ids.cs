namespace Bulwark;

/// <summary>
/// Entity ids: a domain <c>EST</c>, a segment <c>EST/mil-c2</c>, a node <c>EST/mil-c2/c2-core</c>.
/// Each part is <c>[A-Za-z0-9-]+</c>; ids are case-sensitive. Grain keys prefix the world:
/// <c>live/EST/mil-c2/c2-core</c>.
/// </summary>
public static class EntityId
{
    /// <summary>The world that holds live posture reported by other services.</summary>
    public const string LiveWorld = "live";

    /// <summary>The longest run id: it names the run's files and prefixes every grain key of its world.</summary>
    public const int MaxRunIdLength = 64;

    /// <summary>A run id (also its world's name): one id part of at most <see cref="MaxRunIdLength"/>, not the live world's name.</summary>
    public static bool IsRunId(string? id) => IsValidPart(id) && id!.Length <= MaxRunIdLength && id != LiveWorld;

    /// <summary>The longest id part (a domain, segment or node name): ids head tables and prefix grain keys.</summary>
    public const int MaxPartLength = 64;

    /// <summary>
    /// True when <paramref name="part"/> is a non-empty run of letters, digits and dashes, at most
    /// <see cref="MaxPartLength"/> long.
    /// </summary>
    public static bool IsValidPart(string? part) => part is not null && IsValidPart(part.AsSpan());

    /// <summary>How an id part must be written, for messages.</summary>
    public const string PartRule = "letters, digits and '-', at most 64 characters";

    private static bool IsValidPart(ReadOnlySpan<char> part)
    {
        if (part.IsEmpty || part.Length > MaxPartLength)
        {
            return false;
        }
        foreach (var c in part)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-'))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when <paramref name="id"/> has exactly <paramref name="parts"/> valid parts.</summary>
    public static bool IsValid(string? id, int parts)
    {
        if (id is null)
        {
            return false;
        }
        var rest = id.AsSpan();
        for (var i = 1; i < parts; i++)
        {
            var slash = rest.IndexOf('/');
            if (slash < 0 || !IsValidPart(rest[..slash]))
            {
                return false;
            }
            rest = rest[(slash + 1)..];
        }
        return IsValidPart(rest);
    }

    /// <summary>True for a full node id <c>DOM/seg/node</c>.</summary>
    public static bool IsNode(string? id) => IsValid(id, 3);

    /// <summary>The domain part of a segment or node id.</summary>
    public static string DomainOf(string id) => id[..id.IndexOf('/', StringComparison.Ordinal)];

    /// <summary>The segment id (<c>DOM/seg</c>) of a node id.</summary>
    public static string SegmentOf(string nodeId) => nodeId[..nodeId.LastIndexOf('/')];

    /// <summary>The grain key of <paramref name="id"/> in <paramref name="world"/>.</summary>
    public static string Key(string world, string id) => world + "/" + id;

    /// <summary>Splits a grain key into its world and entity id.</summary>
    public static (string World, string Id) SplitKey(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (key, "") : (key[..slash], key[(slash + 1)..]);
    }
}

/// <summary>Text a user gave, as a message repeats it: whole when short, else its start and its length.</summary>
public static class Echo
{
    /// <summary>The longest text a message repeats whole.</summary>
    public const int MaxShown = 80;

    /// <summary><paramref name="text"/>, or its first characters and how long it is; printable (see <see cref="Printable"/>).</summary>
    public static string Of(string? text)
    {
        if (text is null || text.Length <= MaxShown)
        {
            return Printable(text ?? "");
        }
        // Not between the halves of a surrogate pair.
        var cut = char.IsHighSurrogate(text[MaxShown - 21]) ? MaxShown - 21 : MaxShown - 20;
        return string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Printable(text[..cut])}… ({text.Length:N0} characters)");
    }

    /// <summary>
    /// <paramref name="text"/> with each character that would forge lines, colours or the order of text where it is printed
    /// (controls, line separators, direction overrides: see <see cref="ObservationRules.HasSteering"/>) written as an escape,
    /// <c>\n</c>, <c>\e</c> or <c>\u202E</c>: a message that repeats it stays one line of plain text.
    /// </summary>
    public static string Printable(string text)
    {
        if (!text.AsSpan().ContainsAny(ObservationRules.NotInSources))
        {
            return text;
        }
        var b = new System.Text.StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            if (!ObservationRules.NotInSources.Contains(c))
            {
                b.Append(c);
                continue;
            }
            b.Append(c switch
            {
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\u001B' => "\\e",
                _ => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"\\u{(int)c:X4}"),
            });
        }
        return b.ToString();
    }
}
