using Resso.Ml.Mixes;
using Resso.Shared.Ingestion;

namespace Resso.Ml.Tests.Mixes;

public sealed class TrendingScorerTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Score_EqualWeightsAtDifferentAges_MoreRecentRanksFirst()
    {
        var stats = new[]
        {
            Stat("old", Now.AddDays(-5), 10),
            Stat("recent", Now.AddHours(-1), 10),
            Stat("yesterday", Now.AddHours(-20), 10),
        };

        var scores = TrendingScorer.Score(stats, Now, TimeSpan.FromDays(7));

        Assert.Equal(["recent", "yesterday", "old"], scores.Select(s => s.SongId));
        Assert.True(scores[0].Score > scores[1].Score && scores[1].Score > scores[2].Score);
    }

    [Fact]
    public void Score_OneHalfLifeOlder_CountsHalf()
    {
        // 24 h window: half-life 6 h; ages are measured from the middle of each hour.
        var stats = new[] { Stat("a", Now.AddHours(-2), 10), Stat("b", Now.AddHours(-8), 10) };

        var scores = TrendingScorer.Score(stats, Now, TimeSpan.FromHours(24)).ToDictionary(s => s.SongId, s => s.Score);

        Assert.Equal(2.0, scores["a"] / scores["b"], 6);
        Assert.Equal(10 * Math.Pow(2, -1.5 / 6), scores["a"], 6);
    }

    [Fact]
    public void Score_StatsOutsideTheWindow_AreLeftOut()
    {
        var stats = new[]
        {
            Stat("now", Now, 1),
            Stat("three-hours", Now.AddHours(-3), 1),
            Stat("two-days", Now.AddDays(-2), 1),
            Stat("eight-days", Now.AddDays(-8), 1),
        };

        string[] Songs(TimeSpan window) => [.. TrendingScorer.Score(stats, Now, window).Select(s => s.SongId).Order(StringComparer.Ordinal)];

        Assert.Equal(["now"], Songs(TimeSpan.FromHours(1)));
        Assert.Equal(["now", "three-hours"], Songs(TimeSpan.FromHours(24)));
        Assert.Equal(["now", "three-hours", "two-days"], Songs(TimeSpan.FromDays(7)));
    }

    [Fact]
    public void Score_OneHourWindowInsideAnHour_CountsTheElapsedPartsOnly()
    {
        var now = Now.AddMinutes(30);
        var stats = new[] { Stat("current", Now, 10), Stat("previous", Now.AddHours(-1), 60) };

        var scores = TrendingScorer.Score(stats, now, TimeSpan.FromHours(1)).ToDictionary(s => s.SongId, s => s.Score);

        // Half-life 15 min. Current hour: all of [10:00, 10:30], middle 15 min ago. Previous hour: its
        // second half is in the window, so half its weight, middle 45 min ago.
        Assert.Equal(10 * 0.5, scores["current"], 6);
        Assert.Equal(60 * 0.5 * 0.125, scores["previous"], 6);
    }

    [Fact]
    public void Score_SongUsedInNewVideos_OutranksEqualOrSomewhatMoreViews()
    {
        var stats = new[] { Stat("used", Now.AddHours(-1), weight: 20, creates: 4), Stat("viewed", Now.AddHours(-1), weight: 30) };

        var boosted = TrendingScorer.Score(stats, Now, TimeSpan.FromHours(24));
        var plain = TrendingScorer.Score(stats, Now, TimeSpan.FromHours(24), createBoost: 0);

        Assert.Equal("used", boosted[0].SongId);
        Assert.Equal("viewed", plain[0].SongId);
    }

    [Fact]
    public void Score_SameSongInSeveralRegionsAndHours_AddsUp()
    {
        var stats = new[]
        {
            Stat("a", Now.AddHours(-1), 5, region: "ID"),
            Stat("a", Now.AddHours(-1), 5, region: "BR"),
            Stat("b", Now.AddHours(-1), 8),
        };

        var scores = TrendingScorer.Score(stats, Now, TimeSpan.FromHours(24));

        Assert.Equal(["a", "b"], scores.Select(s => s.SongId));
        Assert.Equal(scores[1].Score * 10 / 8, scores[0].Score, 9);
    }

    [Fact]
    public void Score_EqualScores_TiesGoToTheLowerSongId()
    {
        var stats = new[] { Stat("c", Now.AddHours(-1), 3), Stat("a", Now.AddHours(-1), 3), Stat("b", Now.AddHours(-1), 3) };

        var scores = TrendingScorer.Score(stats.Reverse(), Now, TimeSpan.FromHours(24));

        Assert.Equal(["a", "b", "c"], scores.Select(s => s.SongId));
    }

    [Fact]
    public void Score_HoursNotBegunYet_AreIgnored()
    {
        var scores = TrendingScorer.Score([Stat("future", Now.AddHours(2), 100), Stat("past", Now.AddHours(-1), 1)], Now, TimeSpan.FromHours(24));

        Assert.Equal(["past"], scores.Select(s => s.SongId));
    }

    [Theory]
    [InlineData("1h", 1)]
    [InlineData("24h", 24)]
    [InlineData("1d", 24)]
    [InlineData("7d", 168)]
    public void TryParseWindow_KnownWindow_ReturnsIt(string text, int hours)
    {
        Assert.True(TrendingScorer.TryParseWindow(text, out var window));
        Assert.Equal(TimeSpan.FromHours(hours), window);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("3h")]
    [InlineData("-1h")]
    public void TryParseWindow_Unknown_ReturnsFalse(string? text) => Assert.False(TrendingScorer.TryParseWindow(text, out _));

    private static SongStat Stat(string song, DateTimeOffset at, double weight, long creates = 0, string region = "ID") =>
        new(song, region, SongStatsStore.Hour(at), creates + 1, weight, [creates, 1, 0, 0, 0], new SegmentHistogram());
}
