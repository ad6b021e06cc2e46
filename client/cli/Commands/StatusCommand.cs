using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Client.Reports;
using Orleans.Runtime;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark status</c>: the silos, their status and activations, and the world's topology.</summary>
internal static class StatusCommand
{
    public static async Task<int> RunAsync(CliContext c)
    {
        c.Line.ExpectPositionals(0, "");
        await using var connection = await c.ConnectAsync();
        var management = connection.Cluster.GetGrain<IManagementGrain>(0);
        var hosts = (await management.GetDetailedHosts(onlyActive: false))
            .OrderBy(h => h.SiloAddress.ToParsableString(), StringComparer.Ordinal).ToArray();
        var active = hosts.Where(h => h.Status == SiloStatus.Active).Select(h => h.SiloAddress).ToArray();
        var stats = active.Length == 0 ? [] : await management.GetRuntimeStatistics(active);
        var activations = active.Zip(stats).ToDictionary(p => p.First, p => p.Second.ActivationCount);

        WorldInfo? world = null;
        try
        {
            world = await connection.For(c.World).GetWorldAsync();
        }
        catch (NoTopologyException)
        {
        }

        if (c.Json)
        {
            var silos = new JsonArray();
            foreach (var host in hosts)
            {
                silos.Add(new JsonObject
                {
                    ["address"] = host.SiloAddress.ToParsableString(),
                    ["name"] = host.SiloName,
                    ["status"] = host.Status.ToString().ToLowerInvariant(),
                    ["activations"] = activations.TryGetValue(host.SiloAddress, out var n) ? n : null,
                });
            }
            await c.Out.WriteLineAsync(Output.Json(new JsonObject
            {
                ["silos"] = silos,
                ["world"] = world is null ? null : WorldJson(world),
            }));
            return Cli.Ok;
        }

        await Output.TableAsync(c.Out, ["SILO", "NAME", "STATUS", "ACTIVATIONS"],
            hosts.Select(h => (IReadOnlyList<string>)[h.SiloAddress.ToParsableString(), h.SiloName ?? "", h.Status.ToString(),
                activations.TryGetValue(h.SiloAddress, out var n) ? n.ToString(CultureInfo.InvariantCulture) : "-"]));
        await c.Out.WriteLineAsync(world is null
            ? $"world {c.World}: no topology loaded"
            : $"world {world.World}: '{world.Name}' (generation {world.Generation}): {RunFormat.Count(world.Domains, "domain")}, {RunFormat.Count(world.Segments, "segment")}, {RunFormat.Count(world.Nodes, "node")}, {RunFormat.Count(world.Dependencies, "dependency")}");
        return Cli.Ok;
    }

    public static JsonObject WorldJson(WorldInfo world) => new()
    {
        ["world"] = world.World,
        ["name"] = world.Name,
        ["generation"] = world.Generation,
        ["domains"] = world.Domains,
        ["segments"] = world.Segments,
        ["nodes"] = world.Nodes,
        ["dependencies"] = world.Dependencies,
    };
}
