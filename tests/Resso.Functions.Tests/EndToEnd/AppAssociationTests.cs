using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// The files that make iOS and Android open the link host's links in the app, fetched over real HTTP
/// as Apple's CDN and Android's verifier fetch them, checked against each platform's format, and
/// matched against a real offer's universal link.
/// </summary>
public sealed partial class AppAssociationTests(AzuriteFixture azurite)
{
    private const string AppleAppId = "ABCDE12345.com.resso.example";
    private const string Package = "com.resso.example";
    private const string Fingerprint = "14:6D:E9:83:C5:73:06:50:D8:EE:B9:95:2F:34:FC:64:16:A0:83:42:E6:1D:BE:A8:8A:04:96:B2:3F:CF:44:E5";

    private static readonly Dictionary<string, string?> Apps = new()
    {
        ["Resso:AppLinks:AppleAppIds"] = AppleAppId,
        ["Resso:AppLinks:AndroidPackages"] = Package,
        ["Resso:AppLinks:AndroidCertFingerprints"] = Fingerprint,
    };

    private static HttpClient NoRedirects(SelfHostServer host) =>
        new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

    [GeneratedRegex("^[A-Z0-9]{10}\\.[A-Za-z0-9][A-Za-z0-9.-]*$")]
    private static partial Regex AppId();

    [GeneratedRegex("^([0-9A-F]{2}:){31}[0-9A-F]{2}$")]
    private static partial Regex Sha256Fingerprint();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+$")]
    private static partial Regex ApplicationId();

    /// <summary>Apple's pattern matching in components and paths: <c>*</c> any run of characters, <c>?</c> one.</summary>
    private static bool AppleMatches(string pattern, string path) =>
        Regex.IsMatch(path, "^" + Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$");

    private static async Task<string> UniversalLinkPathAsync(SelfHostServer host)
    {
        (await PutSongAsync(host, "s_applink", new { title = "Applink", artist = "A", label = "L", durationMs = 100_000, regions = new[] { "ID" } })).EnsureSuccessStatusCode();
        using var offer = await host.Client.GetAsync(new Uri("/api/songs/s_applink/offer?region=ID&platform=ios", UriKind.Relative));
        var universal = new Uri(JsonDocument.Parse(await offer.Content.ReadAsStringAsync()).RootElement.GetProperty("links").GetProperty("universal").GetString()!);
        return universal.AbsolutePath;
    }

    [Theory]
    [InlineData("/.well-known/apple-app-site-association")]
    [InlineData("/api/well-known/apple-app-site-association")]
    public async Task AppleAppSiteAssociation_IsApplesFormat_AndItsComponentsMatchTheLinksAndNothingElse(string path)
    {
        await using var host = await StartAsync(azurite, settings: Apps);
        using var client = NoRedirects(host);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
        var bytes = await response.Content.ReadAsByteArrayAsync();

        // Apple's CDN: 200 over the exact path, no redirect, application/json, at most 128 KB.
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(bytes.Length <= 128 * 1024);
        var root = JsonDocument.Parse(bytes).RootElement;
        Assert.Equal(["applinks"], root.EnumerateObject().Select(p => p.Name));
        var applinks = root.GetProperty("applinks");
        var details = applinks.GetProperty("details").EnumerateArray().ToList();
        Assert.NotEmpty(details);

        var link = await UniversalLinkPathAsync(host);
        foreach (var detail in details)
        {
            Assert.All(detail.GetProperty("appIDs").EnumerateArray(), id => Assert.Matches(AppId(), id.GetString()!));
            var components = detail.GetProperty("components").EnumerateArray().ToList();
            Assert.All(components, c => Assert.StartsWith("/", c.GetProperty("/").GetString()!, StringComparison.Ordinal));
            Assert.Contains(components, c => AppleMatches(c.GetProperty("/").GetString()!, link));
            Assert.DoesNotContain(components, c => AppleMatches(c.GetProperty("/").GetString()!, "/api/health"));
            Assert.DoesNotContain(components, c => AppleMatches(c.GetProperty("/").GetString()!, "/api/trending"));
        }

        Assert.Contains(details, d => d.TryGetProperty("appIDs", out var ids) && ids.EnumerateArray().Any(i => i.GetString() == AppleAppId));
    }

    [Theory]
    [InlineData("/.well-known/assetlinks.json")]
    [InlineData("/api/well-known/assetlinks.json")]
    public async Task AssetLinks_IsGooglesDigitalAssetLinksFormat(string path)
    {
        await using var host = await StartAsync(azurite, settings: Apps);
        using var client = NoRedirects(host);

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var statements = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(JsonValueKind.Array, statements.ValueKind);
        var statement = Assert.Single(statements.EnumerateArray());
        Assert.Equal(["delegate_permission/common.handle_all_urls"], statement.GetProperty("relation").EnumerateArray().Select(r => r.GetString()));
        var target = statement.GetProperty("target");
        Assert.Equal("android_app", target.GetProperty("namespace").GetString());
        Assert.Matches(ApplicationId(), target.GetProperty("package_name").GetString()!);
        Assert.Equal(Package, target.GetProperty("package_name").GetString());
        var fingerprints = target.GetProperty("sha256_cert_fingerprints").EnumerateArray().Select(f => f.GetString()!).ToList();
        Assert.NotEmpty(fingerprints);
        Assert.All(fingerprints, f => Assert.Matches(Sha256Fingerprint(), f));
    }

    [Fact]
    public async Task NoAppConfigured_Is404ProblemNamingTheSetting()
    {
        await using var host = await StartAsync(azurite, settings: new Dictionary<string, string?>
        {
            ["Resso:AppLinks:AppleAppIds"] = "",
            ["Resso:AppLinks:AndroidPackages"] = "",
            ["Resso:AppLinks:AndroidCertFingerprints"] = "",
        });

        using var apple = await host.Client.GetAsync(new Uri("/.well-known/apple-app-site-association", UriKind.Relative));
        using var android = await host.Client.GetAsync(new Uri("/.well-known/assetlinks.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, apple.StatusCode);
        Assert.Contains("Resso__AppLinks__AppleAppIds", await apple.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, android.StatusCode);
    }

    [Theory]
    [InlineData("Resso:AppLinks:AppleAppIds", "com.resso.app", "Resso__AppLinks__AppleAppIds")]
    [InlineData("Resso:AppLinks:AndroidPackages", "resso", "Resso__AppLinks__AndroidPackages")]
    [InlineData("Resso:AppLinks:AndroidCertFingerprints", "14:6d:e9", "Resso__AppLinks__AndroidCertFingerprints")]
    public async Task MalformedAppSetting_StopsStartUpNamingIt(string key, string value, string setting)
    {
        var settings = new Dictionary<string, string?>(Apps) { [key] = value };

        var error = await Assert.ThrowsAsync<Resso.Shared.Configuration.InvalidSettingsException>(() => StartAsync(azurite, settings: settings));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
