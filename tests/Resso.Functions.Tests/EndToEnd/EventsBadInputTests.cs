using System.Net;
using System.Text;
using System.Text.Json;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>One self-host for the whole table of bad requests; none of them may leave a trace.</summary>
public sealed class EventsHost(AzuriteFixture azurite) : IAsyncLifetime
{
    public SelfHostServer Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await IngestionHarness.StartAsync(azurite);

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

public sealed class EventsBadInputTests(AzuriteFixture azurite, EventsHost fixture) : IClassFixture<EventsHost>
{
    private const string Good = """{"eventId":"e_1","userId":"u_1","songId":"s_1","videoId":"v_1","action":"view","region":"ID","occurredAt":"{{now}}","segment":{"startMs":1000,"endMs":16000}}""";

    private static string Event(string? replace = null, string? with = null)
    {
        var json = Good.Replace("{{now}}", DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"), StringComparison.Ordinal);
        return replace is null ? json : json.Replace(replace, with, StringComparison.Ordinal);
    }

    public static TheoryData<string, string, string> BadBodies() => new()
    {
        // name, body, the field the problem must name ("" for the body itself)
        { "malformed JSON", """{"eventId": "e_1", """, "" },
        { "trailing garbage", Event() + " x", "" },
        { "duplicate keys", Event("\"eventId\":\"e_1\"", "\"eventId\":\"e_1\",\"eventId\":\"e_2\""), "" },
        { "deep nesting", new string('[', 64) + new string(']', 64), "" },
        { "array instead of object", "[" + Event() + "]", "" },
        { "userId wrong type", Event("\"userId\":\"u_1\"", "\"userId\":123"), "userId" },
        { "userId null", Event("\"userId\":\"u_1\"", "\"userId\":null"), "userId" },
        { "songId missing", Event("\"songId\":\"s_1\",", ""), "songId" },
        { "id with slash", Event("\"songId\":\"s_1\"", "\"songId\":\"s/1\""), "songId" },
        { "id with backslash", Event("\"songId\":\"s_1\"", "\"songId\":\"s\\\\1\""), "songId" },
        { "id with hash", Event("\"videoId\":\"v_1\"", "\"videoId\":\"v#1\""), "videoId" },
        { "id with question mark", Event("\"eventId\":\"e_1\"", "\"eventId\":\"e?1\""), "eventId" },
        { "id with unpaired surrogate escape", Event("\"userId\":\"u_1\"", "\"userId\":\"u\\uDC00\""), "" },
        { "id with control character", Event("\"userId\":\"u_1\"", "\"userId\":\"u\\u0001\""), "userId" },
        { "id of 65 characters", Event("\"eventId\":\"e_1\"", $"\"eventId\":\"{new string('e', 65)}\""), "eventId" },
        { "empty id", Event("\"eventId\":\"e_1\"", "\"eventId\":\"\""), "eventId" },
        { "unknown action", Event("\"action\":\"view\"", "\"action\":\"dance\""), "action" },
        { "action in capitals", Event("\"action\":\"view\"", "\"action\":\"VIEW\""), "action" },
        { "region not ISO", Event("\"region\":\"ID\"", "\"region\":\"XX\""), "region" },
        { "region lower case", Event("\"region\":\"ID\"", "\"region\":\"id\""), "region" },
        { "region three letters", Event("\"region\":\"ID\"", "\"region\":\"IDN\""), "region" },
        { "date far in the future", Event(DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O")[..4], "2099"), "occurredAt" },
        { "date without offset", Event("\"occurredAt\":\"", "\"occurredAt\":\"2026-11-24T08:00:00\",\"x\":\""), "occurredAt" },
        { "date not a date", Event("\"occurredAt\":\"", "\"occurredAt\":\"yesterday\",\"x\":\""), "occurredAt" },
        { "segment reversed", Event("\"startMs\":1000", "\"startMs\":20000"), "segment" },
        { "segment huge number", Event("\"endMs\":16000", "\"endMs\":99999999999999999999"), "segment" },
        { "empty batch", """{"events":[]}""", "events" },
        { "events not an array", """{"events":{}}""", "events" },
        { "one bad event in a batch", "{\"events\":[" + Event() + "," + Event("\"region\":\"ID\"", "\"region\":\"??\"") + "]}", "events[1].region" },
        { "501 events", "{\"events\":[" + string.Join(',', Enumerable.Repeat(Event(), 501)) + "]}", "events" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task PostEvents_BadBody_Is400NamingTheFieldAndStoresNothing(string name, string body, string field)
    {
        using var response = await PostRawAsync(body);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("urn:resso:problem:", problem.GetProperty("type").GetString(), StringComparison.Ordinal);
        if (field.Length > 0)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{name}: no error for {field} in {problem}");
        }

        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task PostEvents_InvalidUtf8_Is400()
    {
        var bytes = Encoding.UTF8.GetBytes(Event()).ToList();
        bytes.InsertRange(bytes.IndexOf((byte)'u') + 1, new byte[] { 0xC3, 0x28 });

        using var response = await PostRawAsync(bytes.ToArray());

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task PostEvents_BodyOverTheLimit_Is413()
    {
        var huge = "{\"events\":[" + string.Join(',', Enumerable.Repeat(Event(), 6000)) + "]}";

        using var response = await PostRawAsync(huge);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task PostEvents_NotJsonContentType_Is415()
    {
        using var content = new StringContent(Event(), Encoding.UTF8, "text/plain");

        using var response = await SendAsync(content, SelfHostServer.TestKey);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("wrong-key")]
    [InlineData("TEST-KEY")]
    public async Task PostEvents_MissingOrWrongKey_Is401AndStoresNothing(string? key)
    {
        using var content = new StringContent(Event(), Encoding.UTF8, "application/json");

        using var response = await SendAsync(content, key);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        await AssertNothingStoredAsync();
    }

    [Fact]
    public async Task PostEvents_KeyAsCodeQueryParameter_IsAccepted()
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/events?code={SelfHostServer.TestKey}")
        {
            Content = new StringContent("{\"events\":[{\"eventId\":\"e_q\"}]}", Encoding.UTF8, "application/json"),
        };

        using var response = await fixture.Host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode); // past the key check, stopped by validation
    }

    private Task<HttpResponseMessage> PostRawAsync(string body) => PostRawAsync(Encoding.UTF8.GetBytes(body));

    private Task<HttpResponseMessage> PostRawAsync(byte[] body) => IngestionHarness.PostRawAsync(fixture.Host, body);

    private Task<HttpResponseMessage> SendAsync(HttpContent content, string? key) =>
        IngestionHarness.SendAsync(fixture.Host, HttpMethod.Post, "/api/events", content, key);

    private async Task AssertNothingStoredAsync()
    {
        var names = new StorageNames(fixture.Host.StoragePrefix);
        var queued = (await IngestionHarness.Queue(azurite, names.SongUsedQueue).GetPropertiesAsync()).Value.ApproximateMessagesCount;
        Assert.Equal(0, queued);
        Assert.Equal(0, await fixture.Host.Get<InteractionStore>().CountEventsAsync());
    }
}
