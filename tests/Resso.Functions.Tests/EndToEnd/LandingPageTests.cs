using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>The self-host's landing page at <c>/</c>: every route, and requests to try that work, with ids from storage.</summary>
public sealed partial class LandingPageTests(ListenerHost fixture, AzuriteFixture azurite) : IClassFixture<ListenerHost>
{
    private SelfHostServer Host => fixture.Host;

    [Fact]
    public async Task LandingPage_ListsEveryApiRoute_AsHtmlWithTheSecurityHeaders()
    {
        using var response = await Host.Client.GetAsync(new Uri("/", UriKind.Relative));
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'none'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        var routes = Host.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Select(e => e.RoutePattern.RawText!).Where(p => p.StartsWith("/api/", StringComparison.Ordinal)).Distinct().ToList();
        Assert.True(routes.Count > 20, $"only {routes.Count} routes");
        Assert.All(routes, route => Assert.Contains($"<code>{WebUtility.HtmlEncode(route)}</code>", html, StringComparison.Ordinal));
        Assert.Contains("<td>POST</td><td><code>/api/events</code></td><td>key</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>GET</td><td><code>/api/me/recommendations</code></td><td>listener</td>", html, StringComparison.Ordinal);
        Assert.Contains("<td>GET</td><td><code>/api/trending</code></td><td>anyone</td>", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TryThese_NameTheWeeksTopSongAndAnActiveListener_AndTheirRequestsAnswer()
    {
        var html = WebUtility.HtmlDecode(await Host.Client.GetStringAsync(new Uri("/", UriKind.Relative)));

        var top = JsonDocument.Parse(await Host.Client.GetStringAsync(new Uri("/api/trending?window=7d&count=1", UriKind.Relative)))
            .RootElement.GetProperty("items")[0].GetProperty("songId").GetString()!;
        Assert.Contains($"/api/songs/{top}/similar?count=10", html, StringComparison.Ordinal);

        var user = MixesCommand().Match(html);
        Assert.True(user.Success, "no listener in the examples");
        using var history = await Host.KeyedClient.GetAsync(new Uri($"/api/users/{user.Groups[1].Value}/history?count=1", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, history.StatusCode);
        Assert.True(JsonDocument.Parse(await history.Content.ReadAsStringAsync()).RootElement.GetProperty("total").GetInt32() > 0);

        var links = Links().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(links, l => l.Contains("/offer?videoId=", StringComparison.Ordinal));
        foreach (var link in links)
        {
            using var answer = await Host.Client.GetAsync(new Uri(link, UriKind.Relative));
            Assert.True(answer.StatusCode == HttpStatusCode.OK, $"{link}: {(int)answer.StatusCode}");
        }
    }

    [Fact]
    public async Task EmptyStorage_SaysSoInsteadOfExamples()
    {
        await using var empty = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: AzuriteFixture.UniqueName("l"));

        var html = await empty.Client.GetStringAsync(new Uri("/", UriKind.Relative));

        Assert.Contains("Storage holds no events yet", html, StringComparison.Ordinal);
        Assert.Contains("no model yet", html, StringComparison.Ordinal);
        Assert.DoesNotContain("/mixes'", html, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"/api/users/([A-Za-z0-9_.\-]+)/mixes")]
    private static partial Regex MixesCommand();

    [GeneratedRegex("<a href=\"(/api/[^\"]+)\"")]
    private static partial Regex Links();
}
