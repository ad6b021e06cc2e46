using System.Collections;

namespace Bulwark.Silo.Hosting;

/// <summary>Configuration sources of the Bulwark host.</summary>
public static class ConfigurationExtensions
{
    /// <summary>The command line's short options and the settings they set; any case, as the configuration reads them.</summary>
    public static IReadOnlyDictionary<string, string> Switches { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        ["--silo-port"] = "Bulwark:SiloPort",
        ["--gateway-port"] = "Bulwark:GatewayPort",
        ["--http"] = "Bulwark:Http",
        ["--topology"] = "Bulwark:Topology",
        ["--cluster-id"] = "Bulwark:ClusterId",
        ["--exercise"] = "Bulwark:Exercise",
        ["--variant"] = "Bulwark:ExerciseVariant",
        ["--data"] = "Bulwark:DataDirectory",
    };

    /// <summary>The settings of the <c>Bulwark</c> section, without the section (<c>SiloPort</c>, <c>Live:IngestFanOut</c>), any case.</summary>
    public static IReadOnlySet<string> BulwarkKeys { get; } = typeof(SiloOptions).GetProperties().Select(p => p.Name)
        .Concat(typeof(Bulwark.Grains.Live.LiveOptions).GetProperties().Select(p => "Live:" + p.Name))
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Adds <c>BULWARK_</c>-prefixed environment variables as <c>Bulwark:</c> keys (<c>__</c>
    /// between levels; other underscores ignored, so <c>BULWARK_CLUSTER_ID</c>, which the CLI reads
    /// too, sets <c>Bulwark:ClusterId</c>), then the command line again so that it wins over them.
    /// </summary>
    public static WebApplicationBuilder AddBulwarkConfiguration(this WebApplicationBuilder builder, string[] args)
    {
        var fromEnvironment = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry entry in Environment.GetEnvironmentVariables())
        {
            if (entry.Key is string key && key.StartsWith("BULWARK_", StringComparison.OrdinalIgnoreCase) && key.Length > 8)
            {
                // "__" separates levels; a single "_" inside a name is only for reading (BULWARK_CLUSTER_ID = BULWARK_CLUSTERID).
                var path = string.Join(':', key[8..].Split("__").Select(part => part.Replace("_", "", StringComparison.Ordinal)));
                fromEnvironment[SiloOptions.Section + ":" + path] = entry.Value as string;
            }
        }
        builder.Configuration.AddInMemoryCollection(fromEnvironment);
        builder.Configuration.AddCommandLine(args, Switches.ToDictionary());
        return builder;
    }
}
