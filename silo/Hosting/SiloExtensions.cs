using System.Net;
using Bulwark.Grains;
using Bulwark.Grains.Exercise;
using Bulwark.Grains.Live;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Storage;
using Orleans.Dashboard;

namespace Bulwark.Silo.Hosting;

/// <summary>The Orleans silo of a Bulwark host.</summary>
public static class SiloExtensions
{
    /// <summary>The category Orleans's in-memory stream adapter logs under (it asks for a logger of <c>ILogger&lt;T&gt;</c>).</summary>
    public const string OrleansMemoryStreamLogCategory = "Microsoft.Extensions.Logging.ILogger";

    /// <summary>How long a posture change stays in the stream's cache at least, for a watcher that fell behind.</summary>
    public static readonly TimeSpan StreamCacheMinTime = TimeSpan.FromSeconds(10);

    /// <summary>How far behind the newest change a cached one may be before it goes (once it has been cached <see cref="StreamCacheMinTime"/>).</summary>
    public static readonly TimeSpan StreamCacheMaxAge = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Adds the silo: localhost clustering on the configured ports, in-memory storage, the posture
    /// stream and the dashboard; HTTP on the configured address. <paramref name="options"/> are the
    /// configured ones, checked (<see cref="StartupChecks.Options"/>).
    /// </summary>
    public static WebApplicationBuilder AddBulwarkSilo(this WebApplicationBuilder builder, SiloOptions options)
    {
        builder.Services.AddOptions<SiloOptions>().BindConfiguration(SiloOptions.Section);
        builder.WebHost.UseUrls(options.Http);

        builder.UseOrleans(silo =>
        {
            silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort,
                new IPEndPoint(IPAddress.Loopback, options.SiloPort), options.ServiceId, options.ClusterId);
            silo.Configure<EndpointOptions>(e => e.AdvertisedIPAddress = IPAddress.Loopback);
            silo.AddBulwarkGrainServices();
            silo.AddDashboard();
        });
        builder.Services.AddHealthChecks().AddCheck<ClusterHealthCheck>("cluster");
        // Orleans's in-memory stream logs every batch its queue refuses, with a stack trace, under this odd category
        // (one line per segment update in a burst into a large world). The segments log refusals themselves, throttled.
        builder.Logging.AddFilter(OrleansMemoryStreamLogCategory, LogLevel.None);
        return builder;
    }

    /// <summary>Storage and streams every Bulwark silo needs (also used by the test cluster).</summary>
    public static ISiloBuilder AddBulwarkGrainServices(this ISiloBuilder silo)
    {
        silo.Services.AddOptions<JournalOptions>().BindConfiguration(SiloOptions.Section);
        silo.Services.AddOptions<LiveOptions>().BindConfiguration(LiveOptions.Section).ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<LiveOptions>, LiveOptionsValidation>();
        silo.Services.AddSingleton<IJournalStore, FileJournalStore>();
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.AddMemoryGrainStorage(BulwarkStorage.Name);
        silo.AddMemoryGrainStorage(BulwarkStorage.PubSub);
        // State is stored with Orleans's own binary serializer: the default JSON serializer took most
        // of the silo's time under ingest (see docs/BENCHMARKS.md).
        foreach (var name in new[] { BulwarkStorage.Name, BulwarkStorage.PubSub })
        {
            silo.Services.AddOptions<MemoryGrainStorageOptions>(name).Configure<IServiceProvider>((options, services) =>
                options.GrainStorageSerializer = ActivatorUtilities.CreateInstance<OrleansGrainStorageSerializer>(services));
        }
        // The posture stream is a live feed: watchers start at its newest change. By default the stream's cache keeps
        // every batch for 30 minutes after the newest, which under steady reports grew the silo by megabytes a second.
        silo.AddMemoryStreams(BulwarkStreams.Provider, stream => stream.ConfigureCacheEviction(options => options.Configure(o =>
        {
            o.DataMinTimeInCache = StreamCacheMinTime;
            o.DataMaxAgeInCache = StreamCacheMaxAge;
        })));
        return silo;
    }

    /// <summary>Maps <c>/health</c>.</summary>
    public static WebApplication MapBulwarkHealth(this WebApplication app)
    {
        app.MapHealthChecks("/health");
        return app;
    }

    /// <summary>Maps the Orleans dashboard at <c>/dashboard</c>.</summary>
    public static WebApplication MapBulwarkDashboard(this WebApplication app)
    {
        app.MapOrleansDashboard("/dashboard");
        return app;
    }

    /// <summary>
    /// Once the silo is up: loads <see cref="SiloOptions.Topology"/> into the live world and runs
    /// <see cref="SiloOptions.Exercise"/>, printing its report.
    /// </summary>
    public static WebApplicationBuilder AddBulwarkStartup(this WebApplicationBuilder builder, StartupFiles files)
    {
        builder.Services.AddSingleton(files);
        builder.Services.AddHostedService<StartupTopology>();
        builder.Services.AddHostedService<StartupExercise>();
        return builder;
    }
}

/// <summary>Checks the live world's settings, naming each value out of range (<see cref="LiveOptions.Problems"/>).</summary>
internal sealed class LiveOptionsValidation : IValidateOptions<LiveOptions>
{
    public ValidateOptionsResult Validate(string? name, LiveOptions options) =>
        options.Problems() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
