using System.Net;
using System.Text;
using System.Text.Json;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

/// <summary>
/// What a 400 says, word for word, over real HTTP: "is required" only for a field that is missing,
/// and otherwise what is wrong with the value and the form that is accepted. One self-host for all
/// (<see cref="EventsHost"/>); every request is refused before storage.
/// </summary>
public sealed class ValidationMessageTests(EventsHost fixture) : IClassFixture<EventsHost>
{
    private const string RegionRequired = "is required: an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.";
    private const string RegionNotACode = "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.";
    private const string RegionLowerCase = "must be in upper case: 'ID'.";
    private const string RegionUnknown = "unknown region 'XX': not an assigned ISO 3166-1 alpha-2 country code.";
    private const string Song = """{"title":"Cold Wave","artist":"Lia","label":"Nusantara","durationMs":200000,"regions":["ID"]}""";
    private const string AmountForm = "the amount paid in the currency's units, zero or more (0 for a trial), e.g. 4.99";

    /// <summary>A valid conversion, then <paramref name="field"/> removed and, unless null, set to the raw JSON <paramref name="value"/>.</summary>
    private static string Conversion(string field, string? value)
    {
        var body = new Dictionary<string, string>
        {
            ["conversionId"] = "\"c_1\"",
            ["userId"] = "\"u_1\"",
            ["plan"] = "\"premium-monthly\"",
            ["amount"] = "54990",
            ["currency"] = "\"IDR\"",
            ["occurredAt"] = JsonSerializer.Serialize(DateTimeOffset.UtcNow.AddMinutes(-1)),
        };
        body.Remove(field);
        if (value is not null)
        {
            body[field] = value;
        }

        return "{" + string.Join(',', body.Select(p => $"\"{p.Key}\":{p.Value}")) + "}";
    }

    /// <summary>A valid event with its region left out (null) or set to the raw JSON <paramref name="region"/>.</summary>
    private static string Event(string? region) =>
        "{\"eventId\":\"e_1\",\"userId\":\"u_1\",\"songId\":\"s_1\",\"videoId\":\"v_1\",\"action\":\"view\","
        + (region is null ? "" : $"\"region\":{region},")
        + "\"occurredAt\":" + JsonSerializer.Serialize(DateTimeOffset.UtcNow.AddMinutes(-1)) + "}";

