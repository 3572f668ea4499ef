using Resso.Functions.SelfHost.Queues;

namespace Resso.Functions.Tests.Queues;

public sealed class PollingBackoffTests
{
    [Fact]
    public void Next_EmptyPolls_DoublesFrom100MsUpToTheMaximum()
    {
        var backoff = new PollingBackoff(TimeSpan.FromSeconds(1), new FixedRandom(0.5)); // 0.5 → no jitter

        var delays = Enumerable.Range(0, 7).Select(_ => backoff.Next().TotalMilliseconds).ToArray();

        Assert.Equal([100, 200, 400, 800, 1000, 1000, 1000], delays);
    }

    [Fact]
    public void Reset_AfterAMessage_StartsAgainAtTheMinimum()
    {
        var backoff = new PollingBackoff(TimeSpan.FromSeconds(10), new FixedRandom(0.5));
        backoff.Next();
        backoff.Next();
        backoff.Next();

        backoff.Reset();

        Assert.Equal(TimeSpan.FromMilliseconds(100), backoff.Next());
    }

    [Theory]
    [InlineData(0.0, 80)]
    [InlineData(0.999999, 120)]
    public void Next_Jitter_StaysWithinTwentyPercent(double sample, double expectedMs)
    {
        var backoff = new PollingBackoff(TimeSpan.FromSeconds(10), new FixedRandom(sample));

        Assert.Equal(expectedMs, backoff.Next().TotalMilliseconds, precision: 0);
    }

    [Fact]
    public void Next_JitterAtTheCap_NeverExceedsTheMaximum()
    {
        var backoff = new PollingBackoff(TimeSpan.FromMilliseconds(150), new FixedRandom(0.999999));

        Assert.All(Enumerable.Range(0, 5), _ => Assert.True(backoff.Next() <= TimeSpan.FromMilliseconds(150)));
    }

    private sealed class FixedRandom(double sample) : Random
    {
        public override double NextDouble() => sample;
    }
}
