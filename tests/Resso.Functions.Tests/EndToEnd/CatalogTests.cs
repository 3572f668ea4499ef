using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// The catalog as listeners see it: titles in every answer from the first one, a song's change at
/// once on the instance that took it and within seconds on the others, the song route and the roll-up.
/// </summary>
public sealed class CatalogTests(AzuriteFixture azurite)
{
    private const int Songs = 30, Users = 8, OwnSongs = 1;

    private static string SongId(int i) => $"s_cat{i:D2}";

    private static object Details(string title, string artist = "Artist") =>
        new { title, artist, label = "Label", durationMs = 180_000, regions = Array.Empty<string>() };

    /// <summary>
    /// Songs with titles and artists, and users creating videos with them: u_cat0 with the first
    /// only (so that its neighbours fill a Because you used mix), the others with every song (so trending, u_cat0's mixes and neighbours all hold the rest),
    /// and a few more with songs 10 and 11 only (so that each is the other's first neighbour).
    /// </summary>
    private static async Task SeedAsync(AzuriteFixture azurite, SelfHostServer host)
    {
        for (var i = 0; i < Songs; i++)
        {
            (await PutSongAsync(host, SongId(i), Details($"Title {i}", $"Artist {i}"))).EnsureSuccessStatusCode();
        }

        var events = (from u in Enumerable.Range(0, Users)
                      from s in Enumerable.Range(0, u == 0 ? OwnSongs : Songs)
                      select Events.Valid(userId: $"u_cat{u}", songId: SongId(s), action: SongAction.Create, segment: new Segment(10_000, 25_000)))
            .Concat(from u in Enumerable.Range(0, 3)
                    from s in new[] { 10, 11 }
                    select Events.Valid(userId: $"u_pair{u}", songId: SongId(s), action: SongAction.Create, segment: new Segment(10_000, 25_000)))
            .ToList();
        (await PostAsync(host, Batch(events))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), events.Count);
    }

    private static async Task<JsonElement> GetJsonAsync(SelfHostServer host, string path)
    {
        var (status, body) = await TryGetJsonAsync(host, path);
        Assert.True(status == HttpStatusCode.OK, $"{path}: {(int)status} {body}");
        return body;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> TryGetJsonAsync(SelfHostServer host, string path)
    {
        var client = path.StartsWith("/api/users/", StringComparison.Ordinal) ? host.KeyedClient : host.Client;
        using var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    // Every title the answers give song 10: trending, a listener's mixes, and song 11's similar songs.
    // An answer that is not 200 counts as a list without the title (another instance may not know song 11 yet).
    private static async Task<List<string?>> TitlesOfAsync(SelfHostServer host, string songId)
    {
        var titles = new List<string?>();
        var trending = await TryGetJsonAsync(host, "/api/trending?region=ID&count=100");
        var mixes = await TryGetJsonAsync(host, "/api/users/u_cat0/mixes?region=ID");
        var similar = await TryGetJsonAsync(host, $"/api/songs/{SongId(11)}/similar?count=100");
        if (trending.Status != HttpStatusCode.OK || mixes.Status != HttpStatusCode.OK || similar.Status != HttpStatusCode.OK)
        {
            return [null];
        }

        titles.AddRange(Items(trending.Body.GetProperty("items"), songId));
        foreach (var mix in mixes.Body.GetProperty("mixes").EnumerateArray())
        {
            titles.AddRange(Items(mix.GetProperty("tracks"), songId));
        }

        titles.AddRange(Items(similar.Body.GetProperty("items"), songId));
        return titles;
    }

    private static IEnumerable<string?> Items(JsonElement items, string songId) =>
        items.EnumerateArray().Where(i => i.GetProperty("songId").GetString() == songId).Select(i => i.GetProperty("title").GetString()).ToList();

    // In trending, a mix and the neighbour list at least, with that title everywhere.
    private static bool AllAre(string expected, List<string?> titles) => titles.Count >= 3 && titles.All(t => t == expected);

    private static void AssertAllAre(string expected, List<string?> titles, string what) =>
        Assert.True(AllAre(expected, titles), $"{what}: {titles.Count} lists: {string.Join(", ", titles.Select(t => t ?? "null"))}");

    [Fact]
    public async Task PutSong_TwoInstances_NewTitleAtOnceOnTheOneThatTookItAndWithinTenSecondsOnTheOther()
    {
        var prefix = AzuriteFixture.UniqueName("e");
        await using var a = await StartAsync(azurite, prefix: prefix);
        await using var b = await StartAsync(azurite, prefix: prefix);
        await SeedAsync(azurite, a);
        (await SendAsync(a, HttpMethod.Post, "/api/catalog/rollup", content: null)).EnsureSuccessStatusCode();
        var song = SongId(10);

        // Cached answers on both, with the old title (b follows a's upserts and roll-up through the changes).
        AssertAllAre("Title 10", await TitlesOfAsync(a, song), "a before");
        var started = Stopwatch.StartNew();
        List<string?> onB;
        while (!AllAre("Title 10", onB = await TitlesOfAsync(b, song)) && started.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(250);
        }

        AssertAllAre("Title 10", onB, "b before");

        (await PutSongAsync(a, song, Details("Renamed", "Artist 10"))).EnsureSuccessStatusCode();
        var changed = Stopwatch.StartNew();

        AssertAllAre("Renamed", await TitlesOfAsync(a, song), "a at once");
        while (!AllAre("Renamed", onB = await TitlesOfAsync(b, song)) && changed.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(250);
        }

        AssertAllAre("Renamed", onB, $"b after {changed.Elapsed.TotalSeconds:0.0} s");
    }

    [Fact]
    public async Task FreshInstance_StorageHoldsACatalog_FirstAnswersHaveTitles()
    {
        var prefix = AzuriteFixture.UniqueName("e");
        await using (var seeding = await StartAsync(azurite, prefix: prefix))
        {
            await SeedAsync(azurite, seeding);
        }

        await using var fresh = await StartAsync(azurite, prefix: prefix);
        var trending = await GetJsonAsync(fresh, "/api/trending?region=ID&count=100");
        var recommendations = await GetJsonAsync(fresh, "/api/users/u_cat_new/recommendations?region=ID&count=100");

        Assert.Equal(Songs, trending.GetProperty("items").GetArrayLength());
        Assert.All(trending.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("Title ", i.GetProperty("title").GetString(), StringComparison.Ordinal));
        Assert.False(recommendations.GetProperty("personalized").GetBoolean());
        Assert.Equal(Songs, recommendations.GetProperty("items").GetArrayLength());
        Assert.All(recommendations.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("Artist ", i.GetProperty("artist").GetString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task FreshInstance_SnapshotHoldsTheCatalog_AnswersWithTitlesWithoutPointReadsOfItsSongs()
    {
        var prefix = AzuriteFixture.UniqueName("e");
        await using (var seeding = await StartAsync(azurite, prefix: prefix))
        {
            await SeedAsync(azurite, seeding);
            (await SendAsync(seeding, HttpMethod.Post, "/api/catalog/rollup", content: null)).EnsureSuccessStatusCode();
            // Changes long past: a fresh instance has the snapshot alone to go on, as after a quiet hour.
            await seeding.Get<SongCatalog>().DeleteChangesBeforeAsync(TimeProvider.System.GetUtcNow().AddHours(1), TestContext.Current.CancellationToken);
        }

        // Counts point reads of the songs table (a query's path has no key): what an answer would read per song.
        var songsTable = new StorageNames(prefix).SongsTable;
        var pointReads = 0;
        var faults = new StorageFaults
        {
            Armed = true,
            FailBefore = (method, path) =>
            {
                if (method == "GET" && path.Contains($"/{songsTable}(", StringComparison.Ordinal) && path.Contains("PartitionKey", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref pointReads);
                }

                return false;
            },
        };
        await using var fresh = await StartAsync(azurite, faults, prefix);
        var snapshot = fresh.Get<CatalogSnapshot>();
        await snapshot.WaitUntilLoadedAsync(TestContext.Current.CancellationToken);

        var trending = await GetJsonAsync(fresh, "/api/trending?region=ID&count=100");
        var recommendations = await GetJsonAsync(fresh, "/api/users/u_cat_new/recommendations?region=ID&count=100");
        var history = await GetJsonAsync(fresh, "/api/users/u_cat1/history?count=50");
        var readsByAnswers = Volatile.Read(ref pointReads);
        // The reads are counted: a full entry (top segment, neighbours) is still read from the table.
        await snapshot.GetManyAsync([SongId(0)], TestContext.Current.CancellationToken);

        Assert.True(snapshot.SnapshotSongs >= Songs, $"{snapshot.SnapshotSongs} songs in the snapshot");
        Assert.Equal(0, snapshot.OverlaySongs);
        Assert.Equal(Songs, trending.GetProperty("items").GetArrayLength());
        Assert.All(trending.GetProperty("items").EnumerateArray(), i => Assert.Equal($"Title {int.Parse(i.GetProperty("songId").GetString()![5..], CultureInfo.InvariantCulture)}", i.GetProperty("title").GetString()));
        Assert.Equal(Songs, recommendations.GetProperty("items").GetArrayLength());
        Assert.All(recommendations.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("Title ", i.GetProperty("title").GetString(), StringComparison.Ordinal));
        Assert.All(recommendations.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("Artist ", i.GetProperty("artist").GetString(), StringComparison.Ordinal));
        Assert.Equal(Songs, history.GetProperty("items").GetArrayLength());
        Assert.All(history.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("Title ", i.GetProperty("title").GetString(), StringComparison.Ordinal));
        Assert.Equal(0, readsByAnswers);
        Assert.Equal(1, Volatile.Read(ref pointReads));
    }

    [Fact]
    public async Task Rollup_AfterEvents_SongShowsItsTopSegmentAndSimilarHasNeighbours()
    {
        await using var host = await StartAsync(azurite);
        await SeedAsync(azurite, host);
        var before = await GetJsonAsync(host, $"/api/songs/{SongId(0)}");

        using var response = await SendAsync(host, HttpMethod.Post, "/api/catalog/rollup", content: null);
        var rollup = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        var song = await GetJsonAsync(host, $"/api/songs/{SongId(0)}");
        var similar = await GetJsonAsync(host, $"/api/songs/{SongId(0)}/similar?count=100");
        var mixes = await GetJsonAsync(host, "/api/users/u_cat0/mixes?region=ID");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["durationMs", "neighbours", "segments", "songs"], rollup.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Songs, rollup.GetProperty("songs").GetInt32());
        Assert.Equal(Songs, rollup.GetProperty("segments").GetInt32());
        Assert.Equal(Songs, rollup.GetProperty("neighbours").GetInt32());
        Assert.True(rollup.GetProperty("durationMs").GetInt32() >= 0);
        Assert.Equal(JsonValueKind.Null, before.GetProperty("topSegment").ValueKind);
        Assert.Equal(10_000, song.GetProperty("topSegment").GetProperty("startMs").GetInt32());
        Assert.Equal("Title 0", song.GetProperty("details").GetProperty("title").GetString());
        Assert.Equal(Users, song.GetProperty("usage").GetProperty("uses").GetInt64());
        Assert.Equal(Users, song.GetProperty("usage").GetProperty("events").GetInt64());
        Assert.Equal("7d", song.GetProperty("usage").GetProperty("window").GetString());
        Assert.Equal("ID", song.GetProperty("usage").GetProperty("regions")[0].GetProperty("region").GetString());
        Assert.Equal("co_occurrence", similar.GetProperty("source").GetString());
        Assert.Equal(Resso.Functions.Core.Listeners.CatalogRollupTimer.Neighbours, similar.GetProperty("items").GetArrayLength());
        Assert.All(similar.GetProperty("items").EnumerateArray(), i => Assert.StartsWith("Title ", i.GetProperty("title").GetString(), StringComparison.Ordinal));
        // Mixes seeded by a song are named by its title, never its id.
        var titles = mixes.GetProperty("mixes").EnumerateArray().Select(m => m.GetProperty("title").GetString()!).ToList();
        Assert.Contains(titles, t => t.StartsWith("Because you used Title ", StringComparison.Ordinal));
        Assert.DoesNotContain(titles, t => t.Contains("s_cat", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GetSong_UnknownPlaceholderAndKnown_404Then200WithNullDetailsThen200WithDetails()
    {
        await using var host = await StartAsync(azurite);
        (await PostAsync(host, Batch([Events.Valid(userId: "u_p", songId: "s_placeholder")]))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), 1);
        (await PutSongAsync(host, "s_known", Details("Known"))).EnsureSuccessStatusCode();

        using var unknown = await host.Client.GetAsync("/api/songs/s_never_heard");
        var problem = JsonDocument.Parse(await unknown.Content.ReadAsStringAsync()).RootElement;
        var placeholder = await GetJsonAsync(host, "/api/songs/s_placeholder");
        var known = await GetJsonAsync(host, "/api/songs/s_known");
        var similar = await GetJsonAsync(host, "/api/songs/s_known/similar");

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("urn:resso:problem:song-not-found", problem.GetProperty("type").GetString());
        Assert.True(placeholder.GetProperty("placeholder").GetBoolean());
        Assert.Equal(JsonValueKind.Null, placeholder.GetProperty("details").ValueKind);
        Assert.Equal(1, placeholder.GetProperty("usage").GetProperty("events").GetInt64());
        Assert.False(known.GetProperty("placeholder").GetBoolean());
        Assert.Equal("Known", known.GetProperty("details").GetProperty("title").GetString());
        Assert.Equal(0, known.GetProperty("usage").GetProperty("events").GetInt64());
        // Known to the catalog, with no neighbours or factors yet: none, not "unknown".
        Assert.Equal("co_occurrence", similar.GetProperty("source").GetString());
        Assert.Equal(0, similar.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Rollup_TwoInstances_PublishesANewSnapshotThatBothSwapToWithinSeconds()
    {
        var prefix = AzuriteFixture.UniqueName("e");
        await using var a = await StartAsync(azurite, prefix: prefix);
        await using var b = await StartAsync(azurite, prefix: prefix);
        await SeedAsync(azurite, a);
        var onA = a.Get<CatalogSnapshot>();
        var onB = b.Get<CatalogSnapshot>();
        await onB.RefreshAsync(TestContext.Current.CancellationToken);
        var before = onB.SnapshotSequence;

        (await SendAsync(a, HttpMethod.Post, "/api/catalog/rollup", content: null)).EnsureSuccessStatusCode();
        var published = onA.SnapshotSequence;
        var songsOnA = onA.SnapshotSongs;
        var started = Stopwatch.StartNew();
        while (onB.SnapshotSequence != published && started.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var swappedAfter = started.Elapsed;
        var song = await GetJsonAsync(b, $"/api/songs/{SongId(3)}");

        Assert.True(before >= 1, $"before: {before}");
        Assert.True(published > before, $"published {published}, before {before}");
        Assert.Equal(Songs, songsOnA);
        Assert.True(onB.SnapshotSequence == published, $"b still on {onB.SnapshotSequence} after {swappedAfter.TotalSeconds:0.0} s");
        Assert.Equal(Songs, onB.SnapshotSongs);
        // b's cached entries went with the old snapshot: the roll-up's segment is read afresh.
        Assert.Equal(10_000, song.GetProperty("topSegment").GetProperty("startMs").GetInt32());
    }

    [Fact]
    public async Task Events_SongsInThePublishedSnapshot_WriteNoPlaceholderNorChange_NewSongsDo()
    {
        var host = await StartAsync(azurite);
        await SeedAsync(azurite, host);
        (await SendAsync(host, HttpMethod.Post, "/api/catalog/rollup", content: null)).EnsureSuccessStatusCode();
        var prefix = host.StoragePrefix;
        // Gone, so that it cannot count the events below with its own memory of the songs it met.
        await host.DisposeAsync();
        var since = DateTimeOffset.UtcNow;

        // A fresh instance's counting: its own memory of songs met is empty, the snapshot is not.
        await using var counting = await StartAsync(azurite, prefix: prefix);
        await counting.Get<CatalogSnapshot>().WaitUntilLoadedAsync(TestContext.Current.CancellationToken);
        List<SongUsedEvent> events = [Events.Valid(userId: "u_known1", songId: SongId(4)), Events.Valid(userId: "u_known2", songId: SongId(5)), Events.Valid(userId: "u_new", songId: "s_cat_new")];
        (await PostAsync(counting, Batch(events))).EnsureSuccessStatusCode();
        await WaitUntilCountedAsync(azurite, new StorageNames(prefix), counting.Get<InteractionStore>(), ((Users - 1) * Songs) + OwnSongs + 6 + events.Count);

        var changed = new List<CatalogChange>();
        await foreach (var change in counting.Get<SongCatalog>().ReadChangesAsync(since, TestContext.Current.CancellationToken))
        {
            changed.Add(change);
        }

        var placeholder = Assert.Single(changed, c => c.SongId is not null);
        Assert.Equal("s_cat_new", placeholder.SongId);
        Assert.True(placeholder.Placeholder);
        Assert.True((await counting.Get<SongCatalog>().GetAsync("s_cat_new", TestContext.Current.CancellationToken))!.IsPlaceholder);
    }

    [Fact]
    public async Task GetManyAsync_SongsNotInTheSnapshot_ReadInOneBatchThenServedFromTheCache()
    {
        await using var host = await StartAsync(azurite);
        var snapshot = host.Get<CatalogSnapshot>();
        await snapshot.RefreshAsync(TestContext.Current.CancellationToken);
        var ids = Enumerable.Range(0, 40).Select(i => $"s_batch{i:D2}").ToList();
        // Rows written without a change record: only a read from storage finds them.
        await host.Get<SongCatalog>().SetTopSegmentsAsync(ids.ToDictionary(id => id, _ => new Segment(1_000, 2_000)), TestContext.Current.CancellationToken);

        var first = await snapshot.GetManyAsync([.. ids, "s_batch_never"], TestContext.Current.CancellationToken);
        var cached = snapshot.Cache.Count;
        await host.Get<SongCatalog>().SetTopSegmentsAsync(ids.ToDictionary(id => id, _ => new Segment(5_000, 6_000)), TestContext.Current.CancellationToken);
        var second = await snapshot.GetManyAsync(ids, TestContext.Current.CancellationToken);

        Assert.Equal(ids, first.Keys.Order(StringComparer.Ordinal));
        Assert.All(first.Values, e => Assert.Equal(new Segment(1_000, 2_000), e.TopSegment));
        Assert.Equal(41, cached);
        Assert.True(snapshot.Cache.TryGet("s_batch_never", out var never));
        Assert.Null(never);
        // From the cache: the second segment was written behind it, without a change record.
        Assert.All(second.Values, e => Assert.Equal(new Segment(1_000, 2_000), e.TopSegment));
    }

    [Fact]
    public async Task GetManyAsync_MoreSongsThanTheCacheHolds_AllAnsweredAndTheCacheStaysBounded()
    {
        await using var host = await StartAsync(azurite, settings: new Dictionary<string, string?> { ["Resso:Catalog:Cache:MaxEntries"] = "100" });
        var snapshot = host.Get<CatalogSnapshot>();
        await snapshot.RefreshAsync(TestContext.Current.CancellationToken);
        var ids = Enumerable.Range(0, 150).Select(i => $"s_bound{i:D3}").ToList();
        await host.Get<SongCatalog>().SetTopSegmentsAsync(ids.ToDictionary(id => id, _ => new Segment(1_000, 2_000)), TestContext.Current.CancellationToken);

        var answered = await snapshot.GetManyAsync(ids, TestContext.Current.CancellationToken);

        Assert.Equal(150, answered.Count);
        Assert.Equal(100, snapshot.Cache.Count);
        // The first songs read went first.
        Assert.False(snapshot.Cache.TryGet("s_bound000", out _));
        Assert.True(snapshot.Cache.TryGet("s_bound149", out _));
    }
}
