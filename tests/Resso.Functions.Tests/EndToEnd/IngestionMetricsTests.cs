using System.Net;
using System.Text.Json;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary><c>GET /api/metrics/ingestion</c>: what this instance accepted and counted, per minute.</summary>
public sealed class IngestionMetricsTests(AzuriteFixture azurite)
{
    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(SelfHostServer host, string path, string? key = SelfHostServer.TestKey)
    {
        using var response = await SendAsync(host, HttpMethod.Get, path, null, key);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement.Clone());
    }

    [Fact]
    public async Task GetIngestion_EventsPostedAndCounted_TotalsAreThem()
    {
        await using var host = await StartAsync(azurite);
        var (all, distinct) = Events.Stream(distinct: 120, duplicateRate: 0);
        foreach (var batch in all.Chunk(50))
        {
            using var response = await PostAsync(host, Batch(batch));
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        }

        await WaitUntilCountedAsync(azurite, new StorageNames(host.StoragePrefix), host.Get<InteractionStore>(), distinct.Count);

        // The counter is added to after the storage writes that WaitUntilCounted sees.
        JsonElement body = default;
        for (var attempt = 0; attempt < 100; attempt++)
        {
            (_, body) = await GetAsync(host, "/api/metrics/ingestion");
            if (body.GetProperty("totals").GetProperty("counted").GetInt64() >= distinct.Count)
            {
                break;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        var totals = body.GetProperty("totals");
        Assert.Equal(distinct.Count, totals.GetProperty("counted").GetInt64());
        Assert.Equal(all.Count, totals.GetProperty("accepted").GetInt64());
        Assert.Equal(0, totals.GetProperty("rejected").GetInt64());
        var minutes = body.GetProperty("minutes").EnumerateArray().ToList();
        Assert.Equal(60, minutes.Count);
        Assert.Equal(distinct.Count, minutes.Sum(m => m.GetProperty("counted").GetInt64()));
        var starts = minutes.Select(m => m.GetProperty("at").GetDateTimeOffset()).ToList();
        Assert.All(starts.Zip(starts.Skip(1)), pair => Assert.Equal(TimeSpan.FromMinutes(1), pair.Second - pair.First));
        Assert.Equal(TimeSpan.Zero, starts[0].Offset);
        Assert.Equal(0, starts[0].Second);
        Assert.False(string.IsNullOrEmpty(body.GetProperty("instance").GetString()));
        Assert.True(body.GetProperty("since").GetDateTimeOffset() <= starts[^1].AddMinutes(1));
    }

    [Fact]
    public async Task GetIngestion_MinutesGiven_ThatManyMinutes()
    {
        await using var host = await StartAsync(azurite);

        var (status, body) = await GetAsync(host, "/api/metrics/ingestion?minutes=5");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(5, body.GetProperty("minutes").GetArrayLength());
    }

    [Fact]
    public async Task GetIngestion_NoKey_Is401()
    {
        await using var host = await StartAsync(azurite);

        var (status, body) = await GetAsync(host, "/api/metrics/ingestion", key: null);

        Assert.Equal(HttpStatusCode.Unauthorized, status);
        Assert.Equal("urn:resso:problem:unauthorized", body.GetProperty("type").GetString());
    }

    [Fact]
    public async Task GetIngestion_MinutesOutOfRange_Is400NamingMinutes()
    {
        await using var host = await StartAsync(azurite);

        foreach (var minutes in new[] { "0", "61", "an hour" })
        {
            var (status, body) = await GetAsync(host, $"/api/metrics/ingestion?minutes={Uri.EscapeDataString(minutes)}");

            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.True(body.GetProperty("errors").TryGetProperty("minutes", out _), body.ToString());
        }
    }
}
