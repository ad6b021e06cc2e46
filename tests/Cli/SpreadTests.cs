using Bulwark.Client.Reports;

namespace Bulwark.Tests.Cli;

public sealed class SpreadTests
{
    [Fact]
    public void Of_FourValues_MeanSampleDeviationAndStudentsInterval()
    {
        var spread = Spread.Of([4, 1, 3, 2]);

        var sd = Math.Sqrt(5.0 / 3);
        Assert.Equal(new Spread(4, 2.5, sd, 3.182 * sd / 2, 2.5 - 3.182 * sd / 2, 2.5 + 3.182 * sd / 2, 1, 4), spread);
        Assert.Equal("2.50 +/-2.05", spread.Text("0.00"));
        Assert.Equal("+2.50 +/-2.05", spread.Text("+0.00;-0.00;0.00"));
    }

    [Fact]
    public void Of_OneValue_NoSpread_NaNsLeftOut_NoneIsEmpty()
    {
        Assert.Equal(new Spread(1, 7, 0, 0, 7, 7, 7, 7), Spread.Of([double.NaN, 7]));
        var none = Spread.Of([double.NaN]);
        Assert.Equal((0, "-"), (none.Count, none.Text("0.00")));
        Assert.Null(none.Json()["mean"]);
    }

    [Fact]
    public void Of_BoundedQuantity_IntervalEndsStayInItsRange_TheHalfWidthDoesNot()
    {
        // Two capabilities far apart: t(1) makes the interval 0.5 +/- 12.706 * 0.4 / sqrt 2.
        var spread = Spread.Of([0.2, 0.8], lower: 0, upper: 1);

        var half = 12.706 * Math.Sqrt(0.18) / Math.Sqrt(2);
        Assert.Equal((half, 0.0, 1.0), (spread.HalfWidth, spread.Low, spread.High));
        Assert.Equal((0.5, half, 0.0, 1.0), ((double)spread.Json()["mean"]!, (double)spread.Json()["halfWidth"]!, (double)spread.Json()["low"]!, (double)spread.Json()["high"]!));
    }

    [Theory]
    [InlineData(1, 12.706)]
    [InlineData(2, 4.303)]
    [InlineData(30, 2.042)]
    [InlineData(31, 2.042)]
    [InlineData(39, 2.042)]
    [InlineData(40, 2.021)]
    [InlineData(59, 2.021)]
    [InlineData(60, 2.000)]
    [InlineData(119, 2.000)]
    [InlineData(120, 1.980)]
    [InlineData(999, 1.980)]
    public void StudentT95_IsTheTablesRow_OrTheRowBelowBetweenRows(int df, double expected) =>
        Assert.Equal(expected, Spread.StudentT95(df));
}
