using System.Text.Json;
using System.Text.Json.Serialization;

namespace Resso.Shared.Events;

/// <summary>What happened to a song in a short video.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SongAction>))]
public enum SongAction
{
    /// <summary>A creator made a video with the song.</summary>
    [JsonStringEnumMemberName("create")]
    Create,

    /// <summary>A viewer watched a video carrying the song.</summary>
    [JsonStringEnumMemberName("view")]
    View,

    /// <summary>A viewer liked the video.</summary>
    [JsonStringEnumMemberName("like")]
    Like,

    /// <summary>A viewer shared the video.</summary>
    [JsonStringEnumMemberName("share")]
    Share,

    /// <summary>A viewer favourited the video's sound.</summary>
    [JsonStringEnumMemberName("favorite")]
    Favorite,
}

/// <summary>The part of the song used in the video, in milliseconds from the song's start.</summary>
/// <param name="StartMs">Where the used part starts.</param>
/// <param name="EndMs">Where it ends (after <paramref name="StartMs"/>).</param>
public sealed record Segment(int StartMs, int EndMs);

/// <summary>
/// A "song used in short video" event, as the short-video app reports it (one per user action).
/// Ids are 1–64 characters of <c>[A-Za-z0-9_.:-]</c>; <see cref="EventId"/> is unique per user
/// and is the idempotency key.
/// </summary>
/// <param name="EventId">Client-generated id; the event counts once however often it is sent.</param>
/// <param name="UserId">Who acted: the creator for <see cref="SongAction.Create"/>, else the viewer.</param>
/// <param name="SongId">The song heard in the video.</param>
/// <param name="VideoId">The video.</param>
/// <param name="Action">What happened.</param>
/// <param name="Region">ISO 3166-1 alpha-2 country of the user.</param>
/// <param name="OccurredAt">When it happened, with offset.</param>
/// <param name="Segment">The part of the song used in the video, if known.</param>
public sealed record SongUsedEvent(
    string EventId,
    string UserId,
    string SongId,
    string VideoId,
    SongAction Action,
    string Region,
    DateTimeOffset OccurredAt,
    Segment? Segment = null);

/// <summary>The batch form of the events payload: <c>{"events":[…]}</c>.</summary>
/// <param name="Events">The events.</param>
public sealed record SongUsedBatch(IReadOnlyList<SongUsedEvent> Events);

/// <summary>JSON (camelCase, compact) for event payloads, source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(SongUsedEvent))]
[JsonSerializable(typeof(SongUsedBatch))]
public sealed partial class EventJsonContext : JsonSerializerContext;
