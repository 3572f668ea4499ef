using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Resso.Functions.Tests.EndToEnd;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// The bad-input corpus over every public route (the events route's field-by-field table is
/// <see cref="EventsBadInputTests"/>): each request must be refused with a 4xx, a 400 must be a
/// problem document, and none may leave anything in storage.
/// </summary>
public sealed class BadInputTests(AzuriteFixture azurite, EventsHost fixture) : IClassFixture<EventsHost>
{
    /// <summary>One bad request.</summary>
    /// <param name="Method">HTTP method.</param>
    /// <param name="Path">Path and query, sent as written (already percent-encoded where it must be).</param>
    /// <param name="Body">The body, or null for none.</param>
    /// <param name="ContentType">The body's media type.</param>
    /// <param name="Key">Send the function key.</param>
    /// <param name="Chunked">Send the body without Content-Length.</param>
    public sealed record Case(string Method, string Path, byte[]? Body = null, string ContentType = "application/json", bool Key = true, bool Chunked = false);

    private const string Song = """{"title":"Cold Wave","artist":"Lia","label":"Nusantara","durationMs":200000,"regions":["ID"]}""";
    private const string Conversion = """{"conversionId":"c_1","userId":"u_1","plan":"premium-monthly","amount":54990,"currency":"IDR","occurredAt":"2026-11-24T08:00:00Z"}""";
    private static readonly byte[] TenMegabytes = Encoding.UTF8.GetBytes("{\"title\":\"" + new string('a', 10 * 1024 * 1024) + "\"}");
    private static readonly byte[] InvalidUtf8 = [.. "{\"title\":\"a"u8, 0xC3, 0x28, .. "\"}"u8];

    /// <summary>Bodies that no JSON route may accept, whatever it expects.</summary>
    private static readonly Dictionary<string, byte[]> BadJson = new()
    {
        ["malformed"] = "{\"title\": \"a\", "u8.ToArray(),
        ["trailing garbage"] = "{} x"u8.ToArray(),
        ["empty"] = [],
        ["null"] = "null"u8.ToArray(),
        ["array"] = "[]"u8.ToArray(),
        ["string"] = "\"hello\""u8.ToArray(),
        ["deep nesting"] = Encoding.UTF8.GetBytes(new string('[', 10_000) + new string(']', 10_000)),
        ["duplicate keys"] = "{\"a\":1,\"a\":2}"u8.ToArray(),
        ["invalid UTF-8"] = InvalidUtf8,
        ["lone surrogate escape"] = "{\"title\":\"\\uD800\"}"u8.ToArray(),
        ["NaN literal"] = "{\"amount\":NaN}"u8.ToArray(),
        ["comment"] = "{/* hi */}"u8.ToArray(),
        ["BOM then garbage"] = [0xEF, 0xBB, 0xBF, (byte)'x'],
    };

    private static readonly Dictionary<string, Case> Cases = Build();

    public static TheoryData<string> Names() => [.. Cases.Keys];

    private static Dictionary<string, Case> Build()
    {
        var cases = new Dictionary<string, Case>();
        void Add(string name, Case c) => cases.Add(name, c);
        static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);

        // Every JSON body route gets the whole bad-JSON corpus, the size limit (declared and chunked) and a wrong media type.
        foreach (var (route, method, path) in new[] { ("events", "POST", "/api/events"), ("songs", "PUT", "/api/songs/s_1"), ("conversions", "POST", "/api/conversions") })
        {
            foreach (var (name, body) in BadJson)
            {
                Add($"{route}: {name}", new Case(method, path, body));
            }

            Add($"{route}: 10 MB body", new Case(method, path, TenMegabytes));
            Add($"{route}: 10 MB chunked body", new Case(method, path, TenMegabytes, Chunked: true));
            Add($"{route}: text/plain", new Case(method, path, Utf8("{}"), "text/plain"));
            Add($"{route}: form", new Case(method, path, Utf8("a=1"), "application/x-www-form-urlencoded"));
            Add($"{route}: no key", new Case(method, path, Utf8(method == "PUT" ? Song : Conversion), Key: false));
        }

