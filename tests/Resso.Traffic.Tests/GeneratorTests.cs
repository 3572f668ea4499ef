using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Tests;

public sealed partial class GeneratorTests
{
    [GeneratedRegex("^[A-Za-z0-9_.:-]{1,64}$")]
    private static partial Regex IdPattern();

    private static IReadOnlyList<GeneratedEvent> Events => Builders.DefaultTraffic.Events;

    private static SyntheticWorld World => Builders.DefaultTraffic.Generator.World;

    private static List<SongUsedEvent> Distinct => [.. Events.Where(e => !e.IsDuplicate).Select(e => e.Event)];

    [Fact]
    public void Generate_SameSeedAndClock_YieldsTheSameEvents()
    {
        var first = Builders.Generator(Builders.Options(events: 3_000)).Generate().ToList();
        var second = Builders.Generator(Builders.Options(events: 3_000)).Generate().ToList();

        Assert.Equal(first, second);
    }

    [Fact]
    public void Generate_EnumeratedTwice_YieldsTheSameEvents()
    {
        var generator = Builders.Generator(Builders.Options(events: 3_000));

        Assert.Equal(generator.Generate().ToList(), generator.Generate().ToList());
    }

    [Fact]
    public void Generate_OtherSeed_YieldsOtherEvents()
    {
        var first = Builders.Generator(Builders.Options(events: 500, seed: 1)).Generate().Select(e => (e.Event.UserId, e.Event.SongId));
        var second = Builders.Generator(Builders.Options(events: 500, seed: 2)).Generate().Select(e => (e.Event.UserId, e.Event.SongId));

        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Generate_ViralShare_GivesThatShareOfNewEventsToOneSongPlayableEverywhere()
    {
        var generator = Builders.Generator(new TrafficOptions { Events = 20_000, Users = 5_000, Songs = 2_000, ViralShare = 0.2 });
        var events = generator.Generate().Where(e => !e.IsDuplicate).Select(e => e.Event).ToList();

        var viral = Assert.IsType<SyntheticSong>(generator.ViralSong);
        Assert.Empty(viral.Details.Regions);
        var share = events.Count(e => e.SongId == viral.Id) / (double)events.Count;
        // 20 % drawn for it, plus what the song's own (mid-chart) popularity gives it.
        Assert.InRange(share, 0.19, 0.23);
        Assert.True(viral.PopularityRank > 0, "the viral song owes its events to the share, not to being the chart's #1");
    }

    [Fact]
    public void Generate_NoViralShare_LeavesTheEventsOfASeedAsTheyWere()
    {
        var plain = Builders.Generator(Builders.Options(events: 2_000)).Generate().ToList();
        var zero = Builders.Generator(new TrafficOptions { Events = 2_000, Users = 5_000, Songs = 2_000, Clusters = 12, DuplicateRate = 0.10, ViralShare = 0 }).Generate().ToList();

        Assert.Equal(plain, zero);
        Assert.Null(Builders.Generator(Builders.Options(events: 10)).ViralSong);
    }

    [Fact]
    public void Create_SameSeed_BuildsTheSameWorld()
    {
        var first = SyntheticWorld.Create(Builders.Options());
        var second = SyntheticWorld.Create(Builders.Options(events: 7));

        Assert.Equal(first.Songs.Select(s => (s.Id, s.Details.Title, s.Details.Artist, s.Details.Label, s.Details.DurationMs, string.Join(",", s.Details.Regions), s.Cluster, s.PopularityRank, s.Hook)),
            second.Songs.Select(s => (s.Id, s.Details.Title, s.Details.Artist, s.Details.Label, s.Details.DurationMs, string.Join(",", s.Details.Regions), s.Cluster, s.PopularityRank, s.Hook)));
        Assert.Equal(first.Users.Select(u => (u.Id, u.Region, string.Join(",", u.FavouriteClusters), u.IsCreator, u.ActivityRank)),
            second.Users.Select(u => (u.Id, u.Region, string.Join(",", u.FavouriteClusters), u.IsCreator, u.ActivityRank)));
    }

    [Fact]
    public void Generate_DefaultDuplicateRate_EmitsAboutTenPercentDuplicates()
    {
        var rate = Events.Count(e => e.IsDuplicate) / (double)Events.Count;

        Assert.InRange(rate, 0.085, 0.115);
    }

    [Fact]
    public void Generate_Duplicates_AreExactCopiesOfEarlierEvents()
    {
        var emitted = new Dictionary<string, SongUsedEvent>(StringComparer.Ordinal);
        foreach (var (e, isDuplicate) in Events)
        {
            if (isDuplicate)
            {
                Assert.True(emitted.TryGetValue(e.EventId, out var original), $"{e.EventId} was not emitted before its duplicate.");
                Assert.Equal(original, e);
                Assert.Equal(
                    JsonSerializer.Serialize(original, EventJsonContext.Default.SongUsedEvent),
                    JsonSerializer.Serialize(e, EventJsonContext.Default.SongUsedEvent));
            }
            else
            {
                Assert.True(emitted.TryAdd(e.EventId, e), $"{e.EventId} is not unique.");
            }
        }
    }

    [Fact]
    public void Generate_NoDuplicateRate_EmitsEachEventOnce()
    {
        var events = Builders.Generator(Builders.Options(events: 5_000, duplicates: 0)).Generate().ToList();

        Assert.DoesNotContain(events, e => e.IsDuplicate);
        Assert.Equal(events.Count, events.Select(e => e.Event.EventId).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void Generate_EveryEvent_FollowsTheSchemaRules()
    {
        var clock = Builders.Clock();
        var options = Builders.Options(events: 5_000);
        var events = new TrafficGenerator(options, clock).Generate().Select(e => e.Event).ToList();

        Assert.Equal(options.Events, events.Count);
        Assert.All(events, e =>
        {
            Assert.Matches(IdPattern(), e.EventId);
            Assert.Matches(IdPattern(), e.UserId);
            Assert.Matches(IdPattern(), e.SongId);
            Assert.Matches(IdPattern(), e.VideoId);
            Assert.True(Enum.IsDefined(e.Action));
            Assert.Contains(e.Region, SyntheticWorld.RegionCodes);
            Assert.True(Regions.IsValid(e.Region), e.Region);
            Assert.InRange(e.OccurredAt, Builders.Now - TimeSpan.FromDays(options.Days), clock.GetUtcNow());
            var song = World.Song(e.SongId);
            Assert.NotNull(e.Segment);
            Assert.InRange(e.Segment.StartMs, 0, e.Segment.EndMs - 1);
            Assert.InRange(e.Segment.EndMs, e.Segment.StartMs + 1, song.Details.DurationMs);
            Assert.Equal(World.User(e.UserId).Region, e.Region);
            Assert.True(song.IsAvailableIn(e.Region), $"{e.SongId} is not played in {e.Region}.");
        });
    }

    [Fact]
    public void Generate_EveryBatch_PassesTheServicesEventParser()
    {
        var clock = Builders.Clock();
        var parser = new EventParser(clock, Options.Create(new IngestionOptions()));
        var events = new TrafficGenerator(Builders.Options(events: 2_000), clock).Generate().Select(e => e.Event);

        foreach (var batch in events.Chunk(500))
        {
            var json = JsonSerializer.SerializeToElement(new SongUsedBatch(batch), EventJsonContext.Default.SongUsedBatch);
            var parsed = parser.Parse(json, out var isBatch);

            Assert.True(isBatch);
            Assert.True(parsed.IsValid, string.Join("; ", parsed.AllErrors(batch: true).Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
            Assert.Equal(batch, parsed.Valid.Select(v => v.Event));
        }
    }

    [Fact]
    public void Generate_FirstEmissions_AreInTimeOrderOverTheWindow()
    {
        var times = Distinct.Select(e => e.OccurredAt).ToList();

        Assert.Equal(times.Order(), times);
        Assert.True(times[0] < Builders.Now - TimeSpan.FromDays(6.9), $"first event at {times[0]:O}");
        Assert.True(times[^1] > Builders.Now - TimeSpan.FromHours(1), $"last event at {times[^1]:O}");
    }

    [Fact]
    public void Generate_Times_FollowADailyRhythm()
    {
        var byHour = Distinct.GroupBy(e => e.OccurredAt.UtcDateTime.Hour).ToDictionary(g => g.Key, g => g.Count());

        Assert.True(byHour[13] > 2 * byHour[1], $"13:00 UTC has {byHour[13]} events, 01:00 UTC {byHour[1]}.");
    }

    [Fact]
    public void Generate_SongPopularity_IsHeavyTailed()
    {
        var perSong = Distinct.CountBy(e => e.SongId).Select(p => p.Value).OrderDescending().ToList();
        var topOnePercent = perSong.Take(World.Songs.Count / 100).Sum();

        Assert.True(topOnePercent > 0.15 * Distinct.Count, $"the top 1 % of songs have {topOnePercent} of {Distinct.Count} events.");
        Assert.Equal(World.SongsByPopularity[0].Id, Distinct.CountBy(e => e.SongId).MaxBy(p => p.Value).Key);
    }

    [Fact]
    public void Generate_UsersEvents_ConcentrateInTheirFavouriteClusters()
    {
        var inFavourites = Distinct.Count(e => World.User(e.UserId).FavouriteClusters.Contains(World.ClusterOf(e.SongId)));

        Assert.True(inFavourites > 0.6 * Distinct.Count, $"{inFavourites} of {Distinct.Count} events are in the user's favourite clusters.");
    }

    [Fact]
    public void Generate_Creates_AreMadeByCreatorsOnly()
    {
        var creates = Distinct.Where(e => e.Action == SongAction.Create).ToList();

        Assert.All(creates, e => Assert.True(World.User(e.UserId).IsCreator, $"{e.UserId} is not a creator."));
        Assert.InRange(creates.Count / (double)Distinct.Count, 0.03, 0.07);
    }

    [Fact]
    public void Generate_ActionMix_IsMostlyViews()
    {
        var shares = Distinct.CountBy(e => e.Action).ToDictionary(p => p.Key, p => p.Value / (double)Distinct.Count);

        Assert.InRange(shares[SongAction.View], 0.65, 0.75);
        Assert.InRange(shares[SongAction.Like], 0.11, 0.17);
        Assert.InRange(shares[SongAction.Share], 0.04, 0.08);
        Assert.InRange(shares[SongAction.Favorite], 0.03, 0.07);
    }

    [Fact]
    public void Generate_Videos_BelongToOneSongAndKeepTheirSegment()
    {
        foreach (var video in Distinct.GroupBy(e => e.VideoId))
        {
            Assert.Single(video.Select(e => e.SongId).Distinct());
            Assert.Single(video.Select(e => e.Segment).Distinct());
        }

        // A create always mints a video: no two creates share one.
        var creates = Distinct.Where(e => e.Action == SongAction.Create).ToList();
        Assert.Equal(creates.Count, creates.Select(e => e.VideoId).Distinct().Count());
    }

    [Fact]
    public void Generate_Segments_MostlyUseTheSongsHook()
    {
        var nearHook = Distinct.Count(e =>
        {
            var hook = World.Song(e.SongId).Hook;
            return Math.Abs(e.Segment!.StartMs - hook.StartMs) <= 1_500 && Math.Abs(e.Segment.EndMs - hook.EndMs) <= 2_500;
        });

        Assert.InRange(nearHook / (double)Distinct.Count, 0.7, 0.9);
    }

    [Fact]
    public void Generate_NoEvents_YieldsNothing()
    {
        Assert.Empty(Builders.Generator(Builders.Options(events: 0)).Generate());
    }

    [Theory]
    [InlineData(-1, 10, 1.0 / 10)]
    [InlineData(100, 0, 0.1)]
    [InlineData(100, 10, 1.0)]
    public void Constructor_InvalidOptions_Throws(int events, int songs, double duplicates)
    {
        var options = new TrafficOptions { Events = events, Songs = songs, Clusters = 1, DuplicateRate = duplicates };

        Assert.Throws<ArgumentException>(() => new TrafficGenerator(options, Builders.Clock()));
    }
}
