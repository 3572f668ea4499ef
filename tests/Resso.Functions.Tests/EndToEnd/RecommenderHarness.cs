using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using Resso.Traffic.Generation;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>A self-host fed with planted-cluster traffic, and a retrain that waits for its decision.</summary>
internal static class RecommenderHarness
{
    // Four taste clusters, a few hundred users: small enough to train in a second or two.
    public static readonly TrafficOptions World = new() { Events = 8_000, Users = 300, Songs = 160, Clusters = 4, Seed = 5, DuplicateRate = 0, Days = 2, FavouriteClusterShare = 0.9 };

    public static readonly Dictionary<string, string?> FastTraining = new()
    {
        ["Resso:Training:LatentDimension"] = "32",
        ["Resso:Training:Epochs"] = "15",
        ["Resso:Training:ModelPollInterval"] = "00:00:01",
    };

    public static async Task<(SelfHostServer Host, TrafficGenerator Traffic)> StartWithEventsAsync(AzuriteFixture azurite, Dictionary<string, string?>? settings = null, string? prefix = null)
    {
        var host = await SelfHostServer.StartAsync(azurite.ConnectionString, settings ?? FastTraining, services => services.AddSingleton(FastQueues), storagePrefix: prefix);
        var traffic = new TrafficGenerator(World, TimeProvider.System);
        var events = traffic.Generate().Select(g => g.Event).ToList();
        await SendAsync(azurite, host, events, events.Select(e => (e.UserId, e.EventId)).Distinct().Count());
        return (host, traffic);
    }

    /// <summary>Posts <paramref name="events"/> in batches and waits until <paramref name="counted"/> distinct events are counted in all.</summary>
    public static async Task SendAsync(AzuriteFixture azurite, SelfHostServer host, IEnumerable<SongUsedEvent> events, long counted)
    {
        foreach (var batch in events.Chunk(500))
        {
            using var response = await PostAsync(host, Batch(batch));
            response.EnsureSuccessStatusCode();
        }

        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), counted);
    }

    public static async Task<JsonElement> RetrainAndWaitAsync(SelfHostServer host, string? previousDecision = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/model/retrain?reason=test") ;
        request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        using var response = await host.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            using var status = await host.Client.GetAsync(new Uri("/api/model", UriKind.Relative));
            var body = JsonDocument.Parse(await status.Content.ReadAsStringAsync()).RootElement;
            if (status.StatusCode == HttpStatusCode.OK && body.GetProperty("lastDecision").GetProperty("version").GetString() != previousDecision
                && body.GetProperty("servedVersion").ValueKind == JsonValueKind.String)
            {
                return body;
            }

            await Task.Delay(250);
        }

        throw new TimeoutException("no model decision within 120 s");
    }


}
