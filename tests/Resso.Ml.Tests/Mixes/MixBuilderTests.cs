using Resso.Ml.Mixes;

namespace Resso.Ml.Tests.Mixes;

public sealed class MixBuilderTests
{
    private readonly MixBuilder _builder = new();

    [Fact]
    public void Build_FullInputs_OffersEveryKindWith20To50DistinctPlayableTracks()
    {
        var mixes = _builder.Build(MixWorld.Request());

        Assert.Equal(
            [MixKinds.ForYou, MixKinds.FromYourVideos, MixKinds.BecauseYouUsed, MixKinds.BecauseYouUsed, MixKinds.BecauseYouUsed, MixKinds.Trending],
            mixes.Select(m => m.Kind));
        Assert.Equal(mixes.Count, mixes.Select(m => m.Id).Distinct().Count());
        Assert.All(mixes, mix =>
        {
            Assert.InRange(mix.Tracks.Count, Mix.MinTracks, Mix.MaxTracks);
            Assert.Equal(30, mix.Tracks.Count);
            Assert.Equal(mix.Tracks.Count, mix.Tracks.Select(t => t.SongId).Distinct().Count());
            Assert.False(string.IsNullOrWhiteSpace(mix.Title));
            Assert.EndsWith(".", mix.Description, StringComparison.Ordinal);
        });
    }

    [Theory]
    [InlineData(20)]
    [InlineData(50)]
    public void Build_ConfiguredLength_EveryMixHasIt(int tracks)
    {
        var mixes = new MixBuilder(new MixOptions { Tracks = tracks, MaxPerArtist = 3 }).Build(MixWorld.Request());

        Assert.NotEmpty(mixes);
        Assert.All(mixes, mix => Assert.Equal(tracks, mix.Tracks.Count));
    }

    [Fact]
    public void Build_TooFewCandidates_LeavesTheMixOutRatherThanShowItShort()
    {
        var request = MixWorld.Request() with { Recommendations = MixWorld.Recommendations(25), Trending = [.. MixWorld.Request().Trending.Take(19)] };

        var mixes = _builder.Build(request);

        Assert.DoesNotContain(mixes, m => m.Kind is MixKinds.ForYou or MixKinds.Trending);
        Assert.All(mixes, mix => Assert.InRange(mix.Tracks.Count, Mix.MinTracks, Mix.MaxTracks));
    }

    [Fact]
    public void BecauseYouUsed_NeverContainsItsSeed_EvenWhenTheNeighboursListIt()
    {
        var request = MixWorld.Request() with
        {
            // Neighbour lists that put the song itself first, as a careless source might.
            SimilarSongs = song => [new ScoredSong(song, 1), .. MixWorld.Neighbours(song)],
        };

        var mixes = _builder.BecauseYouUsed(request);

        Assert.Equal(3, mixes.Count);
        Assert.All(mixes, mix =>
        {
            var seed = mix.Id[(MixKinds.BecauseYouUsed.Length + 1)..];
            Assert.DoesNotContain(mix.Tracks, t => t.SongId == seed);
            Assert.All(mix.Tracks, t => Assert.Equal((MixReasons.SimilarTo, seed), (t.Reason, t.Seed)));
        });
    }

    [Fact]
    public void BecauseYouUsed_SeedsByWeightAndRecency_TitledFromTheCatalog()
    {
        var mixes = _builder.BecauseYouUsed(MixWorld.Request());

        // s020 (weight 30, yesterday) before s002 (20, yesterday) before s001 (5, three days ago).
        Assert.Equal(["because_you_used:s020", "because_you_used:s002", "because_you_used:s001"], mixes.Select(m => m.Id));
        Assert.Equal("Because you listened to Song 20", mixes[0].Title);
        Assert.Equal("Because you used Song 2", mixes[1].Title);
        Assert.StartsWith("More songs like Song 2 by Artist 2: ", mixes[1].Description, StringComparison.Ordinal);
    }

    [Fact]
    public void BecauseYouUsed_LightListenerOfTheGlobalHit_SeedsWithTheirNicheSongsFirst()
    {
        // s000 is the global #1 (half of all listeners) and this listener's most used song; s101 and s203 are niche (1 %).
        var reach = new Dictionary<int, double> { [0] = 0.5, [101] = 0.01, [203] = 0.01 };
        (int, double)[] songs = [(0, 6), (101, 2), (203, 1)];

        var before = _builder.BecauseYouUsed(MixWorld.Listener(reach: null, songs));
        var after = _builder.BecauseYouUsed(MixWorld.Listener(reach, songs));

        // s000 also tops the listener's chart (MixWorld's trending list starts with it): with other songs to seed from, it does not seed.
        Assert.Equal(["because_you_used:s000", "because_you_used:s101", "because_you_used:s203"], before.Select(m => m.Id));
        Assert.Equal(["because_you_used:s101", "because_you_used:s203"], after.Select(m => m.Id));
        Assert.Equal("Because you listened to Song 101", after[0].Title);
    }

