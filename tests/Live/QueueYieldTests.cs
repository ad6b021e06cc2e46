using Bulwark.Grains.Live;

namespace Bulwark.Tests.Live;

public sealed class QueueYieldTests
{
    [Fact]
    public async Task ToGlobalQueue_IsNotDoneWhenItReturns_ButOnceTheThreadPoolRunsIt()
    {
        // Called from a pool thread, like the ingest grain's turns: a task already complete would let the
        // fan-out go on in the same turn, and reads waiting in the global queue would wait for the whole batch.
        // Another pool thread may run the work item before the caller looks (the machine has more than one), so
        // of many tries, some must find it not done yet; a task complete at return would be complete in all.
        var notDoneAtReturn = 0;
        for (var i = 0; i < 50; i++)
        {
            var completedAtReturn = await Task.Run(async () =>
            {
                var yielded = QueueYield.ToGlobalQueue();
                var atReturn = yielded.IsCompleted;
                await yielded.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
                return atReturn;
            }, TestContext.Current.CancellationToken);
            notDoneAtReturn += completedAtReturn ? 0 : 1;
        }

        Assert.True(notDoneAtReturn > 0, "the yield was already done when it returned, every time");
    }
}
