using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resso.Shared.Links;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>A claim code as a person types it from the iOS page, over real HTTP and Azurite.</summary>
public sealed class ClaimCodeTests(AzuriteFixture azurite)
{
    private static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

    /// <summary>Serves an offer and follows its link from an Android phone without the app: the claim code the store redirect carries.</summary>
    private static async Task<string> IssueClaimCodeAsync(SelfHostServer host)
    {
        (await PutSongAsync(host, "s_hit", new { title = "Lagu", artist = "Nadia", label = "Aurora Records", durationMs = 200_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        using var offerResponse = await host.KeyedClient.GetAsync(new Uri("/api/songs/s_hit/offer?userId=u_viewer&region=ID&platform=android", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, offerResponse.StatusCode);
        var universal = new Uri((await JsonAsync(offerResponse)).GetProperty("links").GetProperty("universal").GetString()!);

        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        using var follow = await client.GetAsync(new Uri(universal.AbsolutePath, UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, follow.StatusCode);
        return Uri.UnescapeDataString(follow.Headers.Location!.Query.Split("referrer=")[1]).Split("claim=")[1];
    }

    private static Task<HttpResponseMessage> RedeemAsync(SelfHostServer host, string typed) =>
        host.Client.PostAsync(new Uri("/api/claims/" + Uri.EscapeDataString(typed), UriKind.Relative), null);

    [Fact]
    public async Task RedeemClaim_CodeTypedInLowerCaseWithSeparators_RedeemsTheSameClaimOnce()
    {
        await using var host = await StartAsync(azurite);
        var code = await IssueClaimCodeAsync(host);
        var typed = $" {code[..5].ToLowerInvariant()}-{code[5..].ToLowerInvariant()} ";
        Assert.False(ClaimCodes.IsWellFormed(typed));

        using var claimed = await RedeemAsync(host, typed);
        Assert.Equal(HttpStatusCode.OK, claimed.StatusCode);
        var claim = await JsonAsync(claimed);
        Assert.Equal("s_hit", claim.GetProperty("songId").GetString());

        // It was that code's claim that was redeemed: as issued, the code is spent.
        using var again = await RedeemAsync(host, code);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var againLower = await RedeemAsync(host, code.ToLowerInvariant());
        Assert.Equal(HttpStatusCode.Conflict, againLower.StatusCode);
    }

    [Fact]
    public async Task RecordConversion_ClaimCodeInLowerCase_IsAttributedToTheClaimsClick()
    {
        await using var host = await StartAsync(azurite);
        var code = await IssueClaimCodeAsync(host);
        using var claimed = await RedeemAsync(host, code);
        var clickId = (await JsonAsync(claimed)).GetProperty("clickId").GetString();

        var conversion = new { conversionId = "c_lower", userId = "u_other", plan = "premium-monthly", amount = 0, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, claimCode = code.ToLowerInvariant() };
        using var converted = await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(conversion));

        Assert.Equal(HttpStatusCode.Created, converted.StatusCode);
        var attribution = (await JsonAsync(converted)).GetProperty("attribution");
        Assert.Equal(("claim", clickId), (attribution.GetProperty("method").GetString(), attribution.GetProperty("clickId").GetString()));
    }
}
