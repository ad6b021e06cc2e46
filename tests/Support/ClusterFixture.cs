using Bulwark.Silo.Hosting;
using Orleans.TestingHost;

namespace Bulwark.Tests.Support;

/// <summary>A two-silo in-process cluster with Bulwark's storage and streams, shared by the cluster tests.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => silo.AddBulwarkGrainServices());
        builder.ConfigureClient(client => client.AddMemoryStreams(BulwarkStreams.Provider));
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
