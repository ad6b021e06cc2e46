using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;

namespace Bulwark.Client;

/// <summary>A connected Orleans client for a Bulwark cluster; dispose to disconnect.</summary>
public sealed partial class BulwarkConnection : IAsyncDisposable
{
    /// <summary>The default gateway, <c>127.0.0.1:30000</c>.</summary>
    public static readonly IPEndPoint DefaultGateway = new(IPAddress.Loopback, 30000);

    private readonly IHost _host;

    private BulwarkConnection(IHost host)
    {
        _host = host;
        Cluster = host.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The Orleans client.</summary>
    public IClusterClient Cluster { get; }

    /// <summary>A typed client for <paramref name="world"/>.</summary>
    public BulwarkClient For(string world = EntityId.LiveWorld) => new(Cluster, world);

    /// <summary>
    /// Connects to the gateways; gives up after <paramref name="timeout"/> (default 10 s) with a
    /// <see cref="ConnectionException"/>. <paramref name="retrying"/> is called once, when the first attempt has
    /// failed and the connection tries again (a caller may say that it waits).
    /// </summary>
    public static async Task<BulwarkConnection> ConnectAsync(IReadOnlyList<IPEndPoint> gateways,
        string clusterId = "bulwark", string serviceId = "bulwark", TimeSpan? timeout = null, Action? retrying = null,
        CancellationToken cancellationToken = default)
    {
        var retried = false;
        var deadline = DateTimeOffset.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        // A connection is a part of its caller's process, not its host: Ctrl-C and SIGTERM stay the caller's to handle
        // (the default lifetime would take them for itself and cancel a connection being made).
        builder.Services.AddSingleton<IHostLifetime, CallerLifetime>();
        builder.UseOrleansClient(client =>
        {
            client.UseStaticClustering([.. gateways]);
            client.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (clusterId, serviceId));
            client.AddMemoryStreams(BulwarkStreams.Provider);
            client.UseConnectionRetryFilter(async (_, ct) =>
            {
                if (DateTimeOffset.UtcNow >= deadline)
                {
                    return false;
                }
                if (!retried)
                {
                    retried = true;
                    retrying?.Invoke();
                }
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                return true;
            });
        });
        var host = builder.Build();
        try
        {
            await host.StartAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            host.Dispose();
            throw;
        }
        catch (Exception e)
        {
            host.Dispose();
            throw new ConnectionException(
                $"cannot reach the Bulwark cluster '{clusterId}' at {string.Join(", ", gateways)} (is a silo running there, with that cluster id?): "
                + GaveUp(Innermost(e).Message), e);
        }
        return new BulwarkConnection(host);
    }

    /// <summary>Orleans's connection error without its "will retry after …" (by the time it is shown, the client has given up), endpoints as a user gives them.</summary>
    public static string GaveUp(string message)
    {
        var retry = message.IndexOf(", will retry after", StringComparison.Ordinal);
        // Orleans names an endpoint as a silo address (S127.0.0.1:30000:0); the user gave it as 127.0.0.1:30000.
        return SiloAddressForm().Replace(retry < 0 ? message : message[..retry], "$1");
    }

    [GeneratedRegex(@"\bS(\d{1,3}(?:\.\d{1,3}){3}:\d+):\d+\b")]
    private static partial Regex SiloAddressForm();

    /// <summary>Parses <c>host:port</c>; host may be a name, an IPv4 address or <c>[IPv6]</c>.</summary>
    public static bool TryParseGateway(string text, out IPEndPoint endpoint) => GatewayProblem(text, out endpoint) is null;

    /// <summary>
    /// Parses <c>host:port</c> as <see cref="TryParseGateway"/> does; null when it parses, else what is wrong:
    /// its form, its port, or a host name that does not resolve.
    /// </summary>
    public static string? GatewayProblem(string text, out IPEndPoint endpoint)
    {
        endpoint = DefaultGateway;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out var port))
        {
            return "expected HOST:PORT";
        }
        if (port is < 1 or > 65535)
        {
            return $"port {port} is not in 1..65535";
        }
        var host = text[..colon].Trim('[', ']');
        if (IPAddress.TryParse(host, out var address))
        {
            endpoint = new IPEndPoint(address, port);
            return null;
        }
        try
        {
            var addresses = Dns.GetHostAddresses(host);
            var resolved = addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
            if (resolved is not null)
            {
                endpoint = new IPEndPoint(resolved, port);
                return null;
            }
        }
        catch (Exception e) when (e is SocketException or ArgumentException)
        {
            // Not a name that resolves, or not a name at all (longer than DNS allows, say).
        }
        return $"cannot resolve host '{host}'";
    }

    private static Exception Innermost(Exception e) => e.InnerException is null ? e : Innermost(e.InnerException);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        try
        {
            await _host.StopAsync(TimeSpan.FromSeconds(5));
        }
        finally
        {
            _host.Dispose();
        }
    }
}

/// <summary>The cluster could not be reached.</summary>
public sealed class ConnectionException(string message, Exception inner) : Exception(message, inner);

/// <summary>A cluster reached before stopped answering (its silos stopped, or the network between went).</summary>
public sealed class ClusterLostException(string message, Exception inner) : Exception(message, inner);

/// <summary>A host lifetime that leaves the process's signals alone.</summary>
file sealed class CallerLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
