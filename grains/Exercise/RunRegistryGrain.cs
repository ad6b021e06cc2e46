using System.Collections.Immutable;

namespace Bulwark.Grains.Exercise;

/// <summary>
/// The runs started on this cluster, oldest first, with what each said of itself as it started and
/// as it ended. Listing them asks only the runs still going; an ended run is not activated (its
/// outcome, report included, stays on disk), so thousands of ended runs cost a look at the
/// store's directory, not thousands of activations.
/// </summary>
/// <remarks>
/// Ended runs the journal store has from before (a restart of the silo; in-memory storage lost)
/// come first, read once from their stored outcomes. The grain is kept alive so that it reads them
/// once, not again after every idle collection.
/// </remarks>
[GrainType("bulwark.runs"), KeepAlive]
public sealed class RunRegistryGrain(
    [PersistentState("runs", BulwarkStorage.Name)] IPersistentState<List<string>> state,
    IJournalStore store) : Grain, IRunRegistryGrain
{
    /// <summary>The most runs asked for their progress, or read from the store, at once.</summary>
    private const int Window = 64;

    private readonly Dictionary<string, RunInfo> _infos = new(StringComparer.Ordinal);
    private HashSet<string>? _started;

    private HashSet<string> Started => _started ??= state.State.ToHashSet(StringComparer.Ordinal);

    public async Task RecordAsync(RunInfo info)
    {
        _infos[info.RunId] = info;
        if (Started.Add(info.RunId))
        {
            state.State.Add(info.RunId);
            await state.WriteStateAsync();
        }
    }

    public async Task<ImmutableArray<string>> ListAsync() => [.. await IdsAsync()];

    /// <summary>The runs the journal store has from before (ended, or left going by a silo that stopped), then the runs started here.</summary>
    private async Task<List<string>> IdsAsync()
    {
        var stored = await store.ListRunsAsync();
        return [.. stored.Where(id => !Started.Contains(id)), .. state.State];
    }

    public async Task<ImmutableArray<RunInfo>> QueryAsync(RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Last < 0)
        {
            throw new InvalidRequestException($"a number of runs must not be negative: {query.Last}");
        }
        var ids = await IdsAsync();
        // Ended runs not yet seen here: their stored outcome says how they ended, once.
        foreach (var (id, info) in await EachAsync(ids.Where(id => !_infos.ContainsKey(id)), StoredAsync))
        {
            if (info is not null)
            {
                _infos[id] = info;
            }
        }
        // Runs still going, as they stand now (a grain call each; they are few).
        var now = new Dictionary<string, RunInfo>(StringComparer.Ordinal);
        var going = ids.Where(id => _infos.TryGetValue(id, out var info) && info.State is RunState.Running or RunState.Paused);
        foreach (var (id, info) in await EachAsync(going, NowAsync))
        {
            if (info is not null)
            {
                now[id] = info;
                if (info.State is not (RunState.Running or RunState.Paused))
                {
                    // It ended and its own word of that did not arrive: not asked again.
                    _infos[id] = info;
                }
            }
        }
        var listed = ids
            .Select(id => now.TryGetValue(id, out var info) || _infos.TryGetValue(id, out info) ? info : null)
            .OfType<RunInfo>()
            .Where(info => query.States.IsDefaultOrEmpty || query.States.Contains(info.State))
            .ToList();
        return query.Last > 0 && listed.Count > query.Last ? [.. listed[^query.Last..]] : [.. listed];
    }

    /// <summary>
    /// How a run ended, from its stored outcome; else (started here and not stored, or an outcome that cannot be read)
    /// what its controller says: a run whose outcome cannot be read is listed as failed, saying why.
    /// </summary>
    private async Task<(string Id, RunInfo? Info)> StoredAsync(string id)
    {
        try
        {
            if (await store.ReadOutcomeAsync(id) is { } outcome)
            {
                return (id, outcome.Info);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // The run's controller says so, and logs it.
        }
        return await NowAsync(id);
    }

    /// <summary>
    /// A run's progress now; null for one its controller does not know. A run that cannot be asked (its silo gone, its
    /// files unreadable) is listed as it was last known, or as failed, with why: one run does not break the list.
    /// </summary>
    private async Task<(string Id, RunInfo? Info)> NowAsync(string id)
    {
        try
        {
            return (id, await GrainFactory.GetGrain<IRunGrain>(id).GetInfoAsync());
        }
        catch (UnknownScopeException)
        {
            return (id, null);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            var why = $"cannot be asked now: {e.Message}";
            return (id, _infos.TryGetValue(id, out var known)
                ? known with { Message = why }
                : RunInfo.PlaceUnknown(id, RunState.Failed, 0, why));
        }
    }

    /// <summary>Calls <paramref name="ask"/> for each id, <see cref="Window"/> at a time.</summary>
    private static async Task<List<(string Id, RunInfo? Info)>> EachAsync(IEnumerable<string> ids, Func<string, Task<(string, RunInfo?)>> ask)
    {
        var answers = new List<(string, RunInfo?)>();
        foreach (var window in ids.Chunk(Window))
        {
            answers.AddRange(await Task.WhenAll(window.Select(ask)));
        }
        return answers;
    }
}
