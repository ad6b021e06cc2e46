namespace Bulwark;

/// <summary>
/// What a sensor, SOC tool or CERT reports about one node: it became <see cref="Status"/> at
/// <see cref="Time"/>. A report of <see cref="NodeStatus.Healthy"/> is a restoration.
/// </summary>
/// <param name="Node">Full node id <c>DOM/seg/node</c>.</param>
/// <param name="Status">The status the node is now in.</param>
/// <param name="Time">When the reporter saw it. Reports older than the node's latest applied report are kept out of its status.</param>
/// <param name="Technique">ATT&amp;CK technique id, if known.</param>
/// <param name="Source">Who reported it.</param>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("bulwark.observation")]
public sealed record Observation(
    string Node,
    NodeStatus Status,
    DateTimeOffset Time,
    string? Technique = null,
    string? Source = null);

/// <summary>What a batch of observations did.</summary>
/// <param name="Accepted">Observations taken in.</param>
/// <param name="Applied">Observations that were the node's newest and so set its status.</param>
/// <param name="Stale">Observations older than the node's newest, recorded in history only.</param>
/// <param name="Changed">Nodes whose effective status changed.</param>
[GenerateSerializer, Immutable, Alias("bulwark.ingest-result")]
public sealed record IngestResult(int Accepted, int Applied, int Stale, int Changed)
{
    /// <summary>No observations.</summary>
    public static readonly IngestResult Empty = new(0, 0, 0, 0);

    /// <summary>Sums two results.</summary>
    public IngestResult Plus(IngestResult other) =>
        new(Accepted + other.Accepted, Applied + other.Applied, Stale + other.Stale, Changed + other.Changed);
}

/// <summary>Checks of observation values, shared by the client and the grains.</summary>
public static class ObservationRules
{
    /// <summary>True for an ATT&amp;CK technique id such as <c>T1190</c> or <c>T1078.002</c>.</summary>
    public static bool IsTechnique(string? text) =>
        text is { Length: 5 or 9 } && text[0] == 'T' && AllDigits(text.AsSpan(1, 4))
        && (text.Length == 5 || (text[5] == '.' && AllDigits(text.AsSpan(6))));

    private static bool AllDigits(ReadOnlySpan<char> text) => !text.ContainsAnyExcept(Digits);

    private static readonly System.Buffers.SearchValues<char> Digits = System.Buffers.SearchValues.Create("0123456789");

    /// <summary>What is wrong with <paramref name="observation"/>, or null when nothing is.</summary>
    public static string? Problem(Observation observation) =>
        NodeProblem(observation.Node)
        ?? StatusProblem(observation.Status)
        ?? (observation.Technique is null ? null : TechniqueProblem(observation.Technique))
        ?? SourceProblem(observation.Source);

    /// <summary>The longest source: a reporter's name, kept with every report in the node's history.</summary>
    public const int MaxSourceLength = 200;

    /// <summary>
    /// True for no source, or a source not blank, of at most <see cref="MaxSourceLength"/> characters and no control
    /// characters: a line break, an escape or a direction override in it would forge lines, colours or
    /// the order of text where it is printed.
    /// </summary>
    public static bool IsSource(string? source) =>
        source is null || (source.Length <= MaxSourceLength && !string.IsNullOrWhiteSpace(source) && !source.AsSpan().ContainsAny(NotInSources));

    /// <summary>
    /// True when <paramref name="text"/> holds a character that would forge lines, colours or the order of text where it
    /// is printed (see <see cref="IsSource"/>).
    /// </summary>
    public static bool HasSteering(string text) => text.AsSpan().ContainsAny(NotInSources);

    /// <summary>C0 and C1 controls and DEL, line and paragraph separators, and the direction embeddings, overrides and isolates.</summary>
    internal static readonly System.Buffers.SearchValues<char> NotInSources = System.Buffers.SearchValues.Create(
        [.. Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Concat([0x2028, 0x2029])
            .Concat(Enumerable.Range(0x202A, 5)).Concat(Enumerable.Range(0x2066, 4)).Select(c => (char)c)]);

