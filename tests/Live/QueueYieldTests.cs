using Bulwark.Grains.Live;

namespace Bulwark.Tests.Live;

public sealed class QueueYieldTests
{
    [Fact]
    public async Task ToGlobalQueue_IsNotDoneWhenItReturns_ButOnceTheThreadPoolRunsIt()
    {
        // Called from a pool thread, like the ingest grain's turns: a task already complete would let the
        // fan-out go on in the same turn, and reads waiting in the global queue would wait for the whole batch.
        var completedAtReturn = await Task.Run(async () =>
        {
            var yielded = QueueYield.ToGlobalQueue();
            var atReturn = yielded.IsCompleted;
            await yielded.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            return atReturn;
        }, TestContext.Current.CancellationToken);

        Assert.False(completedAtReturn);
    }
}
