using System.Globalization;
using System.Text;
using System.Text.Json;
using Bulwark.Scenarios;

namespace Bulwark.Cli;

/// <summary>
/// Batches of observations as JSON Lines: one object a line,
/// <c>{"node":"EST/mil-c2/c2-core","status":"compromised","technique":"T1190","source":"soc-1","time":"2026-11-26T10:00:00Z"}</c>;
/// <c>time</c> defaults to now and <c>source</c> to the one given for the file, blank lines and lines starting with <c>#</c> are skipped.
/// </summary>
public static class ObservationFile
{
    /// <summary>Parses a status as reporters write it; <c>restored</c> means healthy.</summary>
    public static bool TryParseStatus(string? text, out NodeStatus status)
    {
        if (text == "restored")
        {
            status = NodeStatus.Healthy;
            return true;
        }
        return WireNames.TryParse(text, out status);
    }

    /// <summary>The statuses a reporter may write.</summary>
    public static string StatusNames => string.Join(", ", WireNames.All<NodeStatus>().Append("restored"));

    /// <summary>Parsed observations, where each node first appears (for locating unknown nodes), and every problem.</summary>
    public sealed record Result(List<Observation> Observations, Dictionary<string, (int Line, int Column)> FirstSeen, List<Diagnostic> Diagnostics)
    {
        /// <summary>Where each observation's time is (by its index), or its line's start when the line gives none.</summary>
        public List<(int Line, int Column)> TimeAt { get; } = [];
    }

