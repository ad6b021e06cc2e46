using Bulwark.Grains.Exercise;
using Bulwark.Silo.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Bulwark.Tests.Support;

/// <summary>An in-process cluster of a given size with Bulwark's services; journals go to a temporary directory.</summary>
public abstract class SizedClusterFixture(short silos) : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;

    public IClusterClient Client => Cluster.Client;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "bulwark-tests-" + Guid.NewGuid().ToString("N"));

    public async ValueTask InitializeAsync()
    {
        Cluster = Build(silos, DataDirectory);
        await Cluster.DeployAsync();
    }

    /// <summary>A cluster of <paramref name="silos"/> with Bulwark's services, its journals in <paramref name="dataDirectory"/>; not deployed yet.</summary>
    public static InProcessTestCluster Build(short silos, string dataDirectory)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddBulwarkGrainServices();
            silo.Services.Configure<JournalOptions>(o => o.DataDirectory = dataDirectory);
        });
        builder.ConfigureClient(client => client.AddMemoryStreams(BulwarkStreams.Provider));
        return builder.Build();
    }

    public async ValueTask DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        GC.SuppressFinalize(this);
    }
}

public sealed class OneSiloFixture() : SizedClusterFixture(1);

public sealed class ThreeSiloFixture() : SizedClusterFixture(3);

[CollectionDefinition(Name)]
public sealed class OneSiloTests : ICollectionFixture<OneSiloFixture>
{
    public const string Name = "one silo";
}

[CollectionDefinition(Name)]
public sealed class ThreeSiloTests : ICollectionFixture<ThreeSiloFixture>
{
    public const string Name = "three silos";
}
