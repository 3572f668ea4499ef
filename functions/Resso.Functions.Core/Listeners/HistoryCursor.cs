using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Resso.Shared;
using Resso.Shared.Events;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// Where a page of history ends: the last event's time and id, in the order pages are read
/// (newest first, then by id). Opaque to callers (base64url).
/// </summary>
/// <param name="OccurredAt">The last event's time.</param>
/// <param name="EventId">The last event's id.</param>
public sealed record HistoryCursor(DateTimeOffset OccurredAt, string EventId)
{
    /// <summary>The cursor as callers see it.</summary>
    public override string ToString() =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{OccurredAt.UtcTicks}|{EventId}")));

    /// <summary>Reads a cursor from a previous answer's <c>next</c>; false when it is not one.</summary>
    public static bool TryParse(string text, [NotNullWhen(true)] out HistoryCursor? cursor)
    {
        cursor = null;
        try
        {
            var plain = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(text));
            var separator = plain.IndexOf('|', StringComparison.Ordinal);
            if (separator > 0 && long.TryParse(plain.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks && Ids.IsValid(plain[(separator + 1)..]))
            {
                cursor = new HistoryCursor(new DateTimeOffset(ticks, TimeSpan.Zero), plain[(separator + 1)..]);
            }
        }
        catch (FormatException)
        {
            // Not base64url: not a cursor.
        }

        return cursor is not null;
    }

    /// <summary>True when <paramref name="e"/> comes after this cursor in page order (older, or as old with a later id).</summary>
    public bool Precedes(SongUsedEvent e) =>
        e.OccurredAt < OccurredAt || (e.OccurredAt == OccurredAt && string.CompareOrdinal(e.EventId, EventId) > 0);
}
