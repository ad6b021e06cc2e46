using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orleans.Runtime;
using Orleans.Streams;

namespace Bulwark.Client;

/// <summary>
/// Typed access to one Bulwark world over an <see cref="IClusterClient"/>: load a topology,
/// report observations, read posture, follow posture changes.
/// </summary>
/// <param name="cluster">A connected Orleans client (see <see cref="BulwarkConnection"/>).</param>
/// <param name="world">The world; default <c>live</c>.</param>
public sealed class BulwarkClient(IClusterClient cluster, string world = EntityId.LiveWorld)
{
    /// <summary>Observations per call when a large batch is split. Default 5,000.</summary>
    public int ChunkSize { get; init; } = 5_000;

    /// <summary>The world this client reads and writes.</summary>
    public string World { get; } = world;

    /// <summary>The underlying Orleans client.</summary>
    public IClusterClient Cluster { get; } = cluster;

    /// <summary>
    /// Replaces the world's topology. Nodes it keeps keep their reported status and history (all
    /// start healthy with <paramref name="reset"/>); new nodes start healthy; removed ones are retired.
    /// </summary>
    public Task<WorldInfo> LoadTopologyAsync(TopologyDefinition topology, bool reset, CancellationToken cancellationToken = default) =>
        Cluster.GetGrain<IWorldGrain>(World).LoadTopologyAsync(topology, reset, cancellationToken);

    /// <summary>Replaces the world's topology, keeping the posture of the nodes it keeps.</summary>
    public Task<WorldInfo> LoadTopologyAsync(TopologyDefinition topology, CancellationToken cancellationToken = default) =>
        LoadTopologyAsync(topology, reset: false, cancellationToken);

    /// <summary>The loaded topology's summary; <see cref="NoTopologyException"/> when none is loaded.</summary>
    /// <remarks>
    /// Here and in the other reads, <c>cancellationToken</c> stops the wait for the answer (with
    /// <see cref="OperationCanceledException"/>); a call already sent is not taken back.
    /// </remarks>
    public Task<WorldInfo> GetWorldAsync(CancellationToken cancellationToken = default) =>
        Cluster.GetGrain<IWorldGrain>(World).GetInfoAsync().AsTask().WaitAsync(cancellationToken);

