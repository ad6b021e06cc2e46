using System.Text;
using Bulwark.Client;
using Bulwark.Silo.Hosting;
using Bulwark.Tests.Support;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Bulwark.Tests.Live;

/// <summary>
/// A large topology takes longer to load than Orleans's default response timeout; the load's own
/// timeout must carry it. Here the client's timeout is cut to 100 ms so that a load of 6,000
/// nodes outlasts it.
/// </summary>
public sealed class LongLoadTests
{
    private const int Segments = 200;
    private const int NodesPerSegment = 30;

    [Fact]
    public async Task LoadTopology_OutlastingTheClientsResponseTimeout_Completes()
    {
        var builder = new InProcessTestClusterBuilder(1);
        builder.ConfigureSilo((_, silo) => silo.AddBulwarkGrainServices());
        builder.ConfigureClient(client =>
        {
            client.AddMemoryStreams(BulwarkStreams.Provider);
            client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromMilliseconds(100));
        });
        await using var cluster = builder.Build();
        await cluster.DeployAsync(TestContext.Current.CancellationToken);
        try
        {
            var client = new BulwarkClient(cluster.Client, "long-load");
            var started = TimeProvider.System.GetTimestamp();
            var info = await client.LoadTopologyAsync(TestTopologies.Parse(Chains()), TestContext.Current.CancellationToken);
            var took = TimeProvider.System.GetElapsedTime(started);

            Assert.Equal((1L, Segments * NodesPerSegment, Segments * (NodesPerSegment - 1)), (info.Generation, info.Nodes, info.Dependencies));
            // Otherwise the test shows nothing: the load must have outlasted the client's timeout several times over
            // (with a 100 ms timeout, Orleans looks for expired calls every 100 ms).
            Assert.True(took > TimeSpan.FromMilliseconds(300), $"the load took only {took.TotalMilliseconds:0} ms");
        }
        finally
        {
            await cluster.StopAllSilosAsync(TestContext.Current.CancellationToken);
        }
    }

    /// <summary>One domain of <see cref="Segments"/> segments, each a chain of nodes that need the one before.</summary>
    private static string Chains()
    {
        var yaml = new StringBuilder("domains:\n  - id: D\n    kind: nation\n    segments:\n");
        for (var s = 0; s < Segments; s++)
        {
            yaml.Append("      - id: s").Append(s).Append("\n        sector: energy\n        nodes:\n");
            for (var n = 0; n < NodesPerSegment; n++)
            {
                yaml.Append("          - {id: n").Append(n).Append(", kind: server, owner: civilian");
                if (n > 0)
                {
                    yaml.Append(", depends: [{all-of: [n").Append(n - 1).Append("]}]");
                }
                yaml.Append("}\n");
            }
        }
        return yaml.ToString();
    }
}
