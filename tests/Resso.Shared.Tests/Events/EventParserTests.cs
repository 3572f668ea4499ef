using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;

namespace Resso.Shared.Tests.Events;

public sealed class EventParserTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);
    private readonly EventParser _parser = new(new FakeTimeProvider(Now), Options.Create(new IngestionOptions { MaxEventsPerRequest = 3 }));

    private static string Event(string overrides = "") =>
        "{\"eventId\":\"e_1\",\"userId\":\"u_1\",\"songId\":\"s_1\",\"videoId\":\"v_1\",\"action\":\"like\",\"region\":\"ID\",\"occurredAt\":\"2026-11-25T11:00:00+07:00\""
        + (overrides.Length > 0 ? "," + overrides : "") + "}";

    private ParsedEvents Parse(string json, out bool isBatch)
    {
        using var document = EventParser.ParseDocument(System.Text.Encoding.UTF8.GetBytes(json));
        return _parser.Parse(document.RootElement, out isBatch);
    }

    [Fact]
    public void Parse_SingleValidEvent_ReadsEveryField()
    {
        var parsed = Parse(Event("\"segment\":{\"startMs\":30500,\"endMs\":45500}"), out var isBatch);

        Assert.False(isBatch);
        Assert.True(parsed.IsValid);
        Assert.Equal(
            new SongUsedEvent("e_1", "u_1", "s_1", "v_1", SongAction.Like, "ID", new DateTimeOffset(2026, 11, 25, 11, 0, 0, TimeSpan.FromHours(7)), new Segment(30500, 45500)),
            Assert.Single(parsed.Valid).Event);
    }

    [Fact]
    public void Parse_BatchWithTwoBadEvents_NamesEachByIndexAndFieldAndKeepsTheGoodOne()
    {
        var wrongType = Event().Replace("\"userId\":\"u_1\"", "\"userId\":1", StringComparison.Ordinal);
        var twoWrong = Event().Replace("\"region\":\"ID\"", "\"region\":\"XX\"", StringComparison.Ordinal).Replace("\"like\"", "\"dance\"", StringComparison.Ordinal);
        var parsed = Parse($"{{\"events\":[{wrongType},{Event()},{twoWrong}]}}", out var isBatch);

        Assert.True(isBatch);
        Assert.Equal(1, Assert.Single(parsed.Valid).Index);
        var errors = parsed.AllErrors(isBatch);
        Assert.Equal(["events[0].userId", "events[2].action", "events[2].region"], errors.Keys.Order());
    }

    [Theory]
    [InlineData("\"region\":\"XX\"", "region", "unknown region 'XX': not an assigned ISO 3166-1 alpha-2 country code.")]
    [InlineData("\"region\":\"id\"", "region", "must be in upper case: 'ID'.")]
    [InlineData("\"region\":\"IDN\"", "region", "must be an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.")]
    [InlineData("", "region", "is required: an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.")]
    [InlineData("\"region\":null", "region", "is required: an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.")]
    [InlineData("\"region\":360", "region", "must be a string, not number: an ISO 3166-1 alpha-2 country code in upper case, e.g. ID.")]
    [InlineData("", "userId", "is required: 1–64 characters of A–Z, a–z, 0–9, '_', '.', ':' or '-', and not '.' or '..'.")]
    [InlineData("", "action", "is required: one of create, view, like, share, favorite.")]
    [InlineData("\"action\":\"dance\"", "action", "must be one of create, view, like, share, favorite.")]
    [InlineData("", "occurredAt", "is required: an ISO 8601 date and time with an offset, e.g. 2026-11-24T08:00:00Z.")]
    [InlineData("\"occurredAt\":\"soon\"", "occurredAt", "must be an ISO 8601 date and time with an offset, e.g. 2026-11-24T08:00:00Z.")]
    public void Parse_FieldMissingOrInvalid_SaysWhichAndTheAcceptedForm(string replacement, string field, string expected)
    {
        // Drop the field, then add the replacement (if any) in its place.
        var json = System.Text.Json.Nodes.JsonNode.Parse(Event())!.AsObject();
        json.Remove(field);
        var withField = replacement.Length == 0 ? json.ToJsonString() : json.ToJsonString()[..^1] + "," + replacement + "}";

        var parsed = Parse(withField, out _);

        var errors = Assert.Single(parsed.Rejected).Errors;
        Assert.Equal([expected], errors[field]);
        Assert.Single(errors);
    }

    [Theory]
    [InlineData("eventId")]
    [InlineData("userId")]
    [InlineData("songId")]
    [InlineData("videoId")]
    public void Parse_IdEndingInNewline_IsRejectedNamingTheField(string field)
    {
        // e_1, u_1, s_1, v_1 followed by a JSON-escaped newline.
        var json = Event().Replace($"\"{field}\":\"{field[0]}_1\"", $"\"{field}\":\"{field[0]}_1\\n\"", StringComparison.Ordinal);

        var parsed = Parse(json, out _);

        Assert.Empty(parsed.Valid);
        Assert.Equal([field], Assert.Single(parsed.Rejected).Errors.Keys);
    }

    [Theory]
    [InlineData("2026-11-25T12:04:59Z", true)]   // within the 5-minute clock skew
    [InlineData("2026-11-25T12:05:01Z", false)]  // beyond it
    [InlineData("2026-10-26T12:00:01Z", true)]   // just under 30 days old
    [InlineData("2026-10-26T11:59:59Z", false)]  // just over
    [InlineData("2026-11-25T12:00:00", false)]   // no offset
    [InlineData("2026-11-25", false)]            // no time
    [InlineData("2026-11-25T12:00:00Z\\n", false)] // a newline after the offset (JSON-escaped)
    [InlineData("2026-11-25T12:00:00+0\u0667:00", false)] // an Arabic-Indic digit in the offset
    public void Parse_OccurredAt_AcceptsOnlyOffsetTimesWithinTheWindow(string occurredAt, bool valid)
    {
        var parsed = Parse(Event().Replace("2026-11-25T11:00:00+07:00", occurredAt, StringComparison.Ordinal), out _);

        Assert.Equal(valid, parsed.IsValid);
    }

    [Theory]
    [InlineData("{\"events\":[]}", "events")]
    [InlineData("{\"events\":null}", "events")]
    [InlineData("\"text\"", "")]
    public void Parse_BadPayload_IsAPayloadError(string json, string field)
    {
        var parsed = Parse(json, out _);

        Assert.True(parsed.PayloadErrors.ContainsKey(field));
    }

    [Fact]
    public void Parse_MoreEventsThanAllowed_IsRefusedWhole()
    {
        var parsed = Parse($"{{\"events\":[{string.Join(',', Enumerable.Repeat(Event(), 4))}]}}", out _);

        Assert.Contains("at most 3", Assert.Single(parsed.PayloadErrors["events"]), StringComparison.Ordinal);
        Assert.Empty(parsed.Valid);
    }

    [Theory]
    [InlineData("{\"a\":1,\"a\":2}")]
    [InlineData("[[[[[[[[[[1]]]]]]]]]]")]
    [InlineData("{\"a\":1} // comment")]
    public void ParseDocument_DuplicatesDeepNestingOrComments_AreNotJsonHere(string json)
    {
        Assert.ThrowsAny<JsonException>(() => EventParser.ParseDocument(System.Text.Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void ParseDocument_InvalidUtf8InsideAString_IsNotJson()
    {
        byte[] json = [(byte)'"', 0xC3, 0x28, (byte)'"'];

        Assert.ThrowsAny<JsonException>(() => EventParser.ParseDocument(json));
    }
}
