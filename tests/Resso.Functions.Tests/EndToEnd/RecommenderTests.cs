using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Azure.Storage.Blobs;
using Resso.Ml.Pipeline;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Shared.Events;
using Resso.Shared.Storage;
using Resso.Testing;
using Resso.Traffic.Generation;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>Events → a trained, published, served model → recommendations; guarded publishing; hot swap.</summary>
public sealed class RecommenderTests(AzuriteFixture azurite)
{
    private static Task<(SelfHostServer Host, TrafficGenerator Traffic)> StartWithEventsAsync(AzuriteFixture azurite, Dictionary<string, string?>? settings = null, string? prefix = null) =>
        RecommenderHarness.StartWithEventsAsync(azurite, settings, prefix);

    private static Task<JsonElement> RetrainAndWaitAsync(SelfHostServer host, string? previousDecision = null) =>
        RecommenderHarness.RetrainAndWaitAsync(host, previousDecision);

    private static Dictionary<string, string?> FastTraining => RecommenderHarness.FastTraining;

    private static int ClusterOf(TrafficGenerator traffic, string songId) => traffic.World.ClusterOf(songId);

    [Fact]
    public async Task Retrain_PlantedTasteClusters_PublishesAModelThatRecommendsEachUsersCluster()
    {
        var (host, traffic) = await StartWithEventsAsync(azurite);
        await using var _ = host;

        var status = await RetrainAndWaitAsync(host);

        Assert.Equal(status.GetProperty("version").GetString(), status.GetProperty("servedVersion").GetString());
        var manifest = status.GetProperty("current");
        Assert.True(manifest.GetProperty("decision").GetProperty("published").GetBoolean());
        var metrics = manifest.GetProperty("metrics");
        Assert.True(metrics.GetProperty("ndcg").GetDouble() > metrics.GetProperty("popularityNdcg").GetDouble(), metrics.ToString());

        // Users with one favourite cluster: their recommendations (own songs excluded) lead with it.
        var recommender = host.Get<Recommender>();
        var users = traffic.World.Users.Where(u => u.FavouriteClusters.Count == 1).Take(30).ToList();
        var hits = 0;
        var total = 0;
        foreach (var user in users)
        {
            var recs = await recommender.RecommendAsync(user.Id, 5);
            if (recs is null)
            {
                continue;
            }

            hits += recs.Songs.Count(s => ClusterOf(traffic, s.SongId) == user.FavouriteClusters[0]);
            total += recs.Songs.Count;
            Assert.DoesNotContain(recs.Songs, s => recs.UsedSongs.Contains(s.SongId));
        }

        Assert.True(total > 0);
        Assert.True(hits >= 0.7 * total, $"{hits} of {total} recommendations in the users' clusters");
    }

    [Fact]
    public async Task FoldIn_NewUserWithFiveEventsInOneCluster_IsRecommendedThatClusterWithoutRetraining()
    {
        var (host, traffic) = await StartWithEventsAsync(azurite);
        await using var _ = host;
        var status = await RetrainAndWaitAsync(host);
        var version = status.GetProperty("version").GetString();

        var cluster = traffic.World.Clusters[2];
        var songs = cluster.SongsByPopularity.Take(5).ToList();
        var events = songs.Select((s, i) => Events.Valid(eventId: $"new_{i}", userId: "u_brand_new", songId: s.Id, action: SongAction.Like)).ToList();
        using var response = await PostAsync(host, Batch(events));
        response.EnsureSuccessStatusCode();

        // Within a second or so of processing, the fold-in worker has stored the new user's vector.
        var vectors = host.Get<UserVectors>();
        UserVector? stored = null;
        for (var i = 0; i < 100 && stored?.Events != 5; i++)
        {
            stored = await vectors.GetAsync("u_brand_new");
            await Task.Delay(100);
        }

        Assert.Equal(5, stored?.Events);
        Assert.Equal(version, stored!.ModelVersion);
        var recs = await host.Get<Recommender>().RecommendAsync("u_brand_new", 10);
        Assert.NotNull(recs);
        Assert.Equal(version, recs.ModelVersion);
        Assert.True(recs.Songs.Count(s => ClusterOf(traffic, s.SongId) == cluster.Index) >= 7, string.Join(", ", recs.Songs.Select(s => $"{s.SongId}:{ClusterOf(traffic, s.SongId)}")));
        Assert.DoesNotContain(recs.Songs, s => songs.Any(used => used.Id == s.SongId));
    }

