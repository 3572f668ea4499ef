using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core.Listeners;
using Resso.Shared;
using Resso.Shared.Attribution;
using Resso.Shared.Catalog;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Reliability;

/// <summary>A self-host without rate limits, for sweeps of many anonymous requests.</summary>
public sealed class UnlimitedHost(AzuriteFixture azurite) : IAsyncLifetime
{
    public SelfHostServer Host { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Host = await IdRuleTests.StartUnlimitedAsync(azurite);

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>
/// The id rule as a property over every route that takes an id, in its path, query or body: every
/// id the rule accepts is stored as a table key and served back; every id it refuses is a 400 that
/// names the field, and nothing is stored.
/// </summary>
public sealed class IdRuleTests(AzuriteFixture azurite, UnlimitedHost refusing) : IClassFixture<UnlimitedHost>
{
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-";
    private const int Seed = 20261203;

    private static readonly SongDetails Song = new("Lagu", "Nadia", "Aurora Records", 200_000, ["ID"]);

    /// <summary>One place an id goes: the request that carries <c>id</c> there, and the field a refusal must name.</summary>
    private sealed record Slot(string Name, string Field, Func<string, HttpRequestMessage> Request, bool InPath = false, bool InQuery = false);

    internal static Task<SelfHostServer> StartUnlimitedAsync(AzuriteFixture azurite) =>
        SelfHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?> { ["Resso:RateLimits:Enabled"] = "false" },
            services => services.AddSingleton(FastQueues));

    /// <summary>Edge shapes, then random ids of 1–64 characters drawn from the alphabet with a fixed seed.</summary>
    private static List<string> AcceptedIds()
    {
        var ids = new List<string> { "-", ":", "_", "0", "Z", "...", ".-", "-.", ":.:", ".a", "a.", "a..b", "--", "::", "_._", "A:B", new('z', 64), new('.', 64), new(':', 64), new('-', 64) };
        var random = new Random(Seed);
        while (ids.Count < 64)
        {
            var length = random.Next(4) == 0 ? 64 : random.Next(1, 65);
            ids.Add(new string([.. Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)])]));
        }

        return [.. ids.Distinct(StringComparer.Ordinal)];
    }

    /// <summary>A valid id spoiled one way each, at its end and at its start.</summary>
    private static IEnumerable<(string Name, string Id)> RefusedIds()
    {
        foreach (var (name, text) in new[]
        {
            ("LF", "\n"), ("CR", "\r"), ("CR LF", "\r\n"), ("tab", "\t"), ("space", " "), ("slash", "/"), ("backslash", "\\"),
            ("hash", "#"), ("question mark", "?"), ("percent", "%"), ("pipe", "|"), ("quote", "'"), ("é", "é"),
            ("no-break space", "\u00A0"), ("Arabic-Indic digit", "\u0663"), ("fullwidth digit", "\uFF11"), ("Kelvin sign", "\u212A"),
            ("dotless i", "\u0131"), ("emoji", "\U0001F3B5"),
        })
        {
            yield return ($"trailing {name}", "u_1" + text);
            yield return ($"leading {name}", text + "u_1");
        }

        yield return ("65 characters", new string('u', 65));
        yield return ("dot", ".");
        yield return ("dot-dot", "..");
        yield return ("empty", "");
    }

    /// <summary>Every place of every route where an id goes (claim codes and link tokens are not ids).</summary>
    private static IEnumerable<Slot> Slots()
    {
        static HttpRequestMessage WithKey(HttpMethod method, string path, object body)
        {
            var request = new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) };
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
            return request;
        }

        static HttpRequestMessage Event(SongUsedEvent e) =>
            WithKey(HttpMethod.Post, "/api/events", JsonSerializer.SerializeToElement(e, EventJsonContext.Default.SongUsedEvent));

        static HttpRequestMessage Get(string path) => new(HttpMethod.Get, path);

        static HttpRequestMessage GetWithKey(string path)
        {
            var request = Get(path);
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
            return request;
        }

        static string Path(string id) => Uri.EscapeDataString(id);

        yield return new("POST /api/events eventId", "eventId", id => Event(Events.Valid(eventId: id)));
        yield return new("POST /api/events userId", "userId", id => Event(Events.Valid(userId: id)));
        yield return new("POST /api/events songId", "songId", id => Event(Events.Valid(songId: id)));
        yield return new("POST /api/events videoId", "videoId", id => Event(Events.Valid() with { VideoId = id }));
        yield return new("POST /api/conversions conversionId", "conversionId", id => WithKey(HttpMethod.Post, "/api/conversions", Conversions.Valid(conversionId: id)));
        yield return new("POST /api/conversions userId", "userId", id => WithKey(HttpMethod.Post, "/api/conversions", Conversions.Valid(userId: id)));
        yield return new("POST /api/conversions plan", "plan", id => WithKey(HttpMethod.Post, "/api/conversions", Conversions.Valid() with { Plan = id }));
        yield return new("POST /api/conversions clickId", "clickId", id => WithKey(HttpMethod.Post, "/api/conversions", Conversions.Valid() with { ClickId = id }));
        yield return new("PUT /api/songs/{songId}", "songId", id => WithKey(HttpMethod.Put, $"/api/songs/{Path(id)}", Song), InPath: true);
        yield return new("GET /api/songs/{songId}/offer", "songId", id => Get($"/api/songs/{Path(id)}/offer?region=ID"), InPath: true);
        yield return new("GET /api/songs/s_1/offer?userId", "userId", id => GetWithKey($"/api/songs/s_1/offer?region=ID&userId={Path(id)}"), InQuery: true);
        yield return new("GET /api/songs/s_1/offer?videoId", "videoId", id => Get($"/api/songs/s_1/offer?region=ID&videoId={Path(id)}"), InQuery: true);
        yield return new("GET /api/users/{userId}/recommendations", "userId", id => GetWithKey($"/api/users/{Path(id)}/recommendations"), InPath: true);
        yield return new("GET /api/users/{userId}/mixes", "userId", id => GetWithKey($"/api/users/{Path(id)}/mixes"), InPath: true);
        yield return new("GET /api/songs/{songId}/similar", "songId", id => Get($"/api/songs/{Path(id)}/similar"), InPath: true);
    }

    private static async Task<string> DescribeAsync(HttpResponseMessage response) =>
        $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";

    [Fact]
    public async Task Routes_EveryIdTheRuleAccepts_IsStoredAsAKeyAndServedBack()
    {
        var ids = AcceptedIds();
        Assert.All(ids, id => Assert.True(Ids.IsValid(id), id));
        await using var host = await StartUnlimitedAsync(azurite);
        using var noRedirects = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var failures = new List<string>();
        async Task ExpectAsync(string what, HttpResponseMessage response, HttpStatusCode expected)
        {
            if (response.StatusCode != expected)
            {
                failures.Add($"{what}: expected {(int)expected}, got {await DescribeAsync(response)}");
            }
        }

        // The catalog and subscriptions: a song and a trial under each id.
        foreach (var id in ids)
        {
            using var song = await SendAsync(host, HttpMethod.Put, $"/api/songs/{Uri.EscapeDataString(id)}", JsonContent.Create(Song));
            await ExpectAsync($"PUT song '{id}'", song, HttpStatusCode.Created);
            var trial = Conversions.Valid(conversionId: id, userId: id) with { Plan = id, ClickId = id, Amount = 0, Trial = true };
            using var converted = await SendAsync(host, HttpMethod.Post, "/api/conversions", JsonContent.Create(trial));
            await ExpectAsync($"POST conversion '{id}'", converted, HttpStatusCode.Created);
        }

        // Events: every id as event, user, song and video at once.
        var events = ids.Select(id => Events.Valid(eventId: id, userId: id, songId: id) with { VideoId = id }).ToList();
        using (var accepted = await PostAsync(host, Batch(events)))
        {
            await ExpectAsync("POST events", accepted, HttpStatusCode.Accepted);
        }

        // Reads by each id: the subscription written under it makes the offer open_in_app; its link is signed and followed.
        await host.Get<CatalogSnapshot>().RefreshAsync(TestContext.Current.CancellationToken);
        foreach (var id in ids)
        {
            var path = Uri.EscapeDataString(id);
            using var offer = await host.KeyedClient.GetAsync(new Uri($"/api/songs/{path}/offer?userId={path}&videoId={path}&region=ID&platform=ios", UriKind.Relative), TestContext.Current.CancellationToken);
            await ExpectAsync($"GET offer '{id}'", offer, HttpStatusCode.OK);
            if (offer.IsSuccessStatusCode)
            {
                var body = JsonDocument.Parse(await offer.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
                if (body.GetProperty("offer").GetProperty("kind").GetString() != "open_in_app")
                {
                    failures.Add($"GET offer '{id}': not open_in_app: {body}");
                }

                // Followed in a browser: the web player opens this very song.
                var link = new Uri(body.GetProperty("links").GetProperty("universal").GetString()!).AbsolutePath + "?platform=web";
                using var follow = await noRedirects.GetAsync(new Uri(link, UriKind.Relative), TestContext.Current.CancellationToken);
                await ExpectAsync($"GET link of '{id}'", follow, HttpStatusCode.Redirect);
                if (follow.Headers.Location?.AbsolutePath.EndsWith("/track/" + id, StringComparison.Ordinal) != true)
                {
                    failures.Add($"GET link of '{id}': redirected to {follow.Headers.Location}");
                }
            }

            foreach (var read in new[] { $"/api/users/{path}/recommendations", $"/api/users/{path}/mixes", $"/api/users/{path}/history", $"/api/songs/{path}/similar" })
            {
                using var response = await host.KeyedClient.GetAsync(new Uri(read, UriKind.Relative), TestContext.Current.CancellationToken);
                await ExpectAsync($"GET {read}", response, HttpStatusCode.OK);
            }
        }

        Assert.Empty(failures);

        // Behind the answers: each click is stored under its user, and each event counted exactly once.
        await host.Get<AnalyticsWriter>().FlushAsync(TestContext.Current.CancellationToken);
        foreach (var id in ids)
        {
            Assert.True(await host.Get<AttributionStore>().GetLastClickAsync(id, DateTimeOffset.UtcNow.AddHours(-1), TestContext.Current.CancellationToken) is not null, $"no click stored for '{id}'");
        }

        var names = new StorageNames(host.StoragePrefix);
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), ids.Count);
        await AssertCountedExactlyOnceAsync(azurite, names, host, events);
        var poisoned = await Queue(azurite, names.SongUsedPoisonQueue).GetPropertiesAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, poisoned.Value.ApproximateMessagesCount);
    }

    [Fact]
    public async Task Routes_EveryIdTheRuleRefuses_Is400NamingTheFieldAndStoresNothing()
    {
        var failures = new List<string>();
        foreach (var (shape, id) in RefusedIds())
        {
            Assert.False(Ids.IsValid(id), shape);
            foreach (var slot in Slots())
            {
                // An empty query value is no value; an empty or dot segment never reaches a route (RFC 3986 §5.2.4).
                var unroutable = slot.InPath && id is "" or "." or "..";
                if (slot.InQuery && id.Length == 0)
                {
                    continue;
                }

                using var request = slot.Request(id);
                using var response = await refusing.Host.Client.SendAsync(request, TestContext.Current.CancellationToken);
                var status = (int)response.StatusCode;
                if (unroutable ? status is < 400 or >= 500 : !await NamesFieldAsync(response, slot.Field))
                {
                    failures.Add($"{slot.Name} with {shape} ({JsonSerializer.Serialize(id)}): {await DescribeAsync(response)}");
                }
            }
        }

        Assert.Empty(failures);
        Assert.Empty(await StoredData.FindAsync(azurite.ConnectionString, refusing.Host, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task PostEvents_200ValidAndOneUserIdEndingInNewline_Is400NamingItAndStoresNothing()
    {
        var events = Enumerable.Range(0, 200).Select(i => Events.Valid(userId: $"u_{i % 40}", songId: $"s_{i % 7}")).Append(Events.Valid(userId: "u_x\n")).ToList();

        using var response = await PostAsync(refusing.Host, Batch(events));
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(["events[200].userId"], problem.GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Empty(await StoredData.FindAsync(azurite.ConnectionString, refusing.Host, TestContext.Current.CancellationToken));
    }

    private static async Task<bool> NamesFieldAsync(HttpResponseMessage response, string field)
    {
        if (response.StatusCode != HttpStatusCode.BadRequest || response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return false;
        }

        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return problem.TryGetProperty("errors", out var errors) && errors.TryGetProperty(field, out _);
    }
}
