using Bulwark.Client.Reports;

namespace Bulwark.Tests.Cli;

public sealed class ReportTextTests
{
    private static ScopeMetrics Metrics(double? timeToRecover, bool recovered) =>
        new("EST", 1.5, 0.4, 0.6, timeToRecover, recovered, null, null, null, 0, 0, 0, null, null, []);

    private static RunInfo Info(RunState state) => new("run-1", "s", null, state, 60, 600, TimeSpan.FromMinutes(1), 10, 5, 0, null);

    [Theory]
    [InlineData(RunState.Running, "not yet")]
    [InlineData(RunState.Paused, "not yet")]
    [InlineData(RunState.Completed, "never")]
    [InlineData(RunState.Stopped, "never")]
    [InlineData(RunState.Failed, "never")]
    public void T95_BelowNinetyFivePercentAtTheReport_SaysWhetherItMayStillComeBack(RunState state, string expected) =>
        Assert.Equal(expected, ReportText.T95(Metrics(null, recovered: false), Info(state)));

    [Fact]
    public void T95_RecoveredOrNeverBelow_HoursOrDash()
    {
        Assert.Equal("2.50", ReportText.T95(Metrics(2.5, recovered: true), Info(RunState.Running)));
        Assert.Equal("-", ReportText.T95(Metrics(null, recovered: true), Info(RunState.Running)));
    }
}
