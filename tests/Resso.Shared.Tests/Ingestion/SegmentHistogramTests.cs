using Resso.Shared.Events;
using Resso.Shared.Ingestion;

namespace Resso.Shared.Tests.Ingestion;

public sealed class SegmentHistogramTests
{
    [Fact]
    public void Top_StartsWithinFiveSeconds_CountAsOneSegment()
    {
        var histogram = new SegmentHistogram();
        histogram.Add(new Segment(30_500, 45_500));
        histogram.Add(new Segment(33_000, 48_000));
        histogram.Add(new Segment(0, 15_000));

        Assert.Equal(new Segment(30_000, 45_000), histogram.Top);
    }

    [Fact]
    public void ToString_RoundTripsAndKeepsTheMostUsedBuckets()
    {
        var histogram = new SegmentHistogram();
        for (var i = 0; i < 12; i++)
        {
            histogram.Add(new Segment(i * 10_000, (i * 10_000) + 15_000), count: i + 1);
        }

        var stored = SegmentHistogram.Parse(histogram.ToString());

        Assert.Equal(SegmentHistogram.MaxBuckets, stored.ToString().Split(';').Length);
        Assert.Equal(new Segment(110_000, 125_000), stored.Top);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("garbage;1-2")]
    public void Parse_EmptyOrDamaged_HasNoTop(string? text)
    {
        Assert.Null(SegmentHistogram.Parse(text).Top);
    }
}