    [Fact]
    public void BecauseYouUsed_HitWithoutAChart_SeedsAfterTheNicheSongsByReachAlone()
    {
        var reach = new Dictionary<int, double> { [0] = 0.5, [101] = 0.01, [203] = 0.01 };

        var mixes = _builder.BecauseYouUsed(MixWorld.Listener(reach, (0, 6), (101, 2), (203, 1)) with { Trending = [] });

        Assert.Equal(["because_you_used:s101", "because_you_used:s203", "because_you_used:s000"], mixes.Select(m => m.Id));
    }

    [Fact]
    public void BecauseYouUsed_EverySongOnTheChart_StillSeedsFromThem()
    {
        // s000, s037 and s074 are the top of MixWorld's trending list; the listener has nothing else.
        var reach = new Dictionary<int, double> { [0] = 0.5, [37] = 0.4, [74] = 0.1 };

        var mixes = _builder.BecauseYouUsed(MixWorld.Listener(reach, (0, 3), (37, 3), (74, 1)));

        // By significance · log(1 / reach): s037 3 · 0.92, s074 1 · 2.30, s000 3 · 0.69.
        Assert.Equal(["because_you_used:s037", "because_you_used:s074", "because_you_used:s000"], mixes.Select(m => m.Id));
    }

    [Fact]
    public void BecauseYouUsed_OnlyHits_StillSeedsInTheOrderOfSignificance()
    {
        // Songs every listener used weigh 0 by reach: they still seed, most significant first, as without reach.
        var everyone = new Dictionary<int, double> { [1] = 1, [2] = 1, [3] = 1 };
        (int, double)[] songs = [(2, 2), (1, 5), (3, 1)];

        var mixes = _builder.BecauseYouUsed(MixWorld.Listener(everyone, songs));

        Assert.Equal(["because_you_used:s001", "because_you_used:s002", "because_you_used:s003"], mixes.Select(m => m.Id));
        Assert.Equal(mixes.Select(m => m.Id), _builder.BecauseYouUsed(MixWorld.Listener(reach: null, songs)).Select(m => m.Id));
    }

    [Fact]
    public void BecauseYouUsed_NicheSongsMakeNoMix_TheChartSongSeedsRatherThanNone()
    {
        // s101 has no neighbours (a song nothing is known of), so the listener's only possible mix is from the hit s000.
        var reach = new Dictionary<int, double> { [0] = 0.5, [101] = 0.01 };
        var request = MixWorld.Listener(reach, (0, 6), (101, 2)) with
        {
            SimilarSongs = song => song == MixWorld.Song(101) ? [] : MixWorld.Neighbours(song),
        };

        var mixes = _builder.BecauseYouUsed(request);

        Assert.Equal(["because_you_used:s000"], mixes.Select(m => m.Id));
        Assert.Contains(MixWorld.Song(0), _builder.SongsNeedingNeighbours(request));
    }

    [Fact]
    public void BecauseYouUsed_NoSongWithAKnownReach_SeedsBySignificanceAlone()
    {
        var mixes = _builder.BecauseYouUsed(MixWorld.Listener(new Dictionary<int, double>(), (106, 1), (0, 9), (207, 2)) with { Trending = [] });

        Assert.Equal(["because_you_used:s000", "because_you_used:s207", "because_you_used:s106"], mixes.Select(m => m.Id));
    }

    [Fact]
    public void BecauseYouUsed_SongWithoutReach_TakesTheMedianReachOfTheListenersKnownSongs()
    {
        // Known: s005 (reach 0.5, weight 3 → 2.08) and s106 (0.02, weight 1 → 3.91); s207 is unknown, so it takes the median 0.26
        // (weight 2 → 2.69): between them. Taken as rare it would lead; as a hit, or ignored, it would not sit second.
        var reach = new Dictionary<int, double> { [5] = 0.5, [106] = 0.02 };

        var mixes = _builder.BecauseYouUsed(MixWorld.Listener(reach, (5, 3), (106, 1), (207, 2)));

        Assert.Equal(["because_you_used:s106", "because_you_used:s207", "because_you_used:s005"], mixes.Select(m => m.Id));
    }

    [Fact]
    public void BecauseYouUsed_ExcludeUsedSongs_LeavesTheUsersSongsOut()
    {
        var used = MixWorld.History.Select(h => h.SongId).ToHashSet();
        var request = MixWorld.Request() with { SimilarSongs = song => [.. used.Select(u => new ScoredSong(u, 2)), .. MixWorld.Neighbours(song)] };

        var mixes = _builder.BecauseYouUsed(request);

        Assert.NotEmpty(mixes);
        Assert.All(mixes, mix => Assert.DoesNotContain(mix.Tracks, t => used.Contains(t.SongId)));
    }

