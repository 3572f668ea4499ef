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
    /// <summary>Aggregates event rows (any users and songs) into one interaction per user and song.</summary>
    internal static IEnumerable<UserSongInteraction> Aggregate(IEnumerable<SongUsedEvent> events, ActionWeights weights) =>
        events.GroupBy(e => (e.UserId, e.SongId)).Select(g =>
        {
            var segments = new SegmentHistogram();
            var counts = new int[5];
            foreach (var e in g)
            {
                counts[(int)e.Action]++;
                if (e.Segment is { } segment)
                {
                    segments.Add(segment);
                }
            }

            return new UserSongInteraction(
                g.Key.UserId,
                g.Key.SongId,
                g.Sum(e => weights.Of(e.Action)),
                g.Count(),
                counts[(int)SongAction.Create],
                counts[(int)SongAction.View],
                counts[(int)SongAction.Like],
                counts[(int)SongAction.Share],
                counts[(int)SongAction.Favorite],
                g.Min(e => e.OccurredAt),
                g.Max(e => e.OccurredAt),
                segments.Top);
        });

    /// <summary>The row of a counted event, naming the message that counted it.</summary>
    internal static TableEntity ToRow(string partition, SongUsedEvent e, string messageId, DateTimeOffset countedAt)
    {
        var row = new TableEntity(partition, TableKeys.EventRow(e.UserId, e.EventId))
        {
            ["MessageId"] = messageId,
            ["UserId"] = e.UserId,
            ["EventId"] = e.EventId,
            ["SongId"] = e.SongId,
            ["VideoId"] = e.VideoId,
            ["Action"] = (int)e.Action,
            ["Region"] = e.Region,
            ["OccurredAt"] = e.OccurredAt,
            ["CountedAt"] = countedAt,
        };
        if (e.Segment is { } segment)
        {
            row["StartMs"] = segment.StartMs;
            row["EndMs"] = segment.EndMs;
        }

        return row;
    }

    /// <summary>The event a row holds.</summary>
    internal static SongUsedEvent FromRow(TableEntity row) => new(
        row.GetString("EventId")!,
        row.GetString("UserId")!,
        row.GetString("SongId")!,
        row.GetString("VideoId")!,
        (SongAction)(row.GetInt32("Action") ?? 0),
        row.GetString("Region")!,
        row.GetDateTimeOffset("OccurredAt") ?? DateTimeOffset.MinValue,
        row.GetInt32("StartMs") is { } start && row.GetInt32("EndMs") is { } end ? new Segment(start, end) : null);
}
