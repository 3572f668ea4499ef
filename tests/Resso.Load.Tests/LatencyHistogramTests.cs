using Resso.Load.Histograms;

namespace Resso.Load.Tests;

public sealed class LatencyHistogramTests
{
    private static readonly double[] Percentiles = [0, 1, 10, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 99.99, 100];

    public static TheoryData<string, int> Distributions => new()
    {
        { "lognormal", 1 },
        { "lognormal", 2 },
        { "uniform", 3 },
        { "exponential", 4 },
        { "bimodal", 5 },
    };

    [Theory]
    [MemberData(nameof(Distributions))]
    public void ValueAtPercentile_RandomSamples_IsWithinOnePercentOfTheExactPercentile(string distribution, int seed)
    {
        var samples = Samples.Of(distribution, 200_000, seed);
        var histogram = new LatencyHistogram();
        foreach (var sample in samples)
        {
            histogram.Record(sample);
        }

        var sorted = samples.Order().ToArray();
        foreach (var percentile in Percentiles)
        {
            var exact = sorted[Math.Max(1, (int)Math.Ceiling((decimal)percentile * sorted.Length / 100m)) - 1];
            var error = Math.Abs(histogram.ValueAtPercentile(percentile) - exact) / (double)exact;
            Assert.True(error <= 0.01, $"p{percentile} of {distribution}: {histogram.ValueAtPercentile(percentile)} vs exact {exact}");
            Assert.True(error <= LatencyHistogram.MaxRelativeError + 1e-12, $"p{percentile} of {distribution}: error {error:P3}");
        }
    }

    [Fact]
    public void CountMinMaxMean_RandomSamples_AreExact()
    {
        var samples = Samples.Of("lognormal", 10_000, 7);
        var histogram = new LatencyHistogram();
        foreach (var sample in samples)
        {
            histogram.Record(sample);
        }

        Assert.Equal((samples.Length, samples.Min(), samples.Max()), (histogram.Count, histogram.Min, histogram.Max));
        Assert.Equal(samples.Average(), histogram.Mean, 6);
    }

    [Fact]
    public void ValueAtPercentile_ValuesBelow256_AreExact()
    {
        var histogram = new LatencyHistogram();
        for (var value = 1; value <= 200; value++)
        {
            histogram.Record(value);
        }

        Assert.Equal((1, 100, 198, 200), (histogram.ValueAtPercentile(0), histogram.ValueAtPercentile(50), histogram.ValueAtPercentile(99), histogram.ValueAtPercentile(100)));
    }

    [Fact]
    public void Add_WorkersHistograms_EqualsOneHistogramOfEverySample()
    {
        var samples = Samples.Of("bimodal", 50_000, 11);
        var all = new LatencyHistogram();
        var workers = Enumerable.Range(0, 8).Select(_ => new LatencyHistogram()).ToArray();
        for (var i = 0; i < samples.Length; i++)
        {
            all.Record(samples[i]);
            workers[i % workers.Length].Record(samples[i]);
        }

        var merged = new LatencyHistogram();
        merged.Add(new LatencyHistogram()); // an idle worker changes nothing
        foreach (var worker in workers)
        {
            merged.Add(worker);
        }

        Assert.Equal((all.Count, all.Min, all.Max, all.Mean), (merged.Count, merged.Min, merged.Max, merged.Mean));
        Assert.All(Percentiles, p => Assert.Equal(all.ValueAtPercentile(p), merged.ValueAtPercentile(p)));
    }

    [Fact]
    public void ValueAtPercentile_Empty_IsZero()
    {
        var histogram = new LatencyHistogram();

        Assert.Equal((0L, 0L, 0L, 0.0), (histogram.ValueAtPercentile(50), histogram.Min, histogram.Max, histogram.Mean));
    }

    [Fact]
    public void Record_ValueBeyondTheHighestTrackable_KeepsTheExactMax()
    {
        var histogram = new LatencyHistogram();
        histogram.Record(1_000);
        histogram.Record(LatencyHistogram.HighestTrackableValue * 4);

        Assert.Equal(LatencyHistogram.HighestTrackableValue * 4, histogram.ValueAtPercentile(100));
        Assert.Equal(1_000, histogram.ValueAtPercentile(50));
    }

    [Fact]
    public void Record_NegativeValue_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LatencyHistogram().Record(-1));
    }
}

/// <summary>Latency-like samples in nanoseconds.</summary>
internal static class Samples
{
    public static long[] Of(string distribution, int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ => distribution switch
        {
            // median ~300 µs with a long tail, as loopback HTTP latencies look
            "lognormal" => (long)Math.Exp(Math.Log(300_000) + 0.8 * Gaussian(random)),
            "uniform" => random.NextInt64(1, 2_000_000_000),
            "exponential" => 1 + (long)(-Math.Log(1 - random.NextDouble()) * 5_000_000),
            // mostly fast, some answers 100× slower (a cache miss)
            "bimodal" => random.NextDouble() < 0.95 ? random.NextInt64(50_000, 150_000) : random.NextInt64(5_000_000, 50_000_000),
            _ => throw new ArgumentOutOfRangeException(nameof(distribution)),
        })];
    }

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
