using Azure.Data.Tables;
using Resso.Shared.Events;
using Resso.Shared.Storage;

namespace Resso.Shared.Ingestion;

/// <summary>
/// Everything a user did with a song, aggregated over distinct events: the implicit feedback the
/// recommender learns from and the per-user data the listener endpoints read.
/// </summary>
/// <param name="UserId">The user.</param>
/// <param name="SongId">The song.</param>
/// <param name="Weight">Sum of the action weights of the events.</param>
/// <param name="Count">Distinct events.</param>
/// <param name="Creates">Videos the user created with the song.</param>
/// <param name="Views">Views.</param>
/// <param name="Likes">Likes.</param>
/// <param name="Shares">Shares.</param>
/// <param name="Favorites">Favourites.</param>
/// <param name="FirstAt">Earliest event time.</param>
/// <param name="LastAt">Latest event time.</param>
/// <param name="TopSegment">The part of the song the user's videos used most, if any event said.</param>
public sealed record UserSongInteraction(
    string UserId,
    string SongId,
    double Weight,
    int Count,
    int Creates,
    int Views,
    int Likes,
    int Shares,
    int Favorites,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    Segment? TopSegment)
{
    internal static UserSongInteraction FromEntity(TableEntity e) => new(
        e.GetString(nameof(UserId))!,
        e.GetString(nameof(SongId))!,
        e.GetDouble(nameof(Weight)) ?? 0,
        e.GetInt32(nameof(Count)) ?? 0,
        e.GetInt32(nameof(Creates)) ?? 0,
        e.GetInt32(nameof(Views)) ?? 0,
        e.GetInt32(nameof(Likes)) ?? 0,
        e.GetInt32(nameof(Shares)) ?? 0,
        e.GetInt32(nameof(Favorites)) ?? 0,
        e.GetDateTimeOffset(nameof(FirstAt)) ?? DateTimeOffset.MinValue,
        e.GetDateTimeOffset(nameof(LastAt)) ?? DateTimeOffset.MinValue,
        SegmentHistogram.Parse(e.GetString("Segments")).Top);

    /// <summary>Adds <paramref name="events"/> (all of this user and song) to <paramref name="entity"/>, or starts a new one.</summary>
    internal static TableEntity Accumulate(TableEntity? entity, string partition, IEnumerable<SongUsedEvent> events, ActionWeights weights)
    {
        var list = events.ToList();
        var first = list[0];
        var e = entity ?? new TableEntity(partition, TableKeys.InteractionRow(first.UserId, first.SongId))
        {
            [nameof(UserId)] = first.UserId,
            [nameof(SongId)] = first.SongId,
            [nameof(FirstAt)] = first.OccurredAt,
            [nameof(LastAt)] = first.OccurredAt,
        };

        var segments = SegmentHistogram.Parse(e.GetString("Segments"));
        var firstAt = e.GetDateTimeOffset(nameof(FirstAt)) ?? first.OccurredAt;
        var lastAt = e.GetDateTimeOffset(nameof(LastAt)) ?? first.OccurredAt;
        foreach (var ev in list)
        {
            e[nameof(Weight)] = (e.GetDouble(nameof(Weight)) ?? 0) + weights.Of(ev.Action);
            e[nameof(Count)] = (e.GetInt32(nameof(Count)) ?? 0) + 1;
            var counter = ev.Action switch
            {
                SongAction.Create => nameof(Creates),
                SongAction.Like => nameof(Likes),
                SongAction.Share => nameof(Shares),
                SongAction.Favorite => nameof(Favorites),
                _ => nameof(Views),
            };
            e[counter] = (e.GetInt32(counter) ?? 0) + 1;
            if (ev.Segment is { } segment)
            {
                segments.Add(segment);
            }

            firstAt = ev.OccurredAt < firstAt ? ev.OccurredAt : firstAt;
            lastAt = ev.OccurredAt > lastAt ? ev.OccurredAt : lastAt;
        }

        e[nameof(FirstAt)] = firstAt;
        e[nameof(LastAt)] = lastAt;
        e["Segments"] = segments.ToString();
        return e;
    }
}