    [Fact]
    public void Build_SameInputsSameUtcDay_IdenticalMixes()
    {
        var morning = MixWorld.Request() with { Now = new DateTimeOffset(2026, 11, 24, 0, 5, 0, TimeSpan.Zero) };
        var evening = MixWorld.Request() with { Now = new DateTimeOffset(2026, 11, 24, 23, 55, 0, TimeSpan.Zero) };

        var a = _builder.Build(morning);
        var b = new MixBuilder().Build(evening);

        Assert.Equal(a, b);
    }

    [Fact]
    public void Build_NextDay_SameSongsInAFreshOrder()
    {
        var today = _builder.Build(MixWorld.Request());
        var tomorrow = _builder.Build(MixWorld.Request() with { Now = MixWorld.Now.AddDays(1) });

        var forYouToday = today.Single(m => m.Kind == MixKinds.ForYou);
        var forYouTomorrow = tomorrow.Single(m => m.Kind == MixKinds.ForYou);
        Assert.NotEqual(forYouToday, forYouTomorrow);
        Assert.Equal(forYouToday.Tracks.Select(t => t.SongId).Order(), forYouTomorrow.Tracks.Select(t => t.SongId).Order());
        Assert.Equal(forYouToday.Tracks[0], forYouTomorrow.Tracks[0]);
    }

