namespace Bulwark.Grains.Live;

/// <summary>
/// Lets requests that arrived over the network run before a grain goes on with a long fan-out.
/// </summary>
/// <remarks>
/// Orleans runs a grain's turns on the .NET thread pool and queues the work a turn starts (calls to
/// other local grains, their answers) on the same thread's local queue. A pool thread takes work
/// from the global queue, where requests from the network land, only once its local queue is
/// empty. A batch of observations that fans out to segments, nodes and their dependants keeps the
/// local queues full until the whole batch is done, and a posture read that arrives meanwhile waits
/// for all of it. Awaiting <see cref="ToGlobalQueue"/> between the steps of a fan-out puts the
/// next step behind what is waiting in the global queue: a read then waits for one step of a
/// batch, not the batch.
/// </remarks>
internal static class QueueYield
{
    /// <summary>A task that completes from a work item at the back of the thread pool's global queue.</summary>
    public static Task ToGlobalQueue()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ThreadPool.UnsafeQueueUserWorkItem(static d => d.SetResult(), done, preferLocal: false);
        return done.Task;
    }
}
