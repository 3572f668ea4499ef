using Resso.Load.Reporting;

namespace Resso.Load.Tests;

public sealed class ReportTests
{
    [Theory]
    [InlineData(0, "0 %")]
    [InlineData(0.00001, "<0.01 %")]
    [InlineData(0.00043, "0.04 %")]
    [InlineData(0.041, "4.1 %")]
    [InlineData(0.8, "80 %")]
    [InlineData(1.56, "156 %")]
    public void Percent_SmallAndLargeShares_StayReadable(double ratio, string expected)
    {
        Assert.Equal(expected, Format.Percent(ratio));
    }

    [Theory]
    [InlineData(0.41234, "0.412")]
    [InlineData(4.2123, "4.21")]
    [InlineData(42.123, "42.1")]
    [InlineData(4212.3, "4,212")]
    public void Ms_Latencies_KeepAboutThreeSignificantDigits(double ms, string expected)
    {
        Assert.Equal(expected, Format.Ms(ms));
    }

    [Fact]
    public void MarkdownTable_PipesInCells_AreEscaped()
    {
        var table = Format.MarkdownTable(["run", "req/s"], [["a|b", "1"]], textColumns: 1);

        Assert.Equal("| run | req/s |\n| --- | ---: |\n| a\\|b | 1 |\n", table);
    }
}