    public static TheoryData<string, string, string, string?, string, string> Cases() => new()
    {
        // name, method, path, JSON body, the field, its one message
        { "conversion: amount -5", "POST", "/api/conversions", Conversion("amount", "-5"), "amount", "must be zero or more (0 for a trial): the amount paid in the currency's units, e.g. 4.99." },
        { "conversion: amount -1e400", "POST", "/api/conversions", Conversion("amount", "-1e400"), "amount", "must be zero or more (0 for a trial): the amount paid in the currency's units, e.g. 4.99." },
        { "conversion: amount 1e400", "POST", "/api/conversions", Conversion("amount", "1e400"), "amount", "must be less than 1000000000: the amount paid in the currency's units, e.g. 4.99." },
        { "conversion: amount a string", "POST", "/api/conversions", Conversion("amount", "\"54990\""), "amount", $"must be a number, not a string: {AmountForm}." },
        { "conversion: amount missing", "POST", "/api/conversions", Conversion("amount", null), "amount", $"is required: {AmountForm}." },
        { "conversion: amount null", "POST", "/api/conversions", Conversion("amount", "null"), "amount", $"is required: {AmountForm}." },
        { "conversion: currency usd", "POST", "/api/conversions", Conversion("currency", "\"usd\""), "currency", "must be an ISO 4217 code in upper case, e.g. USD." },
        { "conversion: currency USDT", "POST", "/api/conversions", Conversion("currency", "\"USDT\""), "currency", "must be an ISO 4217 code in upper case, e.g. USD." },
        { "conversion: currency a number", "POST", "/api/conversions", Conversion("currency", "840"), "currency", "must be a string, not a number: an ISO 4217 code in upper case, e.g. USD." },
        { "conversion: currency missing", "POST", "/api/conversions", Conversion("currency", null), "currency", "is required: an ISO 4217 code in upper case, e.g. USD." },
        { "conversion: currency empty", "POST", "/api/conversions", Conversion("currency", "\"\""), "currency", "is required: an ISO 4217 code in upper case, e.g. USD." },
        { "conversion: occurredAt soon", "POST", "/api/conversions", Conversion("occurredAt", "\"soon\""), "occurredAt", "must be an ISO 8601 date and time with offset, e.g. 2026-11-24T08:00:00Z." },
        { "conversion: occurredAt a date", "POST", "/api/conversions", Conversion("occurredAt", "\"2026-11-24\""), "occurredAt", "must be an ISO 8601 date and time with offset, e.g. 2026-11-24T08:00:00Z." },
        { "conversion: occurredAt missing", "POST", "/api/conversions", Conversion("occurredAt", null), "occurredAt", "is required: an ISO 8601 date and time with offset, e.g. 2026-11-24T08:00:00Z." },
        { "conversion: userId missing", "POST", "/api/conversions", Conversion("userId", null), "userId", "is required: 1–64 characters of A–Z, a–z, 0–9, '_', '.', ':' or '-', and not '.' or '..'." },
        { "conversion: userId a number", "POST", "/api/conversions", Conversion("userId", "7"), "userId", "must be a string, not a number: 1–64 characters of A–Z, a–z, 0–9, '_', '.', ':' or '-', and not '.' or '..'." },
        { "conversion: plan with a slash", "POST", "/api/conversions", Conversion("plan", "\"a/b\""), "plan", "must be 1–64 characters of A–Z, a–z, 0–9, '_', '.', ':' or '-', and not '.' or '..'." },
        { "conversion: trial a string", "POST", "/api/conversions", Conversion("trial", "\"yes\""), "trial", "must be true or false." },
        { "conversion: claimCode not a code", "POST", "/api/conversions", Conversion("claimCode", "\"hello\""), "claimCode", "must be 10 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ (case, and spaces or hyphens between them, do not matter), e.g. 7KQ2M9XHPA." },
        { "conversion: token a number", "POST", "/api/conversions", Conversion("token", "7"), "token", "must be a string, not a number: a link token, the last segment of the offer's universal link." },
        { "offer: region missing", "GET", "/api/songs/s_1/offer?platform=ios", null, "region", RegionRequired },
        { "offer: region empty", "GET", "/api/songs/s_1/offer?region=&platform=ios", null, "region", RegionRequired },
        { "offer: region id", "GET", "/api/songs/s_1/offer?region=id&platform=ios", null, "region", RegionLowerCase },
        { "offer: region XX", "GET", "/api/songs/s_1/offer?region=XX&platform=ios", null, "region", RegionUnknown },
        { "offer: region IDN", "GET", "/api/songs/s_1/offer?region=IDN&platform=ios", null, "region", RegionNotACode },
        { "trending: region XX", "GET", "/api/trending?region=XX", null, "region", RegionUnknown },
        { "trending: region id", "GET", "/api/trending?region=id", null, "region", RegionLowerCase },
        { "event: region XX", "POST", "/api/events", Event("\"XX\""), "region", RegionUnknown },
        { "event: region id", "POST", "/api/events", Event("\"id\""), "region", RegionLowerCase },
        { "event: region missing", "POST", "/api/events", Event(null), "region", RegionRequired },
        { "song: region XX", "PUT", "/api/songs/s_1", Song.Replace("[\"ID\"]", "[\"ID\",\"XX\"]", StringComparison.Ordinal), "regions[1]", RegionUnknown },
        { "song: region id", "PUT", "/api/songs/s_1", Song.Replace("[\"ID\"]", "[\"id\"]", StringComparison.Ordinal), "regions[0]", RegionLowerCase },
        { "song: region a number", "PUT", "/api/songs/s_1", Song.Replace("[\"ID\"]", "[\"ID\",\"US\",360]", StringComparison.Ordinal), "regions[2]", RegionNotACode },
        { "song: title missing", "PUT", "/api/songs/s_1", Song.Replace("\"title\":\"Cold Wave\",", "", StringComparison.Ordinal), "title", "is required: a string of 1–200 characters without control characters." },
        { "song: title a number", "PUT", "/api/songs/s_1", Song.Replace("\"Cold Wave\"", "7", StringComparison.Ordinal), "title", "must be a string of 1–200 characters without control characters." },
        { "song: durationMs missing", "PUT", "/api/songs/s_1", Song.Replace("\"durationMs\":200000,", "", StringComparison.Ordinal), "durationMs", "is required: a whole number of milliseconds from 1 to 3600000." },
        { "song: durationMs 0", "PUT", "/api/songs/s_1", Song.Replace("200000", "0", StringComparison.Ordinal), "durationMs", "must be a whole number of milliseconds from 1 to 3600000." },
        { "claim: not a code", "POST", "/api/claims/hello", null, "code", "must be 10 characters of 23456789ABCDEFGHJKLMNPQRSTUVWXYZ (case, and spaces or hyphens between them, do not matter), e.g. 7KQ2M9XHPA." },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Route_InvalidField_Is400WithItsOneMessage(string name, string method, string path, string? body, string field, string message)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.Add("x-functions-key", SelfHostServer.TestKey);
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        }

        using var response = await fixture.Host.Client.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{name}: {(int)response.StatusCode} {problem}");
        var errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out var messages), $"{name}: no error for {field} in {errors}");
        Assert.Equal([message], messages.EnumerateArray().Select(m => m.GetString()));
        Assert.Single(errors.EnumerateObject());
    }
}
