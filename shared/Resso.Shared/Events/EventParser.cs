using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Resso.Shared.Ingestion;

namespace Resso.Shared.Events;

/// <summary>A valid event and its position in the payload.</summary>
/// <param name="Index">Position in <c>events</c> (0 for a single event).</param>
/// <param name="Event">The event.</param>
public sealed record IndexedEvent(int Index, SongUsedEvent Event);

/// <summary>An invalid event: where it was, what is wrong, and its JSON as received.</summary>
/// <param name="Index">Position in <c>events</c> (0 for a single event).</param>
/// <param name="Errors">Field name → problems.</param>
/// <param name="Json">The event's JSON text as received.</param>
public sealed record RejectedEvent(int Index, IReadOnlyDictionary<string, string[]> Errors, string Json);

/// <summary>What a payload held.</summary>
public sealed class ParsedEvents
{
    /// <summary>Problems with the payload as a whole (not an object, empty batch, too many events), keyed by field.</summary>
    public Dictionary<string, string[]> PayloadErrors { get; } = [];

    /// <summary>Events that passed validation, in payload order.</summary>
    public List<IndexedEvent> Valid { get; } = [];

    /// <summary>Events that did not.</summary>
    public List<RejectedEvent> Rejected { get; } = [];

    /// <summary>Nothing is wrong.</summary>
    public bool IsValid => PayloadErrors.Count == 0 && Rejected.Count == 0;

    /// <summary>All problems keyed as a client reads them: <c>events[3].userId</c>, or the field of a single event.</summary>
    public Dictionary<string, string[]> AllErrors(bool batch)
    {
        var all = new Dictionary<string, string[]>(PayloadErrors);
        foreach (var rejected in Rejected)
        {
            foreach (var (field, messages) in rejected.Errors)
            {
                all[batch ? $"events[{rejected.Index}].{field}" : field] = messages;
            }
        }

        return all;
    }
}

/// <summary>
/// Validates event payloads field by field, so a client learns every problem at once: one event
/// object, or <c>{"events":[…]}</c>. Ids follow <see cref="Ids"/>, safe as table keys; regions
/// ISO 3166-1 alpha-2; times with an offset, not older than
/// <see cref="IngestionOptions.MaxEventAge"/> nor later than now plus <see cref="IngestionOptions.MaxClockSkew"/>.
/// </summary>
public sealed partial class EventParser(TimeProvider timeProvider, IOptions<IngestionOptions> options)
{
    /// <summary>The latest a segment may end: one hour into a song.</summary>
    public const int MaxSegmentEndMs = 3_600_000;

    private const string ActionForm = "one of create, view, like, share, favorite";
    private const string OccurredAtForm = "an ISO 8601 date and time with an offset, e.g. 2026-11-24T08:00:00Z";

    /// <summary>How payload JSON is read: strict, shallow, and no repeated property names.</summary>
    public static readonly JsonDocumentOptions DocumentOptions = new()
    {
        MaxDepth = 8,
        AllowDuplicateProperties = false,
        AllowTrailingCommas = false,
        CommentHandling = JsonCommentHandling.Disallow,
    };

    // \z, not $: $ also matches before a final \n. [0-9], not \d: \d matches any Unicode digit.
    [GeneratedRegex(@"(Z|[+-][0-9]{2}:[0-9]{2})\z")]
    private static partial Regex HasOffset();