    /// <summary>
    /// Reports one observation straight to its node. <paramref name="cancellationToken"/> stops the
    /// wait for the answer; once sent, the observation may still be applied.
    /// </summary>
    /// <exception cref="InvalidRequestException">A value is malformed, or the time is too far ahead of the silo's clock.</exception>
    /// <exception cref="UnknownNodesException">The node is not in the topology.</exception>
    /// <exception cref="NoTopologyException">The world has no topology loaded.</exception>
    public Task<IngestResult> ReportAsync(Observation observation, CancellationToken cancellationToken = default)
    {
        ObservationRules.ThrowIfInvalid([observation]);
        cancellationToken.ThrowIfCancellationRequested();
        return Cluster.GetGrain<INodeGrain>(EntityId.Key(World, observation.Node)).ObserveAsync([observation]).AsTask().WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Reports a batch. Every value and node id is checked before anything is sent, so an error
    /// applies nothing; large batches then go in chunks of <see cref="ChunkSize"/>, each with all of
    /// its nodes' observations, so that <see cref="IngestResult.Changed"/> counts a node once.
    /// <paramref name="cancellationToken"/> stops the wait, and sends no further chunk; chunks
    /// already sent may still be applied.
    /// </summary>
    /// <exception cref="InvalidRequestException">A value is malformed, or a time is too far ahead of the silo's clock.</exception>
    /// <exception cref="UnknownNodesException">Some nodes are not in the topology.</exception>
    /// <exception cref="NoTopologyException">The world has no topology loaded.</exception>
    public Task<IngestResult> ReportAsync(IReadOnlyList<Observation> observations, CancellationToken cancellationToken = default) =>
        ReportAsync(observations, applied: null, cancellationToken);

    /// <summary>
    /// As <see cref="ReportAsync(IReadOnlyList{Observation}, CancellationToken)"/>; <paramref name="applied"/> is
    /// told, after each chunk, how many observations of the batch have been applied so far (for a caller that
    /// must say how much went in when it stops part-way).
    /// </summary>
    public async Task<IngestResult> ReportAsync(IReadOnlyList<Observation> observations, IProgress<int>? applied, CancellationToken cancellationToken = default)
    {
        ObservationRules.ThrowIfInvalid(observations);
        var ingest = Cluster.GetGrain<IIngestGrain>(World);
        cancellationToken.ThrowIfCancellationRequested();
        if (observations.Count <= ChunkSize)
        {
            var result = await ingest.ReportBatchAsync(ObservationBatch.From(observations)).AsTask().WaitAsync(cancellationToken);
            applied?.Report(observations.Count);
            return result;
        }
        var unknown = await FindUnknownAsync(observations.Select(o => o.Node), cancellationToken);
        if (!unknown.IsEmpty)
        {
            throw new UnknownNodesException(World, unknown);
        }
        // The silo checks each chunk's times; the whole batch is checked against its clock first, and numbered as given.
        var (now, tolerance) = await GetSiloClockAsync(cancellationToken);
        ObservationRules.ThrowIfAhead(observations.Select(o => o.Time), now, tolerance);
        var total = IngestResult.Empty;
        var done = 0;
        foreach (var chunk in ChunksByNode(observations, ChunkSize))
        {
            cancellationToken.ThrowIfCancellationRequested();
            total = total.Plus(await ingest.ReportBatchAsync(ObservationBatch.From(chunk)).AsTask().WaitAsync(cancellationToken));
            applied?.Report(done += chunk.Length);
        }
        return total;
    }

    /// <summary>
    /// Cuts a batch into chunks of at most <paramref name="size"/> that each hold all of a node's observations (in the
    /// batch's order; nodes in the order they first appear), so that a node counts once in <see cref="IngestResult.Changed"/>
    /// however the batch is cut. Only a node with more than <paramref name="size"/> observations spans chunks.
    /// </summary>
    internal static IEnumerable<Observation[]> ChunksByNode(IReadOnlyList<Observation> observations, int size)
    {
        var chunk = new List<Observation>(size);
        // GroupBy keeps the groups in order of first appearance, and each group's observations in the batch's order.
        foreach (var group in observations.GroupBy(o => o.Node, StringComparer.Ordinal).Select(g => g.ToArray()))
        {
            if (chunk.Count + group.Length > size && chunk.Count > 0)
            {
                yield return [.. chunk];
                chunk.Clear();
            }
            foreach (var part in group.Chunk(size))
            {
                if (part.Length == size)
                {
                    yield return part;
                }
                else
                {
                    chunk.AddRange(part);
                }
            }
        }
        if (chunk.Count > 0)
        {
            yield return [.. chunk];
        }
    }

    /// <summary>
    /// The silo's clock and how far ahead of it an observation may be dated (see
    /// <see cref="ObservationRules.ThrowIfAhead"/>): to check times before reporting them.
    /// </summary>
    public async Task<(DateTimeOffset Now, TimeSpan Tolerance)> GetSiloClockAsync(CancellationToken cancellationToken = default) =>
        await Cluster.GetGrain<IIngestGrain>(World).GetClockAsync().AsTask().WaitAsync(cancellationToken);

    /// <summary>Those of <paramref name="nodes"/> the topology lacks, sorted.</summary>
    public async Task<ImmutableArray<string>> FindUnknownAsync(IEnumerable<string> nodes, CancellationToken cancellationToken = default)
    {
        var world = Cluster.GetGrain<IWorldGrain>(World);
        if (await world.GetGenerationAsync().AsTask().WaitAsync(cancellationToken) == 0)
        {
            throw new NoTopologyException(World);
        }
        return await world.FindUnknownAsync([.. nodes.Distinct(StringComparer.Ordinal)]).AsTask().WaitAsync(cancellationToken);
    }

    /// <summary>The alliance's posture with each domain's.</summary>
    public Task<PostureSnapshot> GetAlliancePostureAsync(CancellationToken cancellationToken = default) =>
        Cluster.GetGrain<IAllianceGrain>(World).GetPostureAsync().AsTask().WaitAsync(cancellationToken);

    /// <summary>A domain's posture with each segment's; <see cref="UnknownScopeException"/> for an unknown domain, <see cref="NoTopologyException"/> in a world without a topology.</summary>
    public Task<PostureSnapshot> GetDomainPostureAsync(string domain, CancellationToken cancellationToken = default)
    {
        ThrowIfBadId(domain, 1, "domain id (EST)");
        return Cluster.GetGrain<IDomainGrain>(EntityId.Key(World, domain)).GetPostureAsync().AsTask().WaitAsync(cancellationToken);
    }

    /// <summary>A segment's posture with each node's status; <see cref="UnknownScopeException"/> for an unknown segment, <see cref="NoTopologyException"/> in a world without a topology.</summary>
    public Task<PostureSnapshot> GetSegmentPostureAsync(string segment, CancellationToken cancellationToken = default)
    {
        ThrowIfBadId(segment, 2, "segment id (EST/mil-c2)");
        return Cluster.GetGrain<ISegmentGrain>(EntityId.Key(World, segment)).GetPostureAsync().AsTask().WaitAsync(cancellationToken);
    }

    /// <summary>A node's state and recent history; <see cref="UnknownNodesException"/> for an unknown node, <see cref="NoTopologyException"/> in a world without a topology.</summary>
    public Task<NodeView> GetNodeAsync(string node, CancellationToken cancellationToken = default)
    {
        ThrowIfBadId(node, 3, "node id (EST/mil-c2/c2-core)");
        return Cluster.GetGrain<INodeGrain>(EntityId.Key(World, node)).GetViewAsync().AsTask().WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Calls <paramref name="onChange"/> for every posture change of the world from now on;
    /// dispose the result to stop. The subscription is in place when the task completes.
    /// </summary>
    public async Task<IAsyncDisposable> SubscribeAsync(Func<PostureChange, Task> onChange, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var stream = Cluster.GetStreamProvider(BulwarkStreams.Provider)
            .GetStream<PostureChange>(StreamId.Create(BulwarkStreams.PostureNamespace, World));
        var handle = await stream.SubscribeAsync((change, _) => onChange(change));
        return new Subscription(handle);
    }

    /// <summary>
    /// Follows the world's posture changes until <paramref name="cancellationToken"/> fires; the
    /// enumeration then ends with <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <remarks>
    /// Every <see cref="WatchOptions.CheckEvery"/> it asks the cluster which silos are active. When a
    /// silo it was watching through has gone (stopped, killed, or restarted as a new one), the
    /// subscription may have gone with it: it subscribes again and calls
    /// <see cref="WatchOptions.OnGap"/>, since changes in between are not seen. When the cluster does
    /// not answer for <see cref="WatchOptions.GiveUpAfter"/>, the enumeration ends with a
    /// <see cref="ClusterLostException"/>: a watch never goes quietly blind.
    /// </remarks>
    public async IAsyncEnumerable<PostureChange> WatchAsync(WatchOptions? options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        options ??= new WatchOptions();
        // A change, or (Change null) a gap to report before the changes after it.
        var channel = Channel.CreateUnbounded<(PostureChange? Change, string? Gap)>(new UnboundedChannelOptions { SingleReader = true });
        Task Write(PostureChange change)
        {
            channel.Writer.TryWrite((change, null));
            return Task.CompletedTask;
        }
        // A call the checks make may take two intervals before it counts as unanswered.
        var callTimeout = options.CheckEvery * 2;
        var silos = await ActiveSilosAsync(options.GiveUpAfter, cancellationToken);
        IAsyncDisposable? subscription = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var checks = Task.CompletedTask;
        try
        {
            subscription = await SubscribeAsync(Write, cancellationToken);
            if (options.OnWatching is { } onWatching)
            {
                await onWatching();
            }
            checks = Task.Run(async () =>
            {
                var lastAnswer = DateTimeOffset.UtcNow;
                try
                {
                    while (true)
                    {
                        await Task.Delay(options.CheckEvery, stop.Token);
                        try
                        {
                            var now = await ActiveSilosAsync(callTimeout, stop.Token);
                            if (silos.Except(now).Select(s => s.Endpoint.ToString()).Order(StringComparer.Ordinal).ToList() is { Count: > 0 } gone)
                            {
                                // Its old subscription may live on (one silo of several gone) or not (the silo that held it
                                // gone): dropped as far as it can be, then made again. The gap is told first, so that every
                                // change after it comes after it.
                                if (subscription is not null)
                                {
                                    await DisposeQuietlyAsync(subscription, options.CheckEvery);
                                    subscription = null;
                                    channel.Writer.TryWrite((null, $"the silo at {string.Join(", ", gone)} left the cluster or was restarted;"
                                        + " watching again from now: changes in between are not shown"));
                                }
                                subscription = await SubscribeWithinAsync(Write, callTimeout, stop.Token);
                            }
                            else if (subscription is null)
                            {
                                // A subscription that could not be made last time.
                                subscription = await SubscribeWithinAsync(Write, callTimeout, stop.Token);
                            }
                            silos = now;
                            lastAnswer = DateTimeOffset.UtcNow;
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !stop.IsCancellationRequested)
                        {
                            if (DateTimeOffset.UtcNow - lastAnswer >= options.GiveUpAfter)
                            {
                                channel.Writer.TryComplete(new ClusterLostException(
                                    $"lost the cluster: no answer for {options.GiveUpAfter.TotalSeconds:0} s ({BulwarkConnection.GaveUp(e.Message)})", e));
                                return;
                            }
                        }
                    }
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                }
                catch (Exception e)
                {
                    channel.Writer.TryComplete(e);
                }
            }, CancellationToken.None);
            await foreach (var (change, gap) in channel.Reader.ReadAllAsync(cancellationToken))
            {
                if (change is not null)
                {
                    yield return change;
                }
                else if (options.OnGap is { } onGap)
                {
                    await onGap(gap!);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await checks;
            if (subscription is not null)
            {
                // The cluster may be gone, or going: nothing left to unsubscribe from then.
                await DisposeQuietlyAsync(subscription, options.CheckEvery);
            }
        }
    }

    /// <summary>Follows the world's posture changes with the default <see cref="WatchOptions"/>.</summary>
    public IAsyncEnumerable<PostureChange> WatchAsync(CancellationToken cancellationToken = default) => WatchAsync(null, cancellationToken);

    /// <summary>Subscribes, giving up after <paramref name="timeout"/>; a subscription made after that is dropped when it comes.</summary>
    private async Task<IAsyncDisposable> SubscribeWithinAsync(Func<PostureChange, Task> onChange, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var subscribing = SubscribeAsync(onChange, CancellationToken.None);
        try
        {
            return await subscribing.WaitAsync(timeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or OperationCanceledException)
        {
            // Otherwise a late one would deliver every change a second time beside the next.
            _ = subscribing.ContinueWith(t => DisposeQuietlyAsync(t.Result, timeout), CancellationToken.None,
                TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
            throw;
        }
    }

    private static async Task DisposeQuietlyAsync(IAsyncDisposable subscription, TimeSpan timeout)
    {
        try
        {
            await subscription.DisposeAsync().AsTask().WaitAsync(timeout);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
        }
    }

    /// <summary>The silos the cluster holds active now.</summary>
    private async Task<IReadOnlySet<SiloAddress>> ActiveSilosAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var hosts = await Cluster.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken).WaitAsync(timeout, cancellationToken);
        return hosts.Keys.ToHashSet();
    }

    private sealed class Subscription(StreamSubscriptionHandle<PostureChange> handle) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await handle.UnsubscribeAsync();
    }

    private static void ThrowIfBadId(string id, int parts, string what)
    {
        if (!EntityId.IsValid(id, parts))
        {
            throw new InvalidRequestException($"'{Echo.Of(id)}' is not a {what}: parts of {EntityId.PartRule}");
        }
    }
}

/// <summary>How <see cref="BulwarkClient.WatchAsync(WatchOptions?, CancellationToken)"/> keeps a watch honest when the cluster changes under it.</summary>
public sealed record WatchOptions
{
    /// <summary>How often the watch asks which silos are active. Default 2 s.</summary>
    public TimeSpan CheckEvery { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long the cluster may not answer before the watch ends with a <see cref="ClusterLostException"/>. Default 20 s.</summary>
    public TimeSpan GiveUpAfter { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Told once the watch's subscription is in place: changes from then on are seen.</summary>
    public Func<Task>? OnWatching { get; init; }

    /// <summary>Told, in order with the changes, when the watch subscribed again after a silo left: changes in between were not seen.</summary>
    public Func<string, Task>? OnGap { get; init; }
}