    /// <summary>What is wrong with a source, or null.</summary>
    public static string? SourceProblem(string? source) =>
        IsSource(source) ? null
        : source!.Length > MaxSourceLength ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"source is {source.Length:N0} characters long, more than {MaxSourceLength}")
        : string.IsNullOrWhiteSpace(source) ? "source is blank; leave it out for the reporter's default"
        : "source has a control character (a line break, a tab, an escape or a direction override)";

    /// <summary>What is wrong with a node id, or null.</summary>
    public static string? NodeProblem(string? node) =>
        EntityId.IsNode(node) ? null : $"'{Echo.Of(node)}' is not a node id (DOM/segment/node, parts of {EntityId.PartRule})";

    /// <summary>True for a defined <see cref="NodeStatus"/>.</summary>
    public static bool IsStatus(NodeStatus status) => (uint)status < (uint)DefinedStatuses.Length && DefinedStatuses[(int)status];

    /// <summary>By value: whether it is a defined status.</summary>
    private static readonly bool[] DefinedStatuses = DefinedTable();

    private static bool[] DefinedTable()
    {
        var values = Enum.GetValues<NodeStatus>();
        var table = new bool[(int)values.Max() + 1];
        foreach (var value in values)
        {
            table[(int)value] = true;
        }
        return table;
    }

    /// <summary>What is wrong with a status value, or null.</summary>
    public static string? StatusProblem(NodeStatus status) =>
        IsStatus(status) ? null : $"status {(int)status} is not one of {string.Join(", ", WireNames.All<NodeStatus>())}";

    /// <summary>What is wrong with a technique id, or null.</summary>
    public static string? TechniqueProblem(string? technique) =>
        IsTechnique(technique) ? null : $"'{Echo.Of(technique)}' is not an ATT&CK technique id (T1234 or T1234.001)";

    /// <summary>
    /// Throws <see cref="InvalidRequestException"/> naming, by number (from 1), every one of
    /// <paramref name="times"/> more than <paramref name="tolerance"/> after <paramref name="now"/>
    /// (a silo's clock): a node's newest report sets its status, so a report dated ahead by a
    /// reporter's wrong clock or a typing mistake would leave every report after it stale. A
    /// tolerance of zero or less checks nothing.
    /// </summary>
    public static void ThrowIfAhead(IEnumerable<DateTimeOffset> times, DateTimeOffset now, TimeSpan tolerance)
    {
        if (tolerance <= TimeSpan.Zero)
        {
            return;
        }
        List<string>? problems = null;
        var number = 0;
        foreach (var time in times)
        {
            number++;
            if (AheadProblem(time, now, tolerance) is { } problem)
            {
                (problems ??= []).Add($"observation {number}: {problem}");
            }
        }
        if (problems is not null)
        {
            throw new InvalidRequestException(string.Join("; ", problems.Take(20))
                + (problems.Count > 20 ? $"; and {problems.Count - 20} more" : "")
                + "; " + AheadRule(tolerance));
        }
    }

    /// <summary>What is wrong with <paramref name="time"/> against a silo's clock (see <see cref="ThrowIfAhead"/>), or null.</summary>
    public static string? AheadProblem(DateTimeOffset time, DateTimeOffset now, TimeSpan tolerance)
    {
        // A difference, not now + tolerance: a tolerance of centuries must not overflow.
        var ahead = time - now;
        if (tolerance <= TimeSpan.Zero || ahead <= tolerance)
        {
            return null;
        }
        // Whole seconds up, so that a time just past the tolerance never reads as equal to it.
        return $"time {time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is {Duration.Format(TimeSpan.FromSeconds(Math.Ceiling(ahead.TotalSeconds)))} "
            + $"ahead of the silo's clock ({now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'})";
    }

    /// <summary>Why times ahead are refused, said after them.</summary>
    public static string AheadRule(TimeSpan tolerance) =>
        $"reports more than {Duration.Format(tolerance)} ahead are refused, since a node's newest report sets its status (setting Bulwark:Live:FutureTolerance)";

    /// <summary>Throws <see cref="InvalidRequestException"/> naming every bad observation by index.</summary>
    public static void ThrowIfInvalid(IReadOnlyList<Observation> observations)
    {
        List<string>? problems = null;
        for (var i = 0; i < observations.Count; i++)
        {
            if (Problem(observations[i]) is { } problem)
            {
                (problems ??= []).Add($"observation {i + 1}: {problem}");
            }
        }
        ThrowIfAny(problems);
    }

    /// <summary>Throws <see cref="InvalidRequestException"/> when there is no batch, or naming every bad observation of the batch by index.</summary>
    public static void ThrowIfInvalid(ObservationBatch? batch)
    {
        if (batch is null || !batch.IsValid())
        {
            ThrowIfAny(batch is null ? ["no batch was given"] : batch.Problems());
        }
    }

    private static void ThrowIfAny(IReadOnlyList<string>? problems)
    {
        if (problems is { Count: > 0 })
        {
            throw new InvalidRequestException(string.Join("; ", problems.Take(20))
                + (problems.Count > 20 ? $"; and {problems.Count - 20} more" : ""));
        }
    }
}
