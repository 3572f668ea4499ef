using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resso.Functions.Core.Conversions;
using Resso.Shared.Attribution;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary><c>POST /api/conversions</c> over real HTTP and Azurite: retries, conflicts and the bounds of <c>occurredAt</c>.</summary>
public sealed class ConversionTests(AzuriteFixture azurite)
{
    private const string Song = "s_hit";

    private static Task<HttpResponseMessage> ConvertAsync(SelfHostServer host, ConversionBody body) =>
        SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(body));

    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    private static async Task<SelfHostServer> StartWithSongAsync(AzuriteFixture azurite, StorageFaults? faults = null)
    {
        var host = await StartAsync(azurite, faults);
        (await PutSongAsync(host, Song, new { title = "Lagu", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        return host;
    }

    /// <summary>The kind of offer the user is shown for the song in Indonesia: free_trial until they subscribe, open_in_app after.</summary>
    private static async Task<string?> OfferKindAsync(SelfHostServer host, string userId)
    {
        using var response = await host.KeyedClient.GetAsync(new Uri($"/api/songs/{Song}/offer?userId={userId}&region=ID&platform=ios", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonAsync(response)).GetProperty("offer").GetProperty("kind").GetString();
    }

    private static async Task<List<ConversionRecord>> StoredAsync(SelfHostServer host)
    {
        var stored = new List<ConversionRecord>();
        await foreach (var conversion in host.Get<AttributionStore>().ReadConversionsAsync(DateTimeOffset.UtcNow.AddDays(-400), DateTimeOffset.UtcNow.AddDays(1)))
        {
            stored.Add(conversion);
        }

        return stored;
    }

    [Fact]
    public async Task RecordConversion_RetriedAfterTheSubscriptionWriteFailed_IsADuplicateAndTheUserIsASubscriber()
    {
        var faults = new StorageFaults();
        await using var host = await StartWithSongAsync(azurite, faults);
        var subscriptions = "/" + new StorageNames(host.StoragePrefix).SubscriptionsTable;
        var conversion = Conversions.Valid(userId: "u_retry");
        Assert.Equal("free_trial", await OfferKindAsync(host, "u_retry"));

        // The conversion row is stored; the subscription state is not: storage fails that write.
        faults.FailBefore = (method, path) => method != "GET" && path.Contains(subscriptions, StringComparison.Ordinal);
        faults.Armed = true;
        using var failed = await ConvertAsync(host, conversion);
        faults.Armed = false;
        var problem = await JsonAsync(failed);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        Assert.Equal("urn:resso:problem:storage-unavailable", problem.GetProperty("type").GetString());
        Assert.DoesNotContain("nothing was stored", problem.ToString(), StringComparison.OrdinalIgnoreCase);
        Assert.Contains("retrying it is safe", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(faults.Injected > 0);

        // Billing retries, as the 503 invites: the conversion is not stored twice, and the state is.
        using var retried = await ConvertAsync(host, conversion);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.True((await JsonAsync(retried)).GetProperty("duplicate").GetBoolean());
        Assert.Equal("open_in_app", await OfferKindAsync(host, "u_retry"));
        Assert.Equal(conversion.ConversionId, Assert.Single(await StoredAsync(host)).ConversionId);
    }

    [Fact]
    public async Task RecordConversion_SameIdWithOtherValues_Is409NamingTheFieldsAndChangesNothing()
    {
        await using var host = await StartWithSongAsync(azurite);
        var first = Conversions.Valid(userId: "u_payer");
        using (var created = await ConvertAsync(host, first))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        foreach (var (conflicting, fields) in new (ConversionBody, string[])[]
        {
            (first with { UserId = "u_other" }, ["userId"]),
            (first with { Amount = first.Amount + 1 }, ["amount"]),
            (first with { UserId = "u_other", Plan = "premium-yearly", Currency = "USD", OccurredAt = Conversions.At(DateTimeOffset.UtcNow.AddDays(-1)), Trial = true }, ["userId", "plan", "currency", "occurredAt", "trial"]),
        })
        {
            using var response = await ConvertAsync(host, conflicting);
            var problem = await JsonAsync(response);

            Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal("urn:resso:problem:conversion-conflict", problem.GetProperty("type").GetString());
            Assert.Equal(fields, problem.GetProperty("conflictingFields").EnumerateArray().Select(f => f.GetString()));
        }

        // The stored conversion is the first one, and only the payer became a subscriber.
        var stored = Assert.Single(await StoredAsync(host));
        Assert.Equal((first.ConversionId, "u_payer", first.Amount, "IDR", false), (stored.ConversionId, stored.UserId, stored.Amount, stored.Currency, stored.IsTrial));
        Assert.Equal("free_trial", await OfferKindAsync(host, "u_other"));
        Assert.Equal("open_in_app", await OfferKindAsync(host, "u_payer"));

        // The same conversion again, written another way (another offset, the amount with decimals), is still a duplicate.
        var sameInstant = DateTimeOffset.Parse(first.OccurredAt, System.Globalization.CultureInfo.InvariantCulture).ToOffset(TimeSpan.FromHours(7));
        using var again = await ConvertAsync(host, first with { OccurredAt = Conversions.At(sameInstant), Amount = decimal.Parse("54990.00", System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    public static TheoryData<string, string, string> OutOfBounds() => new()
    {
        // what, occurredAt, words the problem must hold
        { "year 1", "0001-01-02T00:00:00Z", "days ago" },
        { "1900", "1900-01-01T00:00:00Z", "days ago" },
        { "367 days ago", Conversions.At(DateTimeOffset.UtcNow.AddDays(-367)), "days ago" },
        { "ten minutes ahead", Conversions.At(DateTimeOffset.UtcNow.AddMinutes(10)), "in the future" },
        { "year 9999", "9999-12-31T23:59:59Z", "in the future" },
        { "not a date", "soon", "ISO 8601" },
    };

    [Theory]
    [MemberData(nameof(OutOfBounds))]
    public async Task RecordConversion_OccurredAtOutOfBounds_Is400SayingWhyAndStoresNothing(string what, string occurredAt, string words)
    {
        await using var host = await StartWithSongAsync(azurite);

        using var response = await ConvertAsync(host, Conversions.Valid(userId: "u_late") with { OccurredAt = occurredAt });
        var problem = await JsonAsync(response);

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{what}: {(int)response.StatusCode} {problem}");
        Assert.Contains(words, Assert.Single(problem.GetProperty("errors").GetProperty("occurredAt").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Empty(await StoredAsync(host));
        Assert.Equal("free_trial", await OfferKindAsync(host, "u_late"));
    }

    [Fact]
    public async Task RecordConversion_OccurredAtWithinTheBounds_IsRecorded()
    {
        await using var host = await StartWithSongAsync(azurite);

        using var yearOld = await ConvertAsync(host, Conversions.Valid(userId: "u_old") with { OccurredAt = Conversions.At(DateTimeOffset.UtcNow - ConversionsApi.MaxAge + TimeSpan.FromMinutes(1)) });
        using var justAhead = await ConvertAsync(host, Conversions.Valid(userId: "u_ahead") with { OccurredAt = Conversions.At(DateTimeOffset.UtcNow.AddMinutes(4)) });

        Assert.Equal(HttpStatusCode.Created, yearOld.StatusCode);
        Assert.Equal(HttpStatusCode.Created, justAhead.StatusCode);
    }
}