    /// <summary>
    /// Parses <paramref name="text"/>; <paramref name="file"/> names it in diagnostics, and a line without a source
    /// (or with a null one) gets <paramref name="source"/>.
    /// </summary>
    public static Result Parse(string text, string file, DateTimeOffset now, string? source = null)
    {
        var result = new Result([], new(StringComparer.Ordinal), []);
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].TrimEnd('\r');
            if (line.Trim().Length == 0 || line.TrimStart().StartsWith('#'))
            {
                continue;
            }
            ParseLine(line, i + 1, file, now, source, result);
        }
        if (result.Observations.Count == 0 && result.Diagnostics.Count == 0)
        {
            result.Diagnostics.Add(new Diagnostic(file, 1, 1, "no observations: every line is blank or a comment"));
        }
        return result;
    }

    private static void ParseLine(string line, int lineNumber, string file, DateTimeOffset now, string? defaultSource, Result result)
    {
        var bytes = Encoding.UTF8.GetBytes(line);
        int Column(long byteIndex) => Encoding.UTF8.GetCharCount(bytes, 0, (int)Math.Min(byteIndex, bytes.Length)) + 1;
        void Error(long byteIndex, string message) => result.Diagnostics.Add(new Diagnostic(file, lineNumber, Column(byteIndex), message));

        var reader = new Utf8JsonReader(bytes);
        string? node = null, technique = null, source = null;
        NodeStatus? status = null;
        DateTimeOffset? time = null;
        long nodeAt = 0, timeAt = 0;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Error(reader.TokenStartIndex, "expected a JSON object {\"node\":…,\"status\":…}");
                return;
            }
            var errors = result.Diagnostics.Count;
            var present = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                var keyAt = reader.TokenStartIndex;
                reader.Read();
                var at = reader.TokenStartIndex;
                var type = reader.TokenType;
                // Past a nested value first: a line cut short inside it is a JSON syntax error, reported as that alone.
                reader.Skip();
                if (name is not ("node" or "status" or "technique" or "source" or "time"))
                {
                    Error(keyAt, $"unknown field '{name}'; expected node, status, technique, source, time");
                    continue;
                }
                if (!present.Add(name))
                {
                    Error(keyAt, $"'{name}' is given twice");
                    continue;
                }
                if (type is not (JsonTokenType.String or JsonTokenType.Null))
                {
                    Error(at, $"'{name}' must be a string");
                    continue;
                }
                if (type == JsonTokenType.Null && name is "node" or "status")
                {
                    Error(at, $"'{name}' is null; it needs a value");
                    continue;
                }
                string? value;
                try
                {
                    value = type == JsonTokenType.String ? reader.GetString() : null;
                }
                catch (InvalidOperationException)
                {
                    // A \u escape of half a surrogate pair: valid JSON syntax, but no text.
                    Error(at, $"'{name}' is not valid text (a \\u escape of half a surrogate pair)");
                    continue;
                }
                switch (name)
                {
                    case "node":
                        nodeAt = at;
                        if (!EntityId.IsNode(value))
                        {
                            Error(at, $"'{Echo.Of(value)}' is not a node id (DOM/segment/node)");
                        }
                        node = value;
                        break;
                    case "status":
                        if (TryParseStatus(value, out var parsed))
                        {
                            status = parsed;
                        }
                        else
                        {
                            Error(at, $"unknown status '{Echo.Of(value)}'; expected one of: {StatusNames}");
                        }
                        break;
                    case "technique":
                        if (value is not null && !ObservationRules.IsTechnique(value))
                        {
                            Error(at, $"'{Echo.Of(value)}' is not an ATT&CK technique id (T1234 or T1234.001)");
                        }
                        technique = value;
                        break;
                    case "source":
                        if (ObservationRules.SourceProblem(value) is { } sourceProblem)
                        {
                            Error(at, sourceProblem);
                        }
                        source = value;
                        break;
                    case "time" when value is null:
                        // As when there is no time: now.
                        break;
                    case "time":
                        timeAt = at;
                        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t))
                        {
                            time = t;
                        }
                        else
                        {
                            Error(at, $"'{Echo.Of(value)}' is not a time (ISO 8601, e.g. 2026-11-26T10:00:00Z)");
                        }
                        break;
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject)
            {
                Error(reader.TokenStartIndex, "expected the end of the object");
                return;
            }
            if (reader.Read())
            {
                Error(reader.TokenStartIndex, "one object per line");
                return;
            }
            // A field that is there but wrong has its own error already.
            if (!present.Contains("node"))
            {
                Error(0, "missing 'node'");
            }
            if (!present.Contains("status"))
            {
                Error(0, "missing 'status'");
            }
            if (result.Diagnostics.Count > errors || node is null || status is null)
            {
                return;
            }
        }
        catch (InvalidOperationException)
        {
            // A key with a \u escape of half a surrogate pair (values are caught above).
            Error(reader.TokenStartIndex, "not valid text (a \\u escape of half a surrogate pair)");
            return;
        }
        catch (JsonException e)
        {
            var (at, message) = Syntax(e);
            result.Diagnostics.Add(new Diagnostic(file, lineNumber, Column(at), "JSON syntax: " + message));
            return;
        }
        result.FirstSeen.TryAdd(node, (lineNumber, Column(nodeAt)));
        result.Observations.Add(new Observation(node, status.Value, time ?? now, technique, source ?? defaultSource));
        result.TimeAt.Add((lineNumber, Column(timeAt)));
    }

    /// <summary>
    /// Where a JSON syntax error is and what it is, in words for the user: the reader's own message, without its
    /// position and its advice about reader options, and at the start of a bad literal rather than one past it.
    /// </summary>
    private static (long At, string Message) Syntax(JsonException e)
    {
        var at = e.BytePositionInLine ?? 0;
        var message = e.Message.Split(" LineNumber:", 2)[0].TrimEnd('.', ' ');
        if (message.Contains("is an invalid JSON literal", StringComparison.Ordinal) && at > 0)
        {
            at--;
        }
        message = message
            .Replace(" which is not supported in this mode. Change the reader options", "", StringComparison.Ordinal)
            .Replace("Expected depth to be zero at the end of the JSON payload. There is an open JSON object or array that should be closed",
                "the line ends inside an object or array that is never closed", StringComparison.Ordinal);
        return (at, message);
    }
}
