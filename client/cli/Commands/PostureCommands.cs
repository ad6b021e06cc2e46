using System.Globalization;
using System.Text.Json.Nodes;
using Bulwark.Client.Reports;

namespace Bulwark.Cli.Commands;

/// <summary><c>bulwark posture [--domain D | --segment S]</c> and <c>bulwark node NODE</c>.</summary>
internal static class PostureCommands
{
    public static async Task<int> PostureAsync(CliContext c)
    {
        c.Line.ExpectPositionals(0, "");
        var domain = c.Line.Option("--domain");
        var segment = c.Line.Option("--segment");
        if (domain is not null && segment is not null)
        {
            throw new UsageException("give --domain or --segment, not both");
        }
        if (domain is not null && !EntityId.IsValid(domain, 1))
        {
            throw new UsageException($"'{domain}' is not a domain id (EST)");
        }
        if (segment is not null && !EntityId.IsValid(segment, 2))
        {
            throw new UsageException($"'{segment}' is not a segment id (EST/mil-c2)");
        }
        await using var connection = await c.ConnectAsync();
        var client = connection.For(c.World);
        var posture = segment is not null ? await client.GetSegmentPostureAsync(segment)
            : domain is not null ? await client.GetDomainPostureAsync(domain)
            : await client.GetAlliancePostureAsync();

        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(PostureJson(posture)));
            return Cli.Ok;
        }

        var title = posture.Scope switch
        {
            "alliance" => $"world {posture.World}: alliance",
            _ => $"world {posture.World}: {posture.Scope} {posture.Id}",
        };
        await c.Out.WriteLineAsync($"{title}: capability {Output.Number(posture.Tally.Capability)}, {RunFormat.Count(posture.Tally.Nodes, "node")}");
        await c.Out.WriteLineAsync();
        if (posture.Scope == "segment")
        {
            await Output.TableAsync(c.Out, ["NODE", "STATUS", "OPERATIONAL", "CRITICALITY"],
                posture.Nodes.Select(n => (IReadOnlyList<string>)[n.Id, WireNames.Of(n.Status), n.Operational ? "yes" : "no",
                    n.Criticality.ToString(CultureInfo.InvariantCulture)]));
        }
        else
        {
            var rows = posture.Children.Select(child => Output.StatusRow(child.Id, child.Tally)).ToList();
            rows.Add(Output.StatusRow("TOTAL", posture.Tally));
            await Output.TableAsync(c.Out, Output.StatusHeader(posture.Scope == "alliance" ? "DOMAIN" : "SEGMENT"), rows);
        }
        return Cli.Ok;
    }

    public static JsonObject PostureJson(PostureSnapshot posture)
    {
        var json = new JsonObject { ["world"] = posture.World };
        if (posture.Scope != "alliance")
        {
            json[posture.Scope] = posture.Id;
        }
        json["capability"] = posture.Tally.Capability;
        json["nodes"] = posture.Tally.Nodes;
        json["byStatus"] = Output.ByStatus(posture.Tally);
        switch (posture.Scope)
        {
            case "alliance":
                json["domains"] = Children(posture);
                break;
            case "domain":
                json["segments"] = Children(posture);
                break;
            default:
                json["members"] = new JsonArray([.. posture.Nodes.Select(n => (JsonNode)new JsonObject
                {
                    ["id"] = n.Id,
                    ["status"] = WireNames.Of(n.Status),
                    ["operational"] = n.Operational,
                    ["criticality"] = n.Criticality,
                })]);
                break;
        }
        return json;
    }

    private static JsonArray Children(PostureSnapshot posture) =>
        new([.. posture.Children.Select(child => (JsonNode)new JsonObject
        {
            ["id"] = child.Id,
            ["capability"] = child.Tally.Capability,
            ["nodes"] = child.Tally.Nodes,
            ["byStatus"] = Output.ByStatus(child.Tally),
        })]);

    public static async Task<int> NodeAsync(CliContext c)
    {
        c.Line.ExpectPositionals(1, "NODE");
        if (!EntityId.IsNode(c.Line.Positionals[0]))
        {
            throw new UsageException($"'{c.Line.Positionals[0]}' is not a node id (DOM/segment/node)");
        }
        await using var connection = await c.ConnectAsync();
        var view = await connection.For(c.World).GetNodeAsync(c.Line.Positionals[0]);
        var d = view.Definition;
        if (c.Json)
        {
            await c.Out.WriteLineAsync(Output.Json(new JsonObject
            {
                ["world"] = c.World,
                ["id"] = d.Id,
                ["kind"] = WireNames.Of(d.Kind),
                ["owner"] = WireNames.Of(d.Owner),
                ["criticality"] = d.Criticality,
                ["services"] = new JsonArray([.. d.Services.Select(s => (JsonNode)s)]),
                ["status"] = WireNames.Of(view.Status),
                ["reported"] = WireNames.Of(view.Reported),
                ["operational"] = view.Operational,
                ["failedDependencies"] = new JsonArray([.. view.FailedDependencies.Select(s => (JsonNode)s)]),
                ["dependencies"] = new JsonArray([.. d.Dependencies.Select(g => (JsonNode)new JsonObject
                {
                    ["mode"] = WireNames.Of(g.Mode),
                    ["nodes"] = new JsonArray([.. g.Nodes.Select(n => (JsonNode)n)]),
                })]),
                ["lastObserved"] = view.LastObserved is { } t ? Output.Time(t) : null,
                ["history"] = new JsonArray([.. view.History.Select(h => (JsonNode)new JsonObject
                {
                    ["time"] = Output.Time(h.Time),
                    ["from"] = WireNames.Of(h.From),
                    ["to"] = WireNames.Of(h.To),
                    ["reported"] = WireNames.Of(h.Reported),
                    ["technique"] = h.Technique,
                    ["source"] = h.Source,
                    ["stale"] = h.Stale,
                    ["operational"] = h.Operational,
                })]),
            }));
            return Cli.Ok;
        }

        await c.Out.WriteLineAsync($"{d.Id}  {WireNames.Of(d.Kind)}, {WireNames.Of(d.Owner)}, criticality {d.Criticality}");
        await c.Out.WriteLineAsync($"status: {WireNames.Of(view.Status)} (reported {WireNames.Of(view.Reported)}), {(view.Operational ? "operational" : "not operational")}");
        if (!d.Services.IsEmpty)
        {
            await c.Out.WriteLineAsync($"services: {string.Join(", ", d.Services)}");
        }
        foreach (var group in d.Dependencies)
        {
            await c.Out.WriteLineAsync($"depends {WireNames.Of(group.Mode)}: {string.Join(", ", group.Nodes.Select(n => view.FailedDependencies.Contains(n) ? n + " (failed)" : n))}");
        }
        if (view.History.IsEmpty)
        {
            await c.Out.WriteLineAsync("history: none");
            return Cli.Ok;
        }
        await c.Out.WriteLineAsync();
        await Output.TableAsync(c.Out, ["TIME", "FROM", "TO", "REPORTED", "TECHNIQUE", "SOURCE"],
            view.History.Select(h => (IReadOnlyList<string>)[Output.Time(h.Time), WireNames.Of(h.From), To(h),
                WireNames.Of(h.Reported) + (h.Stale ? " (stale)" : ""), h.Technique ?? "-", h.Source ?? "-"]));
        return Cli.Ok;
    }

    /// <summary>A history row's new status; when only the operational state changed, which way it went.</summary>
    private static string To(HistoryEntry h) => h.From == h.To && !h.Stale && h.Operational is { } operational
        ? $"{WireNames.Of(h.To)} ({(operational ? "operational" : "not operational")})"
        : WireNames.Of(h.To);
}
