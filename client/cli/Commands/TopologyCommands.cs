using System.Text.Json.Nodes;
using Bulwark.Client.Reports;
using Bulwark.Scenarios;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark topology validate|load FILE</c>.</summary>
internal static class TopologyCommands
{
    /// <summary>Keys only a scenario file has at its top: a topology file that has one is likely a scenario.</summary>
    public static async Task<int> ValidateAsync(CliContext c)
    {
        c.Line.ExpectPositionals(1, "FILE");
        var file = c.Line.Positionals[0];
        var result = TopologyFile.Load(file);
        if (!result.Succeeded)
        {
            // As `validate` does: the errors one per line on stderr, and with --json also on stdout, in the shape of
            // every failing command's --json.
            var summary = RunFormat.Count(result.Diagnostics.Length, "error");
            if (c.Json)
            {
                await c.Out.WriteLineAsync(Output.Json(new JsonObject
                {
                    ["file"] = file,
                    ["valid"] = false,
                    ["error"] = summary,
                    ["exitCode"] = Cli.BadInput,
                    ["errors"] = ExerciseCommands.ErrorsJson(result.Diagnostics),
                }));
            }
            foreach (var diagnostic in result.Diagnostics)
            {
                await c.Err.WriteLineAsync(diagnostic.ToString());
            }
            if (TopologyFile.LooksLikeScenario(result.Diagnostics))
            {
                await c.Err.WriteLineAsync($"{file}: this looks like a scenario file; check it with 'bulwark validate {file}'");
            }
            await c.Err.WriteLineAsync($"bulwark: {summary}");
            return Cli.BadInput;
        }
        var topology = result.Value!;
        var nodes = topology.AllNodes.Count();
        var segments = topology.AllSegments.Count();
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(new JsonObject
            {
                ["file"] = file,
                ["valid"] = true,
                ["name"] = topology.Name,
                ["domains"] = topology.Domains.Length,
                ["segments"] = segments,
                ["nodes"] = nodes,
            }));
        }
        else
        {
            await c.Out.WriteLineAsync($"{file}: valid: '{topology.Name}', {RunFormat.Count(topology.Domains.Length, "domain")}, {RunFormat.Count(segments, "segment")}, {RunFormat.Count(nodes, "node")}");
        }
        return Cli.Ok;
    }

    public static async Task<int> LoadAsync(CliContext c)
    {
        c.Line.ExpectPositionals(1, "FILE");
        var topology = TopologyFile.Load(c.Line.Positionals[0]).GetValueOrThrow();
        await using var connection = await c.ConnectAsync();
        var reset = c.Line.Flag("--reset");
        var world = await connection.For(c.World).LoadTopologyAsync(topology, reset, c.CancellationToken);
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(StatusCommand.WorldJson(world)));
        }
        else
        {
            await c.Out.WriteLineAsync($"loaded '{world.Name}' into world {world.World} (generation {world.Generation}): {RunFormat.Count(world.Domains, "domain")}, {RunFormat.Count(world.Segments, "segment")}, {RunFormat.Count(world.Nodes, "node")}, {RunFormat.Count(world.Dependencies, "dependency")}; {(reset ? "all nodes healthy" : "posture kept for the nodes it keeps")}");
        }
        return Cli.Ok;
    }
}
