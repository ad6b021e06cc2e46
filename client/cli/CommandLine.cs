namespace Bulwark.Cli;

/// <summary>A command line error: the message is shown with the usage and the exit code is 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>A command that could not do its work for a reason outside the user's input (exit 1, the message only).</summary>
public sealed class CommandFailedException(string message) : Exception(message);

/// <summary>
/// Parsed arguments of one command: positionals, <c>--name value</c> options (repeatable) and
/// <c>--flag</c> switches. Unknown names are errors.
/// </summary>
public sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    private CommandLine(List<string> positionals) => Positionals = positionals;

    /// <summary>Arguments that are not options.</summary>
    public List<string> Positionals { get; }

    /// <summary>Parses <paramref name="args"/> given the option names that take a value and the flag names.</summary>
    public static CommandLine Parse(IEnumerable<string> args, IReadOnlyCollection<string> options, IReadOnlyCollection<string> flags)
    {
        var line = new CommandLine([]);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (arg == "--")
            {
                while (e.MoveNext())
                {
                    line.Positionals.Add(e.Current);
                }
                break;
            }
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                line.Positionals.Add(arg);
                continue;
            }
            var name = arg;
            string? inline = null;
            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                (name, inline) = (arg[..eq], arg[(eq + 1)..]);
            }
            if (flags.Contains(name))
            {
                if (inline is not null)
                {
                    throw new UsageException($"{name} takes no value");
                }
                line._flags.Add(name);
            }
            else if (options.Contains(name))
            {
                // An option where its value should be is a value forgotten, not a value: --status --json.
                var value = inline ?? (e.MoveNext() && !IsOptionName(e.Current) ? e.Current : throw new UsageException($"{name} needs a value"));
                if (!line._options.TryGetValue(name, out var list))
                {
                    line._options[name] = list = [];
                }
                list.Add(value);
            }
            else
            {
                throw new UsageException($"unknown option '{name}'");
            }
        }
        return line;
    }

    private static bool IsOptionName(string arg) => arg.Length > 2 && arg.StartsWith("--", StringComparison.Ordinal);

    /// <summary>True when the switch was given.</summary>
    public bool Flag(string name) => _flags.Contains(name);

    /// <summary>The option's value, or null; given twice, a usage error (only <see cref="Options"/> takes several).</summary>
    public string? Option(string name) => _options.TryGetValue(name, out var list)
        ? list.Count == 1 ? list[0] : throw new UsageException($"{name} is given {list.Count} times; give it once")
        : null;

    /// <summary>All values of a repeatable option.</summary>
    public IReadOnlyList<string> Options(string name) => _options.TryGetValue(name, out var list) ? list : [];

    /// <summary>Exactly <paramref name="count"/> positionals, or a usage error naming them.</summary>
    public void ExpectPositionals(int count, string names)
    {
        if (Positionals.Count < count)
        {
            throw new UsageException($"missing {names}");
        }
        if (Positionals.Count > count)
        {
            throw new UsageException($"unexpected argument '{Positionals[count]}'");
        }
    }
}