    [Fact]
    public async Task Retrain_HeldOutUsersBeyondThePublishSample_StopEarlyAndTheManifestSaysWhen()
    {
        // 300 users, 100 of them judge publishing: the other held-out users watch the epochs.
        var settings = new Dictionary<string, string?>(FastTraining)
        {
            ["Resso:Training:Epochs"] = "80",
            ["Resso:Training:MaxEvaluationUsers"] = "100",
            ["Resso:Training:EarlyStoppingPatience"] = "2",
            ["Resso:Training:ValidationUsers"] = "100",
        };
        var (host, _) = await StartWithEventsAsync(azurite, settings, prefix: AzuriteFixture.UniqueName("e"));
        await using var _ = host;

        var status = await RetrainAndWaitAsync(host);

        var manifest = status.GetProperty("current");
        var parameters = manifest.GetProperty("parameters");
        var run = int.Parse(parameters.GetProperty("epochsRun").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        var best = int.Parse(parameters.GetProperty("bestEpoch").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(run, 3, 79);
        Assert.Equal(run - 2, best);
        Assert.Equal(100, manifest.GetProperty("metrics").GetProperty("users").GetInt32());
        Assert.True(manifest.GetProperty("decision").GetProperty("published").GetBoolean());
    }

    [Fact]
    public async Task Retrain_UnchangedData_IsPublishedAndTheReasonStatesThePairedDifference()
    {
        var (host, _) = await StartWithEventsAsync(azurite);
        await using var _ = host;
        var training = host.Get<TrainingService>();
        var first = (await training.TrainAsync("test", onlyIfNewEvents: false)).Manifest!;

        var second = (await training.TrainAsync("test", onlyIfNewEvents: false)).Manifest!;

        Assert.Equal(first.Data, second.Data);
        AssertReasonIsTrue(second, first.Version);
        Assert.True(second.Decision.Published, second.Decision.Reason);
        Assert.Equal(second.Version, host.Get<ModelHolder>().Current?.Version);
    }

    [Fact]
    public async Task Retrain_TwentyPercentMoreEventsFromTheSameWorld_IsPublished()
    {
        // The demo's world (5,000 users, 2,000 songs, 12 clusters), where more events make a better model. In the small
        // world above its 300 users already have ~27 events each: 20 % more only adds SGD steps per epoch, and with the
        // fixed epochs the candidate came out significantly worse in 5 of 12 measured runs (docs/recommender.md, "Publishing").
        var events = new TrafficGenerator(new TrafficOptions { Events = 12_000, DuplicateRate = 0 }, TimeProvider.System).Generate().Select(g => g.Event).ToList();
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, FastTraining, services => services.AddSingleton(FastQueues));
        await RecommenderHarness.SendAsync(azurite, host, events.Take(10_000), 10_000);
        var training = host.Get<TrainingService>();
        var first = (await training.TrainAsync("test", onlyIfNewEvents: false)).Manifest!;
        await RecommenderHarness.SendAsync(azurite, host, events.Skip(10_000), 12_000);

        var second = (await training.TrainAsync("test", onlyIfNewEvents: false)).Manifest!;

        Assert.Equal((10_000, 12_000), (first.Data.Events, second.Data.Events));
        AssertReasonIsTrue(second, first.Version);
        Assert.True(second.Decision.Published, second.Decision.Reason);
        Assert.Equal(second.Version, host.Get<ModelHolder>().Current?.Version);
    }

    /// <summary>The decision compares with the given version, its reason states the paired difference, and the rule holds.</summary>
    private static void AssertReasonIsTrue(ModelManifest candidate, string currentVersion)
    {
        var decision = candidate.Decision;
        Assert.Equal(currentVersion, decision.CurrentVersion);
        var d = Assert.IsType<NdcgDifference>(decision.Difference);
        Assert.Equal(candidate.Metrics.Users, d.Pairs);
        Assert.True(d.Pairs > 100, $"{d.Pairs} held-out users");
        Assert.Equal(decision.CandidateNdcg - decision.CurrentNdcg!.Value, d.Mean, 9);
        Assert.InRange(d.Mean, d.Lower, d.Upper);
        static string Signed(double x) => x.ToString("+0.0000;-0.0000;0.0000", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"NDCG@10 candidate − current {Signed(d.Mean)} [{Signed(d.Lower)}, {Signed(d.Upper)}] over {d.Pairs} held-out users", decision.Reason, StringComparison.Ordinal);
        Assert.Equal(!(d.Upper < 0 && -d.Mean > decision.Tolerance), decision.Published);
    }

    [Fact]
    public async Task HotSwap_CorruptOrHalfWrittenModelPublished_IsRefusedAndTheLastGoodKeepsServing()
    {
        var (host, _) = await StartWithEventsAsync(azurite);
        await using var _ = host;
        var good = (await RetrainAndWaitAsync(host)).GetProperty("version").GetString()!;
        var store = host.Get<ModelStore>();
        var refresher = host.Get<ModelRefresher>();
        var container = new BlobContainerClient(azurite.ConnectionString, new StorageNames(host.StoragePrefix).ModelsContainer);
        var manifest = await store.GetManifestAsync(good);
        Assert.True((await container.GetBlobClient($"{good}/model.zip").ExistsAsync()).Value, "the ML.NET model is stored next to the factors");

        // A copy of the good model with one flipped byte in its factors, then one whose factors never arrived.
        var factors = (await container.GetBlobClient($"{good}/factors.bin").DownloadContentAsync()).Value.Content.ToArray();
        factors[factors.Length / 2] ^= 0x5A;
        foreach (var (version, blob) in new[] { ("corrupt", factors), ("halfwritten", null) })
        {
            if (blob is not null)
            {
                await container.GetBlobClient($"{version}/factors.bin").UploadAsync(new BinaryData(blob), overwrite: true);
            }

            await container.GetBlobClient($"{version}/manifest.json").UploadAsync(
                BinaryData.FromObjectAsJson(manifest with { Version = version }, JsonSerializerOptions.Web), overwrite: true);
            await store.PublishAsync(version);
            await refresher.RefreshAsync();

            Assert.Equal(good, host.Get<ModelHolder>().Current?.Version);
        }
    }
}