        // PUT /api/songs/{songId}: fields and path.
        Add("songs: title a number", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("\"Cold Wave\"", "5", StringComparison.Ordinal))));
        Add("songs: title null", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("\"Cold Wave\"", "null", StringComparison.Ordinal))));
        Add("songs: title with a control character", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("Cold Wave", "Cold\\u0000Wave", StringComparison.Ordinal))));
        Add("songs: title 201 characters", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("Cold Wave", new string('x', 201), StringComparison.Ordinal))));
        Add("songs: duration a string", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("200000", "\"200000\"", StringComparison.Ordinal))));
        Add("songs: duration huge", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("200000", "1e400", StringComparison.Ordinal))));
        Add("songs: duration negative", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("200000", "-1", StringComparison.Ordinal))));
        Add("songs: duration fractional", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("200000", "2.5", StringComparison.Ordinal))));
        Add("songs: regions a string", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("[\"ID\"]", "\"ID\"", StringComparison.Ordinal))));
        Add("songs: regions of numbers", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("[\"ID\"]", "[1]", StringComparison.Ordinal))));
        Add("songs: regions not ISO", new Case("PUT", "/api/songs/s_1", Utf8(Song.Replace("[\"ID\"]", "[\"XX\"]", StringComparison.Ordinal))));
        Add("songs: id with encoded slash", new Case("PUT", "/api/songs/s%2F1", Utf8(Song)));
        Add("songs: id with encoded hash", new Case("PUT", "/api/songs/s%231", Utf8(Song)));
        Add("songs: id path traversal", new Case("PUT", "/api/songs/..%2F..%2Fevents", Utf8(Song)));
        Add("songs: id dot-dot", new Case("PUT", "/api/songs/%2E%2E", Utf8(Song)));
        Add("songs: id with invalid UTF-8", new Case("PUT", "/api/songs/s%C3%28", Utf8(Song)));
        Add("songs: id with a space", new Case("PUT", "/api/songs/s%201", Utf8(Song)));
        Add("songs: id 65 characters", new Case("PUT", "/api/songs/" + new string('s', 65), Utf8(Song)));
        Add("songs: id with CRLF", new Case("PUT", "/api/songs/s%0D%0ASet-Cookie:%20a=b", Utf8(Song)));
        Add("songs: id ending in a newline", new Case("PUT", "/api/songs/s_nl%0A", Utf8(Song)));

        // POST /api/conversions: fields.
        foreach (var (name, from, to) in new[]
        {
            ("conversionId a number", "\"c_1\"", "1"),
            ("conversionId null", "\"c_1\"", "null"),
            ("conversionId with a slash", "\"c_1\"", "\"c/1\""),
            ("userId missing", "\"userId\":\"u_1\",", ""),
            ("userId an object", "\"u_1\"", "{}"),
            ("plan an array", "\"premium-monthly\"", "[]"),
            ("amount a string", "54990", "\"54990\""),
            ("amount huge", "54990", "1e400"),
            ("amount negative", "54990", "-5"),
            ("currency a number", "\"IDR\"", "360"),
            ("currency lower case", "\"IDR\"", "\"idr\""),
            ("occurredAt in 2099", "2026-11-24", "2099-11-24"),
            ("occurredAt in year 1", "2026-11-24", "0001-01-02"),
            ("occurredAt in 1900", "2026-11-24", "1900-01-01"),
            ("conversionId ending in a newline", "\"c_1\"", "\"c_1\\n\""),
            ("userId ending in a newline", "\"u_1\"", "\"u_1\\n\""),
            ("plan ending in a newline", "\"premium-monthly\"", "\"premium-monthly\\n\""),
            ("clickId ending in a newline", "\"currency\"", "\"clickId\":\"k_1\\n\",\"currency\""),
            ("occurredAt a number", "\"2026-11-24T08:00:00Z\"", "1764000000"),
            ("occurredAt without time", "\"2026-11-24T08:00:00Z\"", "\"2026-11-24\""),
            ("trial a string", "\"currency\"", "\"trial\":\"yes\",\"currency\""),
            ("claimCode a number", "\"currency\"", "\"claimCode\":7,\"currency\""),
            ("claimCode not a code", "\"currency\"", "\"claimCode\":\"../../x\",\"currency\""),
            ("token a number", "\"currency\"", "\"token\":7,\"currency\""),
            ("clickId an array", "\"currency\"", "\"clickId\":[\"k\"],\"currency\""),
        })
        {
            Add($"conversions: {name}", new Case("POST", "/api/conversions", Utf8(Conversion.Replace(from, to, StringComparison.Ordinal))));
        }

        // POST /api/claims/{code}.
        Add("claims: not a code", new Case("POST", "/api/claims/hello", Key: false));
        Add("claims: 10 000 characters", new Case("POST", "/api/claims/" + new string('A', 10_000), Key: false));
        Add("claims: path traversal", new Case("POST", "/api/claims/..%2F..%2Fmodel%2Fretrain", Key: false));
        Add("claims: CRLF", new Case("POST", "/api/claims/ABCD%0D%0AX-Injected:%201", Key: false));
        Add("claims: invalid UTF-8", new Case("POST", "/api/claims/%FF%FE", Key: false));
        Add("claims: well-formed but unknown", new Case("POST", "/api/claims/ABCD-EFGH", Key: false));
        Add("claims: code ending in a newline", new Case("POST", "/api/claims/ABCDEFGHJK%0A", Key: false));

        // POST /api/model/retrain and GET /api/model.
        Add("retrain: no key", new Case("POST", "/api/model/retrain", Key: false));
        Add("retrain: wrong method", new Case("GET", "/api/model/retrain"));
        Add("model: wrong method", new Case("DELETE", "/api/model"));
        Add("model versions: count 0", new Case("GET", "/api/model/versions?count=0", Key: false));
        Add("model versions: count huge", new Case("GET", "/api/model/versions?count=99999999999999999999", Key: false));
        Add("model versions: before 10 000 characters", new Case("GET", "/api/model/versions?before=" + new string('2', 10_000), Key: false));

        // GET /api/metrics/ingestion.
        Add("ingestion metrics: no key", new Case("GET", "/api/metrics/ingestion", Key: false));
        Add("ingestion metrics: minutes 61", new Case("GET", "/api/metrics/ingestion?minutes=61"));
        Add("ingestion metrics: minutes negative", new Case("GET", "/api/metrics/ingestion?minutes=-5"));

        // GET /api/songs/{songId}/offer.
        const string Offer = "/api/songs/s_1/offer?userId=u_1&videoId=v_1&region=ID&platform=ios";
        foreach (var (name, from, to) in new[]
        {
            ("region missing", "&region=ID", ""),
            ("region lower case", "region=ID", "region=id"),
            ("region three letters", "region=ID", "region=IDN"),
            ("region repeated", "region=ID", "region=ID&region=US"),
            ("platform unknown", "platform=ios", "platform=symbian"),
            ("platform with CRLF", "platform=ios", "platform=ios%0D%0ASet-Cookie:%20a=b"),
            ("startMs negative", "platform=ios", "platform=ios&startMs=-1"),
            ("startMs huge", "platform=ios", "platform=ios&startMs=99999999999999999999"),
            ("startMs not a number", "platform=ios", "platform=ios&startMs=soon"),
            ("userId with a slash", "userId=u_1", "userId=u%2F1"),
            ("userId ending in a newline", "userId=u_1", "userId=u_1%0A"),
            ("videoId ending in a newline", "videoId=v_1", "videoId=v_1%0A"),
            ("songId ending in a newline", "s_1/offer", "s_1%0A/offer"),
            ("userId 65 characters", "userId=u_1", "userId=" + new string('u', 65)),
            ("videoId with a quote", "videoId=v_1", "videoId=v%221"),
            ("songId with encoded slash", "s_1/offer", "s%2F1/offer"),
            ("songId path traversal", "s_1/offer", "..%2F..%2Fmodel/offer"),
            ("songId with invalid UTF-8", "s_1/offer", "s%C3%28/offer"),
            ("unknown song", "s_1/offer", "s_never/offer"),
        })
        {
            // Keyed: naming a user needs a caller the app trusts, so the bad input itself is what gets refused.
            Add($"offer: {name}", new Case("GET", Offer.Replace(from, to, StringComparison.Ordinal), Key: true));
        }

        // GET /api/l/{token}.
        Add("link: garbage token", new Case("GET", "/api/l/not-a-token", Key: false));
        Add("link: 10 000 characters", new Case("GET", "/api/l/" + new string('A', 10_000), Key: false));
        Add("link: path traversal", new Case("GET", "/api/l/..%2F..%2Fhealth", Key: false));
        Add("link: CRLF", new Case("GET", "/api/l/abc%0D%0ASet-Cookie:%20a=b", Key: false));
        Add("link: invalid base64url", new Case("GET", "/api/l/%2B%2B%2B.%2F%2F%2F", Key: false));
        Add("link: forged two-part token", new Case("GET", "/api/l/eyJzIjoic18xIn0.AAAAAAAAAAAAAAAAAAAAAA", Key: false));

        // GET /api/reports/attribution.
        Add("report: no key", new Case("GET", "/api/reports/attribution", Key: false));
        Add("report: from not a date", new Case("GET", "/api/reports/attribution?from=yesterday"));
        Add("report: from after to", new Case("GET", "/api/reports/attribution?from=2026-11-20&to=2026-11-10"));
        Add("report: 10 years", new Case("GET", "/api/reports/attribution?from=2016-01-01&to=2026-01-01"));
        Add("report: groupBy unknown", new Case("GET", "/api/reports/attribution?groupBy=artist"));
        Add("report: groupBy a number", new Case("GET", "/api/reports/attribution?groupBy=1"));
        Add("report: year 99999", new Case("GET", "/api/reports/attribution?to=99999-01-01"));

        // Listener routes.
        foreach (var (name, path) in new[]
        {
            ("recommendations: count zero", "/api/users/u_1/recommendations?count=0"),
            ("recommendations: count negative", "/api/users/u_1/recommendations?count=-1"),
            ("recommendations: count huge", "/api/users/u_1/recommendations?count=99999999999999999999"),
            ("recommendations: count a word", "/api/users/u_1/recommendations?count=many"),
            ("recommendations: count over the limit", "/api/users/u_1/recommendations?count=100000"),
            ("recommendations: region not ISO", "/api/users/u_1/recommendations?region=XX"),
            ("recommendations: excludeUsed a word", "/api/users/u_1/recommendations?excludeUsed=maybe"),
            ("recommendations: userId with encoded slash", "/api/users/u%2F1/recommendations"),
            ("recommendations: userId traversal", "/api/users/..%2F..%2Fmodel/recommendations"),
            ("recommendations: userId 65 characters", "/api/users/" + new string('u', 65) + "/recommendations"),
            ("recommendations: userId ending in a newline", "/api/users/u_1%0A/recommendations"),
            ("mixes: userId ending in a newline", "/api/users/u_1%0A/mixes"),
            ("similar: songId ending in a newline", "/api/songs/s_1%0A/similar"),
            ("mixes: region lower case", "/api/users/u_1/mixes?region=id"),
            ("mixes: userId with invalid UTF-8", "/api/users/u%C3%28/mixes"),
            ("similar: count zero", "/api/songs/s_1/similar?count=0"),
            ("similar: count a word", "/api/songs/s_1/similar?count=x"),
            ("similar: songId with a quote", "/api/songs/s%221/similar"),
            ("similar: unknown song", "/api/songs/s_never/similar"),
            ("trending: window 2h", "/api/trending?window=2h"),
            ("trending: count huge", "/api/trending?count=1e9"),
            ("trending: region three letters", "/api/trending?region=IDN"),
        })
        {
            // One user's routes are keyed: with the key, the bad input itself is what gets refused.
            Add(name, new Case("GET", path, Key: path.StartsWith("/api/users/", StringComparison.Ordinal)));
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Names))]
    public async Task BadRequest_Is4xxAndStoresNothing(string name)
    {
        var c = Cases[name];
        using var request = new HttpRequestMessage(new HttpMethod(c.Method), c.Path);
        if (c.Body is not null)
        {
            HttpContent content = c.Chunked ? new StreamContent(new MemoryStream(c.Body)) : new ByteArrayContent(c.Body);
            content.Headers.ContentType = MediaTypeHeaderValue.Parse(c.ContentType);
            request.Content = content;
        }

        if (c.Key)
        {
            request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        }

        using var response = await fixture.Host.Client.SendAsync(request);
        var status = (int)response.StatusCode;

        Assert.True(status is >= 400 and < 500, $"{name}: {status} {await response.Content.ReadAsStringAsync()}");
        if (status == 400 && response.Content.Headers.ContentType?.MediaType is not "text/html")
        {
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        Assert.DoesNotContain(response.Headers, h => h.Key.Equals("Set-Cookie", StringComparison.OrdinalIgnoreCase) || h.Key.StartsWith("X-Injected", StringComparison.OrdinalIgnoreCase));
        await AssertNothingStoredAsync();
    }

    /// <summary>Requests HttpClient refuses to send: header injection and malformed framing, written to the socket.</summary>
    [Theory]
    [InlineData("header value with a bare CR", "GET /api/health HTTP/1.1\r\nHost: a\r\nX-A: b\rX-Injected: 1\r\n\r\n")]
    [InlineData("header value with a NUL", "GET /api/health HTTP/1.1\r\nHost: a\r\nX-A: b\0c\r\n\r\n")]
    [InlineData("obsolete line folding", "GET /api/health HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n")]
    [InlineData("header name with a space", "GET /api/health HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n")]
    [InlineData("two Content-Length headers", "POST /api/events HTTP/1.1\r\nHost: a\r\nx-functions-key: test-key\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 40\r\n\r\n{}")]
    [InlineData("Content-Length and chunked", "POST /api/events HTTP/1.1\r\nHost: a\r\nx-functions-key: test-key\r\nContent-Type: application/json\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")]
    [InlineData("key header with CR LF smuggled", "POST /api/events HTTP/1.1\r\nHost: a\r\nx-functions-key: test-key\rX-Injected: 1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}")]
    [InlineData("absolute path traversal", "GET /api/../../etc/passwd HTTP/1.1\r\nHost: a\r\n\r\n")]
    public async Task MalformedHttp_Is4xxAndStoresNothing(string name, string raw)
    {
        using var socket = new TcpClient();
        await socket.ConnectAsync(fixture.Host.BaseAddress.Host, fixture.Host.BaseAddress.Port, TestContext.Current.CancellationToken);
        var stream = socket.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(raw), TestContext.Current.CancellationToken);
        var buffer = new byte[4096];
        var read = await stream.ReadAsync(buffer, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        var answer = Encoding.Latin1.GetString(buffer, 0, read);

        var status = answer.Length > 12 && int.TryParse(answer.AsSpan(9, 3), out var code) ? code : 0;
        Assert.True(status is >= 400 and < 500, $"{name}: {answer.Split("\r\n")[0]}");
        Assert.DoesNotContain("X-Injected", answer, StringComparison.OrdinalIgnoreCase);
        await AssertNothingStoredAsync();
    }

    /// <summary>Every table empty, no message queued, no blob written: nothing a refused request could have left.</summary>
    private async Task AssertNothingStoredAsync() =>
        Assert.Empty(await StoredData.FindAsync(azurite.ConnectionString, fixture.Host, TestContext.Current.CancellationToken));
}
