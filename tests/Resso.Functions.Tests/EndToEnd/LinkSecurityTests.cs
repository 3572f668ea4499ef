using System.Net;
using System.Security.Cryptography;
using System.Text;
using Resso.Shared.Links;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>One host with two link keys (k1 signs, k2 still verifies); tokens made and tampered with here.</summary>
public sealed class LinkHost(AzuriteFixture azurite) : IAsyncLifetime
{
    public static readonly string K1 = Secret("k1");
    public static readonly string K2 = Secret("k2");

    public SelfHostServer Host { get; private set; } = null!;

    public static string Secret(string name) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes("link-test-" + name)));

    public async ValueTask InitializeAsync() => Host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
    {
        ["Resso:Links:SigningKeyId"] = "k1",
        ["Resso:Links:Keys:k1"] = K1,
        ["Resso:Links:Keys:k2"] = K2,
    });

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class LinkSecurityTests(LinkHost fixture) : IClassFixture<LinkHost>
{
    private static readonly string[] AllowedHosts = ["apps.apple.com", "play.google.com", "www.resso.com"];

    private static LinkSigner Signer(string signingKey, params (string Id, string Secret)[] keys)
    {
        var options = new LinkOptions { SigningKeyId = signingKey, LinkHost = "links.resso.example" };
        foreach (var (id, secret) in keys)
        {
            options.Keys[id] = secret;
        }

        return new LinkSigner(LinkKeyRing.FromOptions(options, isDevelopment: false));
    }

    private static LinkClaims Claims(DateTimeOffset? issuedAt = null, TimeSpan? lifetime = null)
    {
        var at = issuedAt ?? DateTimeOffset.UtcNow.AddMinutes(-1);
        return new LinkClaims("o20261125a0123456789", "s_hit", "v_1", "u_1", "ID", Platform.Android, null, null, 30_000, at, at + (lifetime ?? TimeSpan.FromDays(7)));
    }

    private static string Valid() => Signer("k1", ("k1", LinkHost.K1)).Sign(Claims());

    private async Task<HttpResponseMessage> FollowAsync(string pathAndQuery, string? userAgent = null)
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Host.BaseAddress };
        using var request = new HttpRequestMessage(HttpMethod.Get, pathAndQuery);
        if (userAgent is not null)
        {
            request.Headers.TryAddWithoutValidation("User-Agent", userAgent);
        }

        return await client.SendAsync(request);
    }

    private static void AssertSafe(HttpResponseMessage response, string what)
    {
        Assert.True((int)response.StatusCode < 500, $"{what}: {(int)response.StatusCode}");
        if (response.Headers.Location is { } location)
        {
            Assert.True(location.Scheme == "resso" || AllowedHosts.Contains(location.Host), $"{what}: redirected to {location}");
        }
    }

    public static TheoryData<string> Tampered()
    {
        var token = Signer("k1", ("k1", LinkHost.K1)).Sign(Claims());
        var cases = new TheoryData<string>();
        foreach (var position in new[] { 0, 2, 5, 10, token.Length / 2, token.Length - 5, token.Length - 1 })
        {
            var flipped = token.ToCharArray();
            flipped[position] = flipped[position] == 'A' ? 'B' : 'A';
            cases.Add(new string(flipped));
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Tampered))]
    public async Task Follow_FlippedCharacter_IsRefusedWithAPageAndNoRedirect(string token)
    {
        using var response = await FollowAsync($"/api/l/{token}");

        AssertSafe(response, token);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Follow_Expired_Is410WithALinkToThePlayer()
    {
        var token = Signer("k1", ("k1", LinkHost.K1)).Sign(Claims(DateTimeOffset.UtcNow.AddDays(-10), TimeSpan.FromDays(7)));

        using var response = await FollowAsync($"/api/l/{token}");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Gone, response.StatusCode);
        Assert.Contains("https://www.resso.com", page, StringComparison.Ordinal);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
    }

    [Fact]
    public async Task Follow_SignedWithARetiredKey_IsRefused()
    {
        var token = Signer("k0", ("k0", LinkHost.Secret("k0"))).Sign(Claims());

        using var response = await FollowAsync($"/api/l/{token}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Follow_KeyIdSwappedForAnotherConfiguredKey_IsRefused()
    {
        var valid = Valid();
        var token = valid.Replace("2.k1.", "2.k2.", StringComparison.Ordinal);
        Assert.NotEqual(valid, token);

        using var response = await FollowAsync($"/api/l/{token}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Follow_SignedWithTheSecondKey_StillWorksDuringRotation()
    {
        var token = Signer("k2", ("k2", LinkHost.K2)).Sign(Claims());

        using var response = await FollowAsync($"/api/l/{token}?platform=web");

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("www.resso.com", response.Headers.Location!.Host);
    }

    [Theory]
    [InlineData("?redirect=https://evil.example/")]
    [InlineData("?next=//evil.example")]
    [InlineData("?url=https%3A%2F%2Fevil.example&returnUrl=//evil.example&continue=https://evil.example")]
    [InlineData("?platform=web&redirect_uri=https://evil.example")]
    [InlineData("?open=app&next=https://evil.example")]
    public async Task Follow_RedirectParameters_AreIgnored(string query)
    {
        foreach (var agent in new[] { null, "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)", "Mozilla/5.0 (Linux; Android 15)" })
        {
            using var response = await FollowAsync($"/api/l/{Valid()}{query}", agent);

            AssertSafe(response, query);
        }
    }

    [Theory]
    [InlineData("/api/l//evil.example")]
    [InlineData("/api/l/%2F%2Fevil.example")]
    [InlineData("/api/l/https:%2F%2Fevil.example")]
    [InlineData("/api/l/%E2%9C%93%E2%9C%93%E2%9C%93")]
    [InlineData("/api/l/1.k1.%C3%A9t%C3%A9.abc")]
    [InlineData("/api/l/..%2F..%2Fapi%2Fhealth")]
    public async Task Follow_HostileTokens_AreRefusedWithoutRedirectOrServerError(string path)
    {
        using var response = await FollowAsync(path);

        AssertSafe(response, path);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Follow_OverlongToken_IsRefused()
    {
        using var response = await FollowAsync($"/api/l/1.k1.{new string('A', 6000)}.{new string('B', 22)}");

        AssertSafe(response, "overlong");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task Follow_IphoneWithoutTheApp_ShowsTheClaimCodeWithStrictHeaders()
    {
        using var response = await FollowAsync($"/api/l/{Valid()}", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)");
        var page = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Matches("<code id=\"code\">[23456789A-HJ-NP-Z]{10}</code>", page);
        Assert.Contains("https://apps.apple.com/", page, StringComparison.Ordinal);
        Assert.Contains("script-src 'nonce-", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "Mozilla/5.0 (Linux; Android 15)")]
    [InlineData("?platform=web", null)]
    [InlineData("?open=app", null)]
    public async Task Follow_AnyDestination_IsNeverStored(string query, string? userAgent)
    {
        using var response = await FollowAsync($"/api/l/{Valid()}{query}", userAgent);

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
    }

    [Fact]
    public async Task GetOffer_Answer_IsNeverStored()
    {
        using (var put = await IngestionHarness.PutSongAsync(fixture.Host, "s_nostore", new { title = "T", artist = "A", label = "L", durationMs = 200_000 }))
        {
            put.EnsureSuccessStatusCode();
        }

        using var response = await fixture.Host.KeyedClient.GetAsync(new Uri("/api/songs/s_nostore/offer?userId=u_1&region=ID&platform=android", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(response.Headers.CacheControl?.NoStore, $"Cache-Control: {response.Headers.CacheControl}");
    }
}
