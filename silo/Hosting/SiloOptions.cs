namespace Bulwark.Silo.Hosting;

/// <summary>
/// Settings of a Bulwark silo, section <c>Bulwark</c>. Environment variables <c>BULWARK_X</c> set
/// <c>Bulwark:X</c> (<c>__</c> separates levels); the command line takes <c>--silo-port</c>,
/// <c>--gateway-port</c>, <c>--http</c>, <c>--topology</c> or any <c>--Bulwark:X value</c>.
/// </summary>
public sealed class SiloOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Bulwark";

    /// <summary>Silo-to-silo port. Default 11111.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port clients connect to. Default 30000.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>Orleans cluster id. Default <c>bulwark</c>.</summary>
    public string ClusterId { get; set; } = "bulwark";

    /// <summary>Orleans service id; keep it across deployments so stored state stays reachable. Default <c>bulwark</c>.</summary>
    public string ServiceId { get; set; } = "bulwark";

    /// <summary>HTTP address of the dashboard and health endpoint. Default <c>http://127.0.0.1:8080</c>.</summary>
    public string Http { get; set; } = "http://127.0.0.1:8080";

    /// <summary>Where exercise journals are written (<c>DIR/runs/RUN.journal</c>). Default <c>./data</c>.</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>A scenario file to run once the silo is up; its report is printed to the console. Default none.</summary>
    public string? Exercise { get; set; }

    /// <summary>The variant of <see cref="Exercise"/> to run. Default the base scenario.</summary>
    public string? ExerciseVariant { get; set; }

    /// <summary>A topology file to load into the live world when the silo starts. Default none.</summary>
    public string? Topology { get; set; }
}
