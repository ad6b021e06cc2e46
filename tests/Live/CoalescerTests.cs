using Bulwark.Grains.Live;

namespace Bulwark.Tests.Live;

public sealed class CoalescerTests
{
    /// <summary>Sends whose completion the test controls; each send records the aggregate it read when it started.</summary>
    private sealed class Sends
    {
        public int Aggregate { get; set; }
        public List<(int Read, TaskCompletionSource Done)> Started { get; } = [];

        public async Task<int> SendAsync()
        {
            var read = Aggregate;
            var done = new TaskCompletionSource();
            Started.Add((read, done));
            await done.Task;
            return read;
        }
    }

    // Each test body runs without a synchronization context, so that a completed send resumes the
    // coalescer at once on the completing thread, as the activation's scheduler does in a grain.
    private static Task Plain(Func<Task> body) => Task.Run(body, TestContext.Current.CancellationToken);

    [Fact]
    public Task RequestAsync_WhileASendIsInFlight_LaterCallersShareOneNextSendThatReadsTheirChanges() => Plain(async () =>
    {
        var sends = new Sends();
        var coalescer = new Coalescer<int>(sends.SendAsync);

        sends.Aggregate = 1;
        var first = coalescer.RequestAsync();
        sends.Aggregate = 2;
        var second = coalescer.RequestAsync();
        sends.Aggregate = 3;
        var third = coalescer.RequestAsync();

        Assert.Single(sends.Started);
        Assert.False(second.IsCompleted);

        sends.Started[0].Done.SetResult();
        Assert.Equal(1, await first);
        // The next send started when the first ended and read the aggregate with both later changes.
        Assert.Equal(2, sends.Started.Count);
        Assert.Equal(3, sends.Started[1].Read);
        Assert.False(second.IsCompleted);

        sends.Started[1].Done.SetResult();
        Assert.Equal(3, await second);
        Assert.Equal(3, await third);
        Assert.Equal(2, sends.Started.Count);
    });

    [Fact]
    public Task RequestAsync_AfterTheLastSendEnded_StartsANewSendAtOnce() => Plain(async () =>
    {
        var sends = new Sends();
        var coalescer = new Coalescer<int>(sends.SendAsync);

        sends.Aggregate = 5;
        var first = coalescer.RequestAsync();
        sends.Started[0].Done.SetResult();
        Assert.Equal(5, await first);

        sends.Aggregate = 6;
        var second = coalescer.RequestAsync();
        Assert.Equal(2, sends.Started.Count);
        sends.Started[1].Done.SetResult();
        Assert.Equal(6, await second);
    });

    [Fact]
    public Task RequestAsync_SendFails_OnlyItsCallersSeeTheFailureAndTheNextSendStillGoes() => Plain(async () =>
    {
        var calls = 0;
        var release = new TaskCompletionSource();
        var coalescer = new Coalescer<int>(async () =>
        {
            var call = ++calls;
            if (call == 1)
            {
                await release.Task;
                throw new InvalidOperationException("domain unreachable");
            }
            return call;
        });

        var failing = coalescer.RequestAsync();
        var next = coalescer.RequestAsync();
        release.SetResult();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => failing);
        Assert.Equal("domain unreachable", error.Message);
        Assert.Equal(2, await next);
    });
}
