namespace Bulwark.Grains.Live;

/// <summary>
/// Sends an aggregate up the chain one call at a time: a caller that asks while a send is in
/// flight waits for the next send, which carries every change made in the meantime. Under load a
/// burst of changes costs one call instead of one each; a single change still goes at once.
/// </summary>
/// <remarks>
/// For reentrant grains: everything runs on the activation's scheduler, one piece at a time, so no
/// locks are needed. <paramref name="send"/> must read the aggregate when it starts, not before.
/// </remarks>
internal sealed class Coalescer<T>(Func<Task<T>> send)
{
    private TaskCompletionSource<T>? _next;
    private bool _sending;

    /// <summary>Completes with the result of a send that started after this call.</summary>
    public Task<T> RequestAsync()
    {
        var waiter = _next ??= new TaskCompletionSource<T>();
        if (!_sending)
        {
            _ = PumpAsync();
        }
        return waiter.Task;
    }

    private async Task PumpAsync()
    {
        _sending = true;
        try
        {
            while (_next is { } waiter)
            {
                _next = null;
                try
                {
                    waiter.SetResult(await send());
                }
                catch (Exception e)
                {
                    waiter.SetException(e);
                }
            }
        }
        finally
        {
            _sending = false;
        }
    }
}
