namespace Bulwark.Silo.Hosting;

/// <summary>
/// The silo's command line, checked before anything reads it: a mistyped option must not start a
/// silo on the default ports, or one without the topology it was given.
/// </summary>
public static class SiloCommandLine
{
    /// <summary>What <c>--help</c> prints.</summary>
    public const string Usage = """
        usage: bulwark-silo [options]

        Starts a Bulwark silo: the Orleans silo, the dashboard at /dashboard and /health.

        options (each also a setting of the README's configuration table):
          --silo-port N          silo-to-silo port (Bulwark:SiloPort; default 11111)
          --gateway-port N       port clients connect to (Bulwark:GatewayPort; default 30000)
          --http URL             dashboard and health (Bulwark:Http; default http://127.0.0.1:8080)
          --cluster-id ID        Orleans cluster id (Bulwark:ClusterId; default bulwark)
          --topology FILE        topology loaded into the live world at start (Bulwark:Topology)
          --exercise FILE        scenario run at start, its report printed (Bulwark:Exercise)
          --variant V            the variant of --exercise to run (Bulwark:ExerciseVariant)
          --data DIR             journals and outcomes of exercises (Bulwark:DataDirectory; default data)
          --Section:Key VALUE    any other setting, e.g. --Bulwark:Live:PersistInterval 00:00:05
                                 or --Logging:LogLevel:Default Warning
          --help                 this text

        Environment variables BULWARK_X set Bulwark:X (BULWARK_LIVE__INGEST_FAN_OUT=1); the command
        line wins over them. Exit codes: 2 bad configuration, 1 a port taken or anything else.
        """;

    /// <summary>Settings of the host itself that the command line may give without a section.</summary>
    private static readonly HashSet<string> HostKeys = new(StringComparer.OrdinalIgnoreCase) { "environment" };

    /// <summary>True when the command line asks for <see cref="Usage"/>.</summary>
    public static bool WantsHelp(IEnumerable<string> args) => args.Any(a => a is "--help" or "-h" or "-?");

    /// <summary>
    /// Throws a <see cref="StartupException"/> (exit 2) for the first argument that is not one of the
    /// <see cref="ConfigurationExtensions.Switches"/> or a <c>--Section:Key</c> setting, with its value
    /// (<c>--x value</c> or <c>--x=value</c>), and for a <c>--Bulwark:</c> setting the silo does not have.
    /// </summary>
    public static void Check(IReadOnlyList<string> args)
    {
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal) || arg.Length == 2)
            {
                throw new StartupException(2, $"unexpected argument '{Shown(arg)}'; bulwark-silo --help lists the options");
            }
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals < 0 ? arg : arg[..equals];
            // As the configuration reads them: options in any case; host settings such as --environment as they are.
            var key = ConfigurationExtensions.Switches.TryGetValue(name, out var mapped) ? mapped
                : name.Contains(':', StringComparison.Ordinal) || HostKeys.Contains(name[2..]) ? name[2..]
                : throw new StartupException(2, $"unknown option '{Shown(name)}'; bulwark-silo --help lists the options");
            if (key.StartsWith(SiloOptions.Section + ":", StringComparison.OrdinalIgnoreCase)
                && !ConfigurationExtensions.BulwarkKeys.Contains(key[(SiloOptions.Section.Length + 1)..]))
            {
                throw new StartupException(2, $"unknown setting '{Shown(key)}'; the README's configuration table lists them");
            }
            if (equals < 0)
            {
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                {
                    throw new StartupException(2, $"{name} needs a value");
                }
                i++;
            }
        }
    }

    private static string Shown(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
