using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Resso.Shared.Ingestion;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

public sealed class SongsTests(AzuriteFixture azurite)
{
    private static HttpRequestMessage Put(string songId, object body, string? key = SelfHostServer.TestKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, $"/api/songs/{songId}") { Content = JsonContent.Create(body) };
        if (key is not null)
        {
            request.Headers.Add("x-functions-key", key);
        }

        return request;
    }

    [Fact]
    public async Task PutSong_NewThenAgain_Is201Then200AndStoresTheDetails()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        var song = new { title = "Lagu Kita", artist = "Nadia", label = "Aurora Records", durationMs = 201_000, regions = new[] { "ID", "MY" } };

        using var created = await host.Client.SendAsync(Put("s_42", song));
        using var replaced = await host.Client.SendAsync(Put("s_42", song with { }));
        var stored = await host.Get<SongCatalog>().GetAsync("s_42");

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(HttpStatusCode.OK, replaced.StatusCode);
        Assert.False(stored!.IsPlaceholder);
        Assert.Equal(("Lagu Kita", "Nadia", "Aurora Records", 201_000), (stored.Details!.Title, stored.Details.Artist, stored.Details.Label, stored.Details.DurationMs));
        Assert.Equal(["ID", "MY"], stored.Details.Regions);
    }

    [Fact]
    public async Task PutSong_Placeholder_IsFilledIn()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        await host.Get<SongCatalog>().EnsureKnownAsync(["s_seen_first"]);

        using var response = await host.Client.SendAsync(Put("s_seen_first", new { title = "T", artist = "A", label = "L", durationMs = 1000, regions = Array.Empty<string>() }));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.False((await host.Get<SongCatalog>().GetAsync("s_seen_first"))!.IsPlaceholder);
    }

    [Theory]
    [InlineData("s_1", """{"title":"","artist":"A","label":"L","durationMs":1000}""", "title")]
    [InlineData("s_1", """{"title":"T","artist":"A","label":"L","durationMs":-5}""", "durationMs")]
    [InlineData("s_1", """{"title":"T","artist":"A","label":"L","durationMs":1000,"regions":["ZZ"]}""", "regions[0]")]
    [InlineData("s_1", """{"title":"T","artist":"A","label":"L","durationMs":1000,"regions":"ID"}""", "regions")]
    [InlineData("s%231", """{"title":"T","artist":"A","label":"L","durationMs":1000}""", "songId")]
    public async Task PutSong_Invalid_Is400NamingTheField(string songId, string json, string field)
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        using var request = new HttpRequestMessage(HttpMethod.Put, $"/api/songs/{songId}") { Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        request.Headers.Add("x-functions-key", SelfHostServer.TestKey);

        using var response = await host.Client.SendAsync(request);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task PutSong_NoKey_Is401()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);

        using var response = await host.Client.SendAsync(Put("s_1", new { title = "T" }, key: null));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