    [Fact]
    public void Build_OtherUserStateOrModel_MayReorder()
    {
        var baseline = _builder.ForYou(MixWorld.Request());

        Assert.NotEqual(baseline, _builder.ForYou(MixWorld.Request() with { UserState = 1234 }));
        Assert.NotEqual(baseline, _builder.ForYou(MixWorld.Request() with { ModelVersion = "m-2" }));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void ForYou_RespectsMaxPerArtist(int cap)
    {
        var mix = new MixBuilder(new MixOptions { MaxPerArtist = cap }).ForYou(MixWorld.Request());

        Assert.NotNull(mix);
        Assert.Equal(30, mix.Tracks.Count);
        Assert.All(mix.Tracks.GroupBy(t => MixWorld.ArtistOf(t.SongId)), g => Assert.True(g.Count() <= cap, $"{g.Key}: {g.Count()}"));
        Assert.All(mix.Tracks, t => Assert.Equal(MixReasons.ForYou, t.Reason));
    }

    [Fact]
    public void ForYou_StartsWithTheBestRecommendation()
    {
        var request = MixWorld.Request();

        var mix = _builder.ForYou(request);

        var used = MixWorld.History.Select(h => h.SongId).ToHashSet();
        Assert.Equal(request.Recommendations.First(r => !used.Contains(r.SongId)).SongId, mix!.Tracks[0].SongId);
    }

    [Fact]
    public void ForYou_UsedSongsAndUnplayableSongs_AreLeftOut()
    {
        var used = MixWorld.History.Select(h => h.SongId).ToHashSet();
        var request = MixWorld.Request() with
        {
            Recommendations = [.. used.Select(s => new ScoredSong(s, 100)), .. MixWorld.Recommendations(300)],
            IsPlayable = song => MixWorld.Index(song) % 2 == 0,
        };

        var excluding = _builder.ForYou(request)!;
        var including = new MixBuilder(new MixOptions { ExcludeUsedSongs = false }).ForYou(request)!;

        Assert.DoesNotContain(excluding.Tracks, t => used.Contains(t.SongId));
        Assert.All(excluding.Tracks, t => Assert.Equal(0, MixWorld.Index(t.SongId) % 2));
        Assert.Contains(including.Tracks, t => used.Contains(t.SongId));
    }

    [Fact]
    public void ForYou_WithoutAModel_StillCapsArtists()
    {
        var mix = _builder.ForYou(MixWorld.Request() with { Model = null });

        Assert.NotNull(mix);
        Assert.Equal(30, mix.Tracks.Count);
        Assert.All(mix.Tracks.GroupBy(t => MixWorld.ArtistOf(t.SongId)), g => Assert.True(g.Count() <= 2));
    }

    [Fact]
    public void FromYourVideos_StartsWithTheCreatedSongs_MostRecentFirst()
    {
        var mix = _builder.FromYourVideos(MixWorld.Request());

        Assert.NotNull(mix);
        Assert.Equal(["s002", "s001"], mix.Tracks.Take(2).Select(t => t.SongId));
        Assert.All(mix.Tracks.Take(2), t => Assert.Equal((MixReasons.UsedInYourVideos, null), (t.Reason, t.Seed)));
        Assert.All(mix.Tracks.Skip(2), t => Assert.Equal(MixReasons.SimilarTo, t.Reason));
        Assert.All(mix.Tracks.Skip(2), t => Assert.Contains(t.Seed, new[] { "s002", "s001" }));
        Assert.All(mix.Tracks, t => Assert.NotEqual(t.SongId, t.Seed));
        Assert.Contains(mix.Tracks, t => t.Seed == "s001");
        Assert.Equal("From your videos", mix.Title);
    }

    [Fact]
    public void ForYou_Description_SpeaksOfVideosMadeOnlyToCreators()
    {
        var listener = MixWorld.Request() with { History = [.. MixWorld.History.Where(h => h.Creates == 0)], Songs = _ => null };
        var creator = MixWorld.Request() with { Songs = _ => null };

        Assert.Equal("Songs picked for you from the videos you watch.", _builder.ForYou(listener)!.Description);
        Assert.Equal("Songs picked for you from the videos you make and watch.", _builder.ForYou(creator)!.Description);
    }

    [Fact]
    public void FromYourVideos_NeighboursListingTheSeedItself_NeverSimilarToItself()
    {
        // s002 is both a created song and, here, its own and s001's first neighbour.
        var request = MixWorld.Request() with { SimilarSongs = song => [new ScoredSong("s002", 1), new ScoredSong(song, 1), .. MixWorld.Neighbours(song)] };

        var mix = _builder.FromYourVideos(request)!;

        Assert.Single(mix.Tracks, t => t.SongId == "s002");
        Assert.All(mix.Tracks, t => Assert.NotEqual(t.SongId, t.Seed));
    }

    [Fact]
    public void FromYourVideos_UserWithoutVideos_NoMix()
    {
        var request = MixWorld.Request() with { History = [.. MixWorld.History.Where(h => h.Creates == 0)] };

        Assert.Null(_builder.FromYourVideos(request));
        Assert.DoesNotContain(_builder.Build(request), m => m.Kind == MixKinds.FromYourVideos);
    }

    [Theory]
    [InlineData("ID", "Trending in Indonesia", "trending:ID")]
    [InlineData("us", "Trending in the United States", "trending:US")]
    [InlineData("PH", "Trending in the Philippines", "trending:PH")]
    [InlineData("TR", "Trending in Türkiye", "trending:TR")]
    [InlineData("XK", "Trending in XK", "trending:XK")]
    [InlineData(null, "Trending worldwide", "trending")]
    public void Trending_Title_NamesTheCountry(string? region, string title, string id)
    {
        var mix = _builder.Trending(MixWorld.Request() with { Region = region });

        Assert.NotNull(mix);
        Assert.Equal(title, mix.Title);
        Assert.Equal(id, mix.Id);
    }

    [Fact]
    public void Trending_KeepsTheChartsOrderWithinTheArtistCapAndRegion()
    {
        var request = MixWorld.Request() with { IsPlayable = song => song != "s037" };

        var mix = _builder.Trending(request)!;

        Assert.Equal(request.Trending[0].SongId, mix.Tracks[0].SongId);
        Assert.DoesNotContain(mix.Tracks, t => t.SongId == "s037");
        Assert.All(mix.Tracks.GroupBy(t => MixWorld.ArtistOf(t.SongId)), g => Assert.True(g.Count() <= 2));
        Assert.All(mix.Tracks, t => Assert.Equal((MixReasons.TrendingIn, null), (t.Reason, t.Seed)));
        var expected = request.Trending.Select(t => t.SongId).Where(s => s != "s037")
            .GroupBy(MixWorld.ArtistOf).SelectMany(g => g.Take(2)).ToHashSet();
        Assert.All(mix.Tracks, t => Assert.Contains(t.SongId, expected));
    }

    [Fact]
    public void Build_SongsMissingFromTheCatalog_TitledByIdAndNeverCapped()
    {
        var request = MixWorld.Request() with { Songs = _ => null };

        var mixes = _builder.Build(request);

        Assert.Contains(mixes, m => m.Title == "Because you used s002");
        Assert.Equal("Songs picked for you from the videos you make and watch.", mixes.Single(m => m.Kind == MixKinds.ForYou).Description);
    }

    [Fact]
    public void SongsNeedingNeighbours_ListsCreatedSongsAndSeeds()
    {
        var songs = _builder.SongsNeedingNeighbours(MixWorld.Request() with { SimilarSongs = null });

        Assert.Equal(["s002", "s001", "s020"], songs.Take(3));
        Assert.Equal(songs.Count, songs.Distinct().Count());
        Assert.Subset(MixWorld.History.Select(h => h.SongId).ToHashSet(), songs.ToHashSet());
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentException>(() => new MixBuilder(new MixOptions { Tracks = 60 }));
        Assert.Throws<ArgumentException>(() => new MixBuilder(new MixOptions { Tracks = 25, MinimumTracks = 30 }));
        Assert.Throws<ArgumentException>(() => new MixBuilder(new MixOptions { MaxPerArtist = 0 }));
    }
}