    /// <summary>
    /// Parses JSON with <see cref="DocumentOptions"/>. The parser leaves invalid UTF-8 inside strings
    /// to fail later, when a value is read; check the whole text first so it fails here, as bad JSON.
    /// </summary>
    /// <exception cref="JsonException">The text is not valid UTF-8 or not valid JSON.</exception>
    public static JsonDocument ParseDocument(ReadOnlyMemory<byte> utf8Json)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8Json.Span))
        {
            throw new JsonException("The text is not valid UTF-8.");
        }

        var document = JsonDocument.Parse(utf8Json, DocumentOptions);
        if (HasUnpairedSurrogateEscape(utf8Json.Span))
        {
            document.Dispose();
            throw new JsonException("A string escapes an unpaired UTF-16 surrogate (\\uD800–\\uDFFF).");
        }

        return document;
    }

    // JsonDocument accepts "\uD800" and only throws when the string is read; refuse such text up front
    // so that no reader of the document meets the exception. Only escaped strings need a look.
    private static bool HasUnpairedSurrogateEscape(ReadOnlySpan<byte> utf8Json)
    {
        if (utf8Json.IndexOf("\\u"u8) < 0)
        {
            return false;
        }

        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { MaxDepth = DocumentOptions.MaxDepth });
        while (reader.Read())
        {
            if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName && reader.ValueIsEscaped)
            {
                try
                {
                    _ = reader.GetString();
                }
                catch (InvalidOperationException)
                {
                    return true;
                }
            }
        }

        return false;
    }

    /// <summary>Parses and validates a payload. <paramref name="isBatch"/> says which form it had.</summary>
    public ParsedEvents Parse(JsonElement root, out bool isBatch)
    {
        var result = new ParsedEvents();
        isBatch = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("events", out _);
        if (root.ValueKind != JsonValueKind.Object)
        {
            result.PayloadErrors[""] = ["The body must be one event object or {\"events\":[…]}."];
            return result;
        }

        if (!isBatch)
        {
            ParseEvent(0, root, result);
            return result;
        }

        var events = root.GetProperty("events");
        var max = options.Value.MaxEventsPerRequest;
        if (events.ValueKind != JsonValueKind.Array)
        {
            result.PayloadErrors["events"] = ["must be an array of events."];
        }
        else if (events.GetArrayLength() == 0)
        {
            result.PayloadErrors["events"] = ["must hold at least one event."];
        }
        else if (events.GetArrayLength() > max)
        {
            result.PayloadErrors["events"] = [$"holds {events.GetArrayLength()} events; at most {max} are accepted at once."];
        }
        else
        {
            var index = 0;
            foreach (var e in events.EnumerateArray())
            {
                ParseEvent(index++, e, result);
            }
        }

        return result;
    }

    private void ParseEvent(int index, JsonElement json, ParsedEvents result)
    {
        var errors = new Dictionary<string, string[]>();
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors[""] = ["must be an event object."];
            result.Rejected.Add(new RejectedEvent(index, errors, json.GetRawText()));
            return;
        }

        var eventId = Id(json, "eventId", errors);
        var userId = Id(json, "userId", errors);
        var songId = Id(json, "songId", errors);
        var videoId = Id(json, "videoId", errors);
        var action = Action(json, errors);
        var region = Region(json, errors);
        var occurredAt = OccurredAt(json, errors);
        var segment = SegmentOf(json, errors);

        if (errors.Count > 0)
        {
            result.Rejected.Add(new RejectedEvent(index, errors, json.GetRawText()));
            return;
        }

        result.Valid.Add(new IndexedEvent(index, new SongUsedEvent(eventId!, userId!, songId!, videoId!, action!.Value, region!, occurredAt!.Value, segment)));
    }

    private static string? Id(JsonElement json, string name, Dictionary<string, string[]> errors)
    {
        var text = String(json, name, Ids.Form, errors);
        if (text is not null && !Ids.IsValid(text))
        {
            errors[name] = [Ids.Rule + (text.Length > Ids.MaxLength ? $" (it has {text.Length})." : ".")];
            return null;
        }

        return text;
    }

    private static SongAction? Action(JsonElement json, Dictionary<string, string[]> errors)
    {
        return String(json, "action", ActionForm, errors) switch
        {
            null => null,
            "create" => SongAction.Create,
            "view" => SongAction.View,
            "like" => SongAction.Like,
            "share" => SongAction.Share,
            "favorite" => SongAction.Favorite,
            _ => Fail(),
        };

        SongAction? Fail()
        {
            errors["action"] = [$"must be {ActionForm}."];
            return null;
        }
    }

    private static string? Region(JsonElement json, Dictionary<string, string[]> errors)
    {
        var text = String(json, "region", Regions.Form, errors);
        if (text is not null && Regions.Problem(text) is { } problem)
        {
            errors["region"] = [problem];
            return null;
        }

        return text;
    }

    private DateTimeOffset? OccurredAt(JsonElement json, Dictionary<string, string[]> errors)
    {
        var text = String(json, "occurredAt", OccurredAtForm, errors);
        if (text is null)
        {
            return null;
        }

        if (!HasOffset().IsMatch(text)
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            || !text.Contains('T', StringComparison.Ordinal))
        {
            errors["occurredAt"] = [$"must be {OccurredAtForm}."];
            return null;
        }

        var now = timeProvider.GetUtcNow();
        if (at > now + options.Value.MaxClockSkew)
        {
            errors["occurredAt"] = [$"is in the future (more than {options.Value.MaxClockSkew.TotalMinutes:0} minutes after the server's clock)."];
            return null;
        }

        if (at < now - options.Value.MaxEventAge)
        {
            errors["occurredAt"] = [$"is more than {options.Value.MaxEventAge.TotalDays:0} days old."];
            return null;
        }

        return at;
    }

    private static Segment? SegmentOf(JsonElement json, Dictionary<string, string[]> errors)
    {
        if (!json.TryGetProperty("segment", out var segment) || segment.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (segment.ValueKind != JsonValueKind.Object
            || !segment.TryGetProperty("startMs", out var start) || start.ValueKind != JsonValueKind.Number || !start.TryGetInt32(out var startMs)
            || !segment.TryGetProperty("endMs", out var end) || end.ValueKind != JsonValueKind.Number || !end.TryGetInt32(out var endMs))
        {
            errors["segment"] = ["must be {\"startMs\": whole number, \"endMs\": whole number}."];
            return null;
        }

        if (startMs < 0 || endMs <= startMs || endMs > MaxSegmentEndMs)
        {
            errors["segment"] = [$"must satisfy 0 ≤ startMs < endMs ≤ {MaxSegmentEndMs}."];
            return null;
        }

        return new Segment(startMs, endMs);
    }

    /// <summary>The text of a required string field; when it is missing or not a string, a problem that states <paramref name="form"/>.</summary>
    private static string? String(JsonElement json, string name, string form, Dictionary<string, string[]> errors)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            errors[name] = [$"is required: {form}."];
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            errors[name] = [$"must be a string, not {value.ValueKind.ToString().ToLowerInvariant()}: {form}."];
            return null;
        }

        return value.GetString();
    }
}
