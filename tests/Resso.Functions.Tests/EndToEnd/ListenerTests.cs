using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using Resso.Traffic.Generation;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>One trained host with the generator's catalog, shared by the listener tests.</summary>
public sealed class ListenerHost(AzuriteFixture azurite) : IAsyncLifetime
{
    public SelfHostServer Host { get; private set; } = null!;

    public TrafficGenerator Traffic { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        (Host, Traffic) = await RecommenderHarness.StartWithEventsAsync(azurite);
        var catalog = Host.Get<SongCatalog>();
        foreach (var song in Traffic.World.Songs)
        {
            await catalog.UpsertAsync(song.Id, song.Details);
        }

        await Host.Get<CatalogSnapshot>().RefreshAsync();
        await RecommenderHarness.RetrainAndWaitAsync(Host);
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class ListenerTests(ListenerHost fixture, AzuriteFixture azurite) : IClassFixture<ListenerHost>
{
    private SelfHostServer Host => fixture.Host;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> GetAsync(string path, string? ifNoneMatch = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (ifNoneMatch is not null)
        {
            request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(ifNoneMatch));
        }

        // The routes of one user's data are keyed: the streaming app's backend acting for the user.
        var response = await (path.StartsWith("/api/users/", StringComparison.Ordinal) ? Host.KeyedClient : Host.Client).SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return (response, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement);
    }

    private int ClusterOf(string songId) => fixture.Traffic.World.ClusterOf(songId);

    private static string Kind(JsonElement item) => item.GetProperty("reason").GetProperty("kind").GetString()!;

    private string ArtistOf(string songId) => fixture.Traffic.World.Song(songId).Details.Artist;

    [Fact]
    public async Task NewUser_FiveEventsInOneCluster_RecommendationsAndForYouLeadWithThatCluster()
    {
        var cluster = fixture.Traffic.World.Clusters[1];
        var used = cluster.SongsByPopularity.Take(5).ToList();
        var events = used.Select((s, i) => Events.Valid(eventId: $"l_{i}", userId: "u_listener_new", songId: s.Id, action: SongAction.Like)).ToList();
        (await PostAsync(Host, Batch(events))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(Host.StoragePrefix), Host.Get<InteractionStore>(), (await Host.Get<InteractionStore>().CountEventsAsync()) >= 5 ? 0 : 5);
        for (var i = 0; i < 50 && (await Host.Get<InteractionStore>().GetUserEventsAsync("u_listener_new")).Count < 5; i++)
        {
            await Task.Delay(100);
        }

        var (response, recommendations) = await GetAsync("/api/users/u_listener_new/recommendations?count=10");
        var (_, mixes) = await GetAsync("/api/users/u_listener_new/mixes");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(recommendations.GetProperty("personalized").GetBoolean());
        var items = recommendations.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("songId").GetString()!).ToList();
        Assert.True(items.Take(5).Count(s => ClusterOf(s) == cluster.Index) >= 4, string.Join(",", items.Select(ClusterOf)));
        Assert.DoesNotContain(items, s => used.Any(u => u.Id == s));
        var forYou = mixes.GetProperty("mixes").EnumerateArray().Single(m => m.GetProperty("kind").GetString() == "for_you");
        var forYouSongs = forYou.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("songId").GetString()!).ToList();
        Assert.True(forYouSongs.Take(5).Count(s => ClusterOf(s) == cluster.Index) >= 4, string.Join(",", forYouSongs.Select(ClusterOf)));
    }

    [Fact]
    public async Task Mixes_OfAnActiveUser_AreTwentyToFiftyTracksWithinTheArtistCapAndBecauseYouUsedNeverHoldsItsSeed()
    {
        var user = fixture.Traffic.World.UsersByActivity.First(u => u.IsCreator);

        var (response, body) = await GetAsync($"/api/users/{user.Id}/mixes?region={user.Region}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var mixes = body.GetProperty("mixes").EnumerateArray().ToList();
        Assert.Contains(mixes, m => m.GetProperty("kind").GetString() == "for_you");
        Assert.Contains(mixes, m => m.GetProperty("kind").GetString() == "trending");
        Assert.Contains(mixes, m => m.GetProperty("kind").GetString() == "from_your_videos");
        foreach (var mix in mixes)
        {
            var tracks = mix.GetProperty("tracks").EnumerateArray().Select(t => t.GetProperty("songId").GetString()!).ToList();
            Assert.InRange(tracks.Count, 20, 50);
            Assert.Equal(tracks.Count, tracks.Distinct().Count());
            Assert.False(string.IsNullOrWhiteSpace(mix.GetProperty("title").GetString()));
            if (mix.GetProperty("kind").GetString() is "for_you" or "trending" or "because_you_used")
            {
                Assert.True(tracks.GroupBy(ArtistOf).Max(g => g.Count()) <= 2, $"{mix.GetProperty("title")}: {string.Join(",", tracks.Select(ArtistOf))}");
            }

            if (mix.GetProperty("kind").GetString() == "because_you_used")
            {
                var seed = mix.GetProperty("id").GetString()!["because_you_used:".Length..];
                Assert.DoesNotContain(seed, tracks);
                Assert.All(mix.GetProperty("tracks").EnumerateArray(), t => Assert.Equal(("similar_to", seed), (Kind(t), t.GetProperty("reason").GetProperty("songId").GetString())));
            }
        }

        var (_, again) = await GetAsync($"/api/users/{user.Id}/mixes?region={user.Region}");
        Assert.Equal(body.ToString(), again.ToString()); // stable through the day
    }

    [Fact]
    public async Task Trending_InARegion_ReflectsThatRegionsEvents()
    {
        var song = fixture.Traffic.World.SongsByPopularity[^1]; // the least popular song, made a hit in Japan
        var events = Enumerable.Range(0, 60).Select(i => Events.Valid(eventId: $"jp_{i}", userId: $"u_jp_{i}", songId: song.Id, action: SongAction.Create, region: "JP")).ToList();
        (await PostAsync(Host, Batch(events))).EnsureSuccessStatusCode();

        // Trending reads the hourly song statistics, which the processor writes after the users'
        // interactions: wait for those (asking for trending sooner would cache the answer for a minute).
        async Task<long> JapanCreatesAsync()
        {
            var creates = 0L;
            await foreach (var stat in Host.Get<SongStatsStore>().ReadAsync(DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(1), "JP"))
            {
                creates += stat.SongId == song.Id ? stat.Creates : 0;
            }

            return creates;
        }

        for (var i = 0; i < 100 && await JapanCreatesAsync() < events.Count; i++)
        {
            await Task.Delay(100);
        }

        var (_, japan) = await GetAsync("/api/trending?region=JP&window=1h&count=5");
        var (_, brazil) = await GetAsync("/api/trending?region=BR&window=1h&count=50");

        Assert.Equal(song.Id, japan.GetProperty("items")[0].GetProperty("songId").GetString());
        Assert.Equal("1h", japan.GetProperty("window").GetString());
        Assert.DoesNotContain(brazil.GetProperty("items").EnumerateArray(), i => i.GetProperty("songId").GetString() == song.Id);
    }

    [Fact]
    public async Task Answers_CarryAnETag_AndAMatchingIfNoneMatchGets304()
    {
        var user = fixture.Traffic.World.Users[0];
        foreach (var path in new[] { $"/api/users/{user.Id}/recommendations", $"/api/users/{user.Id}/mixes", "/api/trending?window=7d", $"/api/songs/{fixture.Traffic.World.Songs[0].Id}/similar?count=5" })
        {
            var (first, _) = await GetAsync(path);
            var etag = first.Headers.ETag!.Tag;

            var (second, _) = await GetAsync(path, etag);

            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            Assert.NotNull(first.Headers.CacheControl?.MaxAge);
            Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        }
    }

    [Fact]
    public async Task UnknownUser_GetsTrendingInTheirRegion_MarkedAsSuch()
    {
        var (response, body) = await GetAsync("/api/users/u_never_seen/recommendations?region=ID&count=5");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(body.GetProperty("personalized").GetBoolean());
        Assert.All(body.GetProperty("items").EnumerateArray(), i => Assert.Equal(("trending_in", "ID", "Trending in Indonesia"),
            (Kind(i), i.GetProperty("reason").GetProperty("region").GetString(), i.GetProperty("reason").GetProperty("text").GetString())));
        Assert.Equal(("ID", "request"), (body.GetProperty("region").GetString(), body.GetProperty("regionSource").GetString()));
        Assert.NotEmpty(body.GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Similar_SongInTheModel_ComesFromTheSameCluster()
    {
        var song = fixture.Traffic.World.Clusters[0].SongsByPopularity[0];

        var (_, body) = await GetAsync($"/api/songs/{song.Id}/similar?count=5");

        Assert.Equal("model", body.GetProperty("source").GetString());
        var items = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("songId").GetString()!).ToList();
        Assert.DoesNotContain(song.Id, items);
        Assert.True(items.Count(s => ClusterOf(s) == 0) >= 3, string.Join(",", items.Select(ClusterOf)));
    }

    [Fact]
    public async Task Similar_Items_NameTheSongAskedAboutByTitle_AndScoreFromZeroToOne()
    {
        var song = fixture.Traffic.World.Clusters[0].SongsByPopularity[0];

        var (_, body) = await GetAsync($"/api/songs/{song.Id}/similar?count=5");

        Assert.All(body.GetProperty("items").EnumerateArray(), i =>
        {
            var reason = i.GetProperty("reason");
            Assert.Equal(("similar_to", song.Id, song.Details.Title, song.Details.Artist), (Kind(i), reason.GetProperty("songId").GetString(),
                reason.GetProperty("title").GetString(), reason.GetProperty("artist").GetString()));
            Assert.Equal($"Similar to {song.Details.Title} by {song.Details.Artist}", reason.GetProperty("text").GetString());
            Assert.InRange(i.GetProperty("score").GetDouble(), 0, 1);
        });
    }

    [Fact]
    public async Task Recommendations_WithTheListenersOwnSongs_ReasonsAreDisplayableAndNeverSimilarToThemselves()
    {
        var user = fixture.Traffic.World.UsersByActivity.First(u => u.IsCreator);
        var events = await Host.Get<InteractionStore>().GetUserEventsAsync(user.Id);
        var created = events.Where(e => e.Action == SongAction.Create).Select(e => e.SongId).ToHashSet();
        var used = events.Select(e => e.SongId).ToHashSet();

        var (_, body) = await GetAsync($"/api/users/{user.Id}/recommendations?count=100&excludeUsed=false");

        var items = body.GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(items, i => used.Contains(i.GetProperty("songId").GetString()!));
        Assert.Contains(items, i => Kind(i) == "similar_to");
        var scores = items.Select(i => i.GetProperty("score").GetDouble()).ToList();
        Assert.All(scores, score => Assert.InRange(score, 0, 1));
        Assert.Equal(scores.OrderDescending(), scores);
        foreach (var item in items)
        {
            var song = item.GetProperty("songId").GetString()!;
            var reason = item.GetProperty("reason");
            var expected = created.Contains(song) ? "used_in_your_videos" : used.Contains(song) ? "in_your_history" : null;
            if (expected is not null)
            {
                Assert.Equal(expected, Kind(item));
                continue;
            }

            Assert.Contains(Kind(item), new[] { "similar_to", "for_you" });
            if (Kind(item) == "similar_to")
            {
                var seed = reason.GetProperty("songId").GetString()!;
                Assert.NotEqual(song, seed);
                Assert.Contains(seed, used);
                var details = fixture.Traffic.World.Song(seed).Details;
                Assert.Equal((details.Title, details.Artist, $"Similar to {details.Title} by {details.Artist}"),
                    (reason.GetProperty("title").GetString(), reason.GetProperty("artist").GetString(), reason.GetProperty("text").GetString()));
            }
        }
    }

    [Fact]
    public async Task NoRegionAsked_TheListenersEventsSayWhere_AndTheAnswerSaysSo()
    {
        var user = fixture.Traffic.World.UsersByActivity.First(u => !u.IsCreator);
        var country = Resso.Ml.Mixes.CountryNames.InSentence(user.Region);

        var (_, recommendations) = await GetAsync($"/api/users/{user.Id}/recommendations?count=5");
        var (_, mixes) = await GetAsync($"/api/users/{user.Id}/mixes");
        var (_, asked) = await GetAsync($"/api/users/{user.Id}/mixes?region=JP");

        Assert.Equal((user.Region, "events"), (recommendations.GetProperty("region").GetString(), recommendations.GetProperty("regionSource").GetString()));
        Assert.Equal((user.Region, "events"), (mixes.GetProperty("region").GetString(), mixes.GetProperty("regionSource").GetString()));
        var all = mixes.GetProperty("mixes").EnumerateArray().ToList();
        var trending = all.Single(m => m.GetProperty("kind").GetString() == "trending");
        Assert.Equal(($"trending:{user.Region}", $"Trending in {country}"), (trending.GetProperty("id").GetString(), trending.GetProperty("title").GetString()));
        Assert.All(trending.GetProperty("tracks").EnumerateArray(), t => Assert.Equal(user.Region, t.GetProperty("reason").GetProperty("region").GetString()));
        Assert.All(trending.GetProperty("tracks").EnumerateArray(), t => Assert.True(fixture.Traffic.World.Song(t.GetProperty("songId").GetString()!).IsAvailableIn(user.Region)));
        Assert.Equal(("JP", "request"), (asked.GetProperty("region").GetString(), asked.GetProperty("regionSource").GetString()));

        // Copy for what this listener does: they make no videos.
        Assert.DoesNotContain(all, m => m.GetProperty("kind").GetString() == "from_your_videos");
        Assert.StartsWith("Songs picked for you from the videos you watch", all.Single(m => m.GetProperty("kind").GetString() == "for_you").GetProperty("description").GetString());
        Assert.All(all.Where(m => m.GetProperty("kind").GetString() == "because_you_used"), m => Assert.StartsWith("Because you listened to ", m.GetProperty("title").GetString()));
        Assert.All(all.SelectMany(m => m.GetProperty("tracks").EnumerateArray()), t => Assert.InRange(t.GetProperty("score").GetDouble(), 0, 1));
    }

    [Fact]
    public async Task NoRegionAndNoEvents_IsWorldwide_WithNoRegionSource()
    {
        var (_, body) = await GetAsync("/api/users/u_nobody_here/recommendations?count=5");

        Assert.Equal(JsonValueKind.Null, body.GetProperty("region").ValueKind);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("regionSource").ValueKind);
        Assert.NotEmpty(body.GetProperty("items").EnumerateArray());
        Assert.All(body.GetProperty("items").EnumerateArray(), i => Assert.Equal("Trending worldwide", i.GetProperty("reason").GetProperty("text").GetString()));
    }

    [Fact]
    public async Task Trending_ScoresAreSharesOfTheTopSong()
    {
        var (_, body) = await GetAsync("/api/trending?window=7d&count=20");

        var scores = body.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("score").GetDouble()).ToList();
        Assert.Equal(1, scores[0]);
        Assert.All(scores, score => Assert.InRange(score, 0, 1));
        Assert.Equal(scores.OrderDescending(), scores);
    }

    [Theory]
    [InlineData("/api/users/u_1/recommendations?count=0", "count")]
    [InlineData("/api/users/u_1/recommendations?count=101", "count")]
    [InlineData("/api/users/u_1/recommendations?count=ten", "count")]
    [InlineData("/api/users/u_1/recommendations?region=XX", "region")]
    [InlineData("/api/users/u_1/recommendations?excludeUsed=maybe", "excludeUsed")]
    [InlineData("/api/users/u%2F1/mixes", "userId")]
    [InlineData("/api/trending?window=2h", "window")]
    [InlineData("/api/trending?region=zz", "region")]
    [InlineData("/api/songs/s_1/similar?count=1000", "count")]
    public async Task BadInput_Is400NamingTheField(string path, string field)
    {
        var (response, body) = await GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task Similar_UnknownSong_Is404Problem()
    {
        var (response, body) = await GetAsync("/api/songs/s_does_not_exist/similar");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("urn:resso:problem:song-not-found", body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task History_ReadPageByPage_IsTheWholeHistoryNewestFirst_EachEventOnce()
    {
        // The most active listener whose whole history fits on one page of 100, to compare with.
        string user = "";
        JsonElement all = default;
        var total = 0;
        foreach (var candidate in fixture.Traffic.World.UsersByActivity.Take(100))
        {
            (_, all) = await GetAsync($"/api/users/{candidate.Id}/history?count=100");
            (user, total) = (candidate.Id, all.GetProperty("total").GetInt32());
            if (total <= 100)
            {
                break;
            }
        }

        Assert.InRange(total, 15, 100);
        Assert.Equal(JsonValueKind.Null, all.GetProperty("next").ValueKind);

        var paged = new List<JsonElement>();
        string? next = null;
        var pages = 0;
        do
        {
            var (response, page) = await GetAsync($"/api/users/{user}/history?count=7" + (next is null ? "" : "&before=" + Uri.EscapeDataString(next)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(total, page.GetProperty("total").GetInt32());
            paged.AddRange(page.GetProperty("items").EnumerateArray());
            next = page.GetProperty("next").GetString();
            pages++;
        }
        while (next is not null && pages < 100);

        Assert.Equal((total + 6) / 7, pages);
        Assert.Equal(all.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("eventId").GetString()), paged.Select(i => i.GetProperty("eventId").GetString()));
        var times = paged.Select(i => i.GetProperty("occurredAt").GetDateTimeOffset()).ToList();
        Assert.Equal(times.OrderDescending(), times);
    }

    [Theory]
    [InlineData("not-a-cursor!")]
    [InlineData("MTIz")] // base64url of "123": no event id
    public async Task History_BeforeThatIsNoCursor_Is400NamingIt(string before)
    {
        var (response, body) = await GetAsync($"/api/users/u_000001/history?before={Uri.EscapeDataString(before)}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(body.GetProperty("errors").TryGetProperty("before", out _));
    }
}
