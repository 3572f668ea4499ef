using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Storage;

namespace Resso.Shared.Attribution;

/// <summary>How a claim redemption went.</summary>
public enum ClaimOutcome
{
    /// <summary>Redeemed now, for the first and only time.</summary>
    Redeemed,

    /// <summary>No such code.</summary>
    Unknown,

    /// <summary>Redeemed before.</summary>
    AlreadyRedeemed,

    /// <summary>Too old.</summary>
    Expired,
}

/// <summary>
/// Clicks, claim codes, conversions and subscription state (offers served are counted in the
/// <see cref="OfferLog"/>). Offer and click ids carry their day and shard (<c>k20261125a…</c>), so
/// a click is one point read away and a report reads a week of day partitions as one key range. A
/// click's rows are written before the redirect answers (<see cref="RecordClickAsync"/>), so that a
/// conversion on any instance right after it finds it; repeat follows, and clicks whose write failed,
/// are written behind the response by <see cref="AnalyticsWriter"/>. Claims, conversions and
/// subscriptions are written before answering.
/// </summary>
public sealed partial class AttributionStore(TableServiceClient tables, StorageNames names, IOptions<IngestionOptions> ingestion, TimeProvider timeProvider)
{
    /// <summary>Shards of a day's clicks.</summary>
    public const int DayShards = 16;

    private readonly TableClient _clicks = tables.GetTableClient(names.ClicksTable);
    private readonly TableClient _claims = tables.GetTableClient(names.ClaimsTable);
    private readonly TableClient _conversions = tables.GetTableClient(names.ConversionsTable);
    private readonly TableClient _subscriptions = tables.GetTableClient(names.SubscriptionsTable);

    /// <summary>A new offer or click id: a letter, the UTC day, a shard, randomness (URL-safe, 20 characters).</summary>
    public string NewId(char kind)
    {
        var shard = RandomNumberGenerator.GetInt32(DayShards);
        return string.Create(CultureInfo.InvariantCulture, $"{kind}{timeProvider.GetUtcNow().UtcDateTime:yyyyMMdd}{shard:x}{RandomNumberGenerator.GetHexString(10, lowercase: true)}");
    }

    /// <summary>The partition of an id made by <see cref="NewId"/>, or null when it is not one.</summary>
    public static string? PartitionOf(string id) =>
        id.Length == 20 && long.TryParse(id.AsSpan(1, 8), NumberStyles.None, CultureInfo.InvariantCulture, out _) && Uri.IsHexDigit(id[9])
            ? $"{id.AsSpan(1, 8)}|{id[9]}"
            : null;

    internal IEnumerable<(TableClient Table, TableEntity Row)> ClickRows(ClickRecord click)
    {
        var row = WithKeys(new TableEntity(PartitionOf(click.ClickId)!, click.ClickId)
        {
            ["ClickedAt"] = click.ClickedAt,
            ["OfferId"] = click.OfferId,
            ["Destination"] = click.Destination,
            ["StartMs"] = click.StartMs,
        }, click.Keys);
        if (click.RepeatOf is { } first)
        {
            // A repeat is counted as a follow and nothing else: no index row, so last-click attribution stays on the click.
            row["RepeatOf"] = first;
            yield return (_clicks, row);
            yield break;
        }

        yield return (_clicks, row);
        if (click.Keys.UserId is { } user)
        {
            // The user's clicks newest first, for last-click attribution.
            var newestFirst = (DateTimeOffset.MaxValue.UtcTicks - click.ClickedAt.UtcTicks).ToString("D19", CultureInfo.InvariantCulture);
            var index = new TableEntity(UserClickPartition(user), $"{user}|{newestFirst}|{click.ClickId}");
            foreach (var (key, value) in row.Where(p => p.Key is not ("PartitionKey" or "RowKey" or "odata.etag" or "Timestamp")))
            {
                index[key] = value;
            }

            index["ClickId"] = click.ClickId;
            yield return (_clicks, index);
        }
    }

    /// <summary>
    /// Writes a click's rows now, the rows that attribution reads: the click by id (<see cref="GetClickAsync"/>)
    /// and, for a known user, its per-user index row (<see cref="GetLastClickAsync"/>). The two live in
    /// different partitions, so they are two upserts, sent together. They are the rows
    /// <see cref="AnalyticsWriter"/> would write for the same click, under the same keys: a click written
    /// here and queued as well (after a failure half way) is still one click and one index row.
    /// A repeat is not written here; it decides no attribution.
    /// </summary>
    /// <param name="click">A click (not a repeat).</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    /// <exception cref="ArgumentException"><paramref name="click"/> is a repeat.</exception>
    public Task RecordClickAsync(ClickRecord click, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(click);
        if (!click.IsClick)
        {
            throw new ArgumentException("A repeat follow decides no attribution; queue it with AnalyticsWriter.", nameof(click));
        }

        return Task.WhenAll(ClickRows(click).Select(r => r.Table.UpsertEntityAsync(r.Row, TableUpdateMode.Replace, cancellationToken)));
    }

    /// <summary>
    /// Decides whether a follow of <paramref name="offerId"/>'s link by a device is a click or a
    /// repeat: the first follow by <paramref name="deviceKey"/> within <paramref name="window"/> wins
    /// (a conditional insert, so two racing follows cannot both be first), later ones get its click id.
    /// The row lives in the clicks table under <c>d|{offerId}</c>, apart from the day partitions that
    /// reports read. <paramref name="alsoKnownAs"/>, when given, is stored beside the first follow's row
    /// with the same click: the key the device will present next time (its new cookie), so that its
    /// next follow finds the click under either key.
    /// </summary>
    /// <param name="offerId">The offer whose link was followed.</param>
    /// <param name="deviceKey">A keyed hash that identifies the device (never the identifier itself).</param>
    /// <param name="alsoKnownAs">A second key of the same device, or null.</param>
    /// <param name="clickId">The id of the click this follow becomes if it is the first.</param>
    /// <param name="claimCode">The claim code this follow issues if it is the first, or null.</param>
    /// <param name="window">How long after a click a follow by the same device is a repeat.</param>
    /// <param name="cancellationToken">Cancels the storage calls.</param>
    public async Task<FollowRegistration> RegisterFollowAsync(
        string offerId, string deviceKey, string? alsoKnownAs, string clickId, string? claimCode, TimeSpan window, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var partition = FollowPartition(offerId);
        TableEntity Row(string key) => new(partition, key) { ["ClickId"] = clickId, ["FirstAt"] = now, ["ClaimCode"] = claimCode };
        var actions = new List<TableTransactionAction> { new(TableTransactionActionType.Add, Row(deviceKey)) };
        if (alsoKnownAs is not null && alsoKnownAs != deviceKey)
        {
            actions.Add(new(TableTransactionActionType.UpsertReplace, Row(alsoKnownAs)));
        }

        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await _clicks.SubmitTransactionAsync(actions, cancellationToken);
                return new FollowRegistration(clickId, false, null);
            }
            catch (RequestFailedException ex) when (ex.Status == 409 && attempt == 0)
            {
                // Followed before: a repeat within the window, else the window has passed and this follow starts a new one.
            }

            var found = await _clicks.GetEntityIfExistsAsync<TableEntity>(partition, deviceKey, cancellationToken: cancellationToken);
            if (!found.HasValue)
            {
                continue; // removed in between: insert again
            }

            var existing = found.Value!;
            if (existing.GetDateTimeOffset("FirstAt") is { } firstAt && now - firstAt < window && existing.GetString("ClickId") is { Length: > 0 } firstClick)
            {
                return new FollowRegistration(firstClick, true, existing.GetString("ClaimCode"));
            }

            try
            {
                await _clicks.UpdateEntityAsync(Row(deviceKey), existing.ETag, TableUpdateMode.Replace, cancellationToken);
                if (actions.Count > 1)
                {
                    await _clicks.UpsertEntityAsync(Row(alsoKnownAs!), TableUpdateMode.Replace, cancellationToken);
                }

                return new FollowRegistration(clickId, false, null);
            }
            catch (RequestFailedException conflict) when (conflict.Status == 412)
            {
                // Another follow by the device renewed it first: this one repeats that click.
                var renewed = await _clicks.GetEntityAsync<TableEntity>(partition, deviceKey, cancellationToken: cancellationToken);
                return new FollowRegistration(renewed.Value.GetString("ClickId") ?? clickId, true, renewed.Value.GetString("ClaimCode"));
            }
        }
    }

    /// <summary>Records on a device's follow row the claim code a repeat follow issued, so that later repeats hand out that one.</summary>
    public Task RememberClaimCodeAsync(string offerId, string deviceKey, string claimCode, CancellationToken cancellationToken = default) =>
        _clicks.UpdateEntityAsync(new TableEntity(FollowPartition(offerId), deviceKey) { ["ClaimCode"] = claimCode }, ETag.All, TableUpdateMode.Merge, cancellationToken);

    /// <summary>A click by id, or null.</summary>
    public async Task<ClickRecord?> GetClickAsync(string clickId, CancellationToken cancellationToken = default)
    {
        if (PartitionOf(clickId) is not { } partition)
        {
            return null;
        }

        var row = await _clicks.GetEntityIfExistsAsync<TableEntity>(partition, clickId, cancellationToken: cancellationToken);
        return row.HasValue && ToClick(row.Value!, clickId) is { IsClick: true } click ? click : null;
    }

    /// <summary>The user's newest click at or after <paramref name="notBefore"/>, or null.</summary>
    public async Task<ClickRecord?> GetLastClickAsync(string userId, DateTimeOffset notBefore, CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {UserClickPartition(userId)} and RowKey gt {userId + "|"} and RowKey lt {userId + "|~"}");
        await foreach (var row in _clicks.QueryAsync<TableEntity>(filter, maxPerPage: 1, cancellationToken: cancellationToken))
        {
            var click = ToClick(row, row.GetString("ClickId")!);
            return click.ClickedAt >= notBefore ? click : null;
        }

        return null;
    }

    /// <summary>Stores a new claim code (before the store redirect that hands it out).</summary>
    public Task CreateClaimAsync(ClaimRecord claim, CancellationToken cancellationToken = default) =>
        _claims.AddEntityAsync(
            WithKeys(new TableEntity(claim.Code, "")
            {
                ["ClickId"] = claim.ClickId,
                ["OfferId"] = claim.OfferId,
                ["OfferKind"] = claim.OfferKind,
                ["StartMs"] = claim.StartMs,
                ["CreatedAt"] = claim.CreatedAt,
                ["ExpiresAt"] = claim.ExpiresAt,
                ["Redeemed"] = false,
            }, claim.Keys),
            cancellationToken);

    /// <summary>A claim by code as issued (callers pass a typed code through <see cref="ClaimCodes.Normalize"/> first), redeemed or not, or null.</summary>
    public async Task<ClaimRecord?> GetClaimAsync(string code, CancellationToken cancellationToken = default)
    {
        var found = await _claims.GetEntityIfExistsAsync<TableEntity>(code, "", cancellationToken: cancellationToken);
        return found.HasValue ? ToClaim(found.Value!) : null;
    }

    /// <summary>Redeems a claim code exactly once: a conditional update, so two racing redemptions cannot both win.</summary>
    public async Task<(ClaimOutcome Outcome, ClaimRecord? Claim)> RedeemClaimAsync(string code, CancellationToken cancellationToken = default)
    {
        var found = await _claims.GetEntityIfExistsAsync<TableEntity>(code, "", cancellationToken: cancellationToken);
        if (!found.HasValue)
        {
            return (ClaimOutcome.Unknown, null);
        }

        var row = found.Value!;
        var claim = ToClaim(row);
        if (row.GetBoolean("Redeemed") == true)
        {
            return (ClaimOutcome.AlreadyRedeemed, claim);
        }

        if (claim.ExpiresAt < timeProvider.GetUtcNow())
        {
            return (ClaimOutcome.Expired, claim);
        }

        try
        {
            await _claims.UpdateEntityAsync(new TableEntity(code, "") { ["Redeemed"] = true, ["RedeemedAt"] = timeProvider.GetUtcNow() }, row.ETag, TableUpdateMode.Merge, cancellationToken);
            return (ClaimOutcome.Redeemed, claim);
        }
        catch (RequestFailedException ex) when (ex.Status == 412)
        {
            return (ClaimOutcome.AlreadyRedeemed, claim);
        }
    }

    /// <summary>
    /// Records a conversion once per id. The first call stores it, then the user's subscription
    /// state. A later call with the same values stores nothing new but applies the subscription
    /// state again (a merge, safe to repeat), so that a retry after a failure between the two writes
    /// completes what the first call began; a later call with other values changes nothing and
    /// names the fields that differ.
    /// </summary>
    public async Task<ConversionRecording> RecordConversionAsync(ConversionRecord conversion, CancellationToken cancellationToken = default)
    {
        var partition = ConversionPartition(conversion.ConversionId);
        var row = new TableEntity(partition, conversion.ConversionId)
        {
            ["UserId"] = conversion.UserId,
            ["Plan"] = conversion.Plan,
            ["Amount"] = conversion.Amount.ToString(CultureInfo.InvariantCulture),
            ["Currency"] = conversion.Currency,
            ["OccurredAt"] = conversion.OccurredAt,
            ["IsTrial"] = conversion.IsTrial,
            ["RecordedAt"] = timeProvider.GetUtcNow(),
        };
        if (conversion.Attribution is { } a)
        {
            WithKeys(row, a.Keys);
            row["Method"] = a.Method;
            row["ClickId"] = a.ClickId;
            row["OfferId"] = a.OfferId;
        }

        try
        {
            await _conversions.AddEntityAsync(row, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 409)
        {
            var existing = ToConversion((await _conversions.GetEntityAsync<TableEntity>(partition, conversion.ConversionId, cancellationToken: cancellationToken)).Value);
            var conflicting = ConflictingFields(existing, conversion);
            if (conflicting.Count > 0)
            {
                return new ConversionRecording(existing, ConversionOutcome.Conflict, conflicting);
            }

            await ApplySubscriptionAsync(existing, cancellationToken);
            return new ConversionRecording(existing, ConversionOutcome.Duplicate, []);
        }

        // After the conversion row: a failure in between leaves the state to the retry of the same conversion.
        await ApplySubscriptionAsync(conversion, cancellationToken);
        return new ConversionRecording(conversion, ConversionOutcome.Recorded, []);
    }

    // Makes the user a subscriber (a merge: applying it twice is applying it once), then writes the
    // change, so that other instances drop their cached state within seconds.
    private async Task ApplySubscriptionAsync(ConversionRecord conversion, CancellationToken cancellationToken)
    {
        var changedAt = timeProvider.GetUtcNow();
        await _subscriptions.UpsertEntityAsync(
            new TableEntity(UserPartition(conversion.UserId), conversion.UserId)
            {
                ["IsSubscriber"] = true,
                ["LastPlan"] = conversion.Plan,
                ["UpdatedAt"] = changedAt,
            }.WithTrial(conversion.IsTrial),
            TableUpdateMode.Merge,
            cancellationToken);
        await _subscriptions.UpsertEntityAsync(new TableEntity(ChangePartition(changedAt), ChangeRow(changedAt, conversion.UserId)), TableUpdateMode.Replace, cancellationToken);
    }

    // What billing said about the conversion; the attribution is the store's own finding and may
    // differ between attempts (a click written in between), so it is not compared.
    private static List<string> ConflictingFields(ConversionRecord stored, ConversionRecord given)
    {
        var fields = new List<string>();
        if (!string.Equals(stored.UserId, given.UserId, StringComparison.Ordinal))
        {
            fields.Add("userId");
        }

        if (!string.Equals(stored.Plan, given.Plan, StringComparison.Ordinal))
        {
            fields.Add("plan");
        }

        if (stored.Amount != given.Amount)
        {
            fields.Add("amount");
        }

        if (!string.Equals(stored.Currency, given.Currency, StringComparison.Ordinal))
        {
            fields.Add("currency");
        }

        // To the millisecond: a table service that keeps fewer fraction digits than a tick must not
        // turn an exact retry into a conflict.
        if (stored.OccurredAt.UtcTicks / TimeSpan.TicksPerMillisecond != given.OccurredAt.UtcTicks / TimeSpan.TicksPerMillisecond)
        {
            fields.Add("occurredAt");
        }

        if (stored.IsTrial != given.IsTrial)
        {
            fields.Add("trial");
        }

        return fields;
    }

    /// <summary>
    /// Users whose subscription state changed at or after <paramref name="since"/> (by the clock of
    /// the instance that changed it), oldest first within each hour: one query per hour from
    /// <paramref name="since"/> to the next hour after now.
    /// </summary>
    public async IAsyncEnumerable<(DateTimeOffset ChangedAt, string UserId)> ReadSubscriptionChangesAsync(DateTimeOffset since, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var end = timeProvider.GetUtcNow().AddHours(1);
        var from = ChangeRow(since, "");
        for (var hour = since.UtcDateTime.Date.AddHours(since.UtcDateTime.Hour); hour < end; hour = hour.AddHours(1))
        {
            var filter = TableClient.CreateQueryFilter($"PartitionKey eq {ChangePartition(hour)} and RowKey ge {from}");
            await foreach (var row in _subscriptions.QueryAsync<TableEntity>(filter, select: ["RowKey"], cancellationToken: cancellationToken))
            {
                var separator = row.RowKey.IndexOf('|', StringComparison.Ordinal);
                if (separator > 0 && long.TryParse(row.RowKey.AsSpan(0, separator), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTimeOffset.MaxValue.UtcTicks)
                {
                    yield return (new DateTimeOffset(ticks, TimeSpan.Zero), row.RowKey[(separator + 1)..]);
                }
            }
        }
    }

    /// <summary>The user's subscription state (none when unknown).</summary>
    public async Task<SubscriptionState> GetSubscriptionAsync(string userId, CancellationToken cancellationToken = default)
    {
        var row = await _subscriptions.GetEntityIfExistsAsync<TableEntity>(UserPartition(userId), userId, cancellationToken: cancellationToken);
        return row.HasValue
            ? new SubscriptionState(row.Value!.GetBoolean("IsSubscriber") == true, row.Value.GetBoolean("HadTrial") == true)
            : SubscriptionState.None;
    }

    /// <summary>Follows in [from, to): clicks, and repeats (<see cref="ClickRecord.RepeatOf"/> set), in partition and row order.</summary>
    public IAsyncEnumerable<ClickRecord> ReadClicksAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken = default)
    {
        // A week of day partitions ({yyyyMMdd}|{shard}, below the d| and u| ones) is one key range: one
        // query per week, several weeks at once (the service may page at partition boundaries). A query
        // per day and shard cost a round trip each, 1,472 for 92 days, and on the emulator a scan of the
        // whole table each.
        var lastDay = to.UtcDateTime == to.UtcDateTime.Date ? to.UtcDateTime.AddDays(-1) : to.UtcDateTime.Date;
        var weeks = new List<(DateTime First, DateTime End)>();
        for (var day = from.UtcDateTime.Date; day <= lastDay; day = day.AddDays(DaysPerQuery))
        {
            var end = day.AddDays(DaysPerQuery);
            weeks.Add((day, end <= lastDay ? end : lastDay.AddDays(1)));
        }

        return OrderedReads.InOrderAsync(weeks, async (week, ct) =>
        {
            var filter = TableClient.CreateQueryFilter(
                $"PartitionKey ge {DayPartitionPrefix(week.First)} and PartitionKey lt {DayPartitionPrefix(week.End)} and ClickedAt ge {from} and ClickedAt lt {to}");
            var rows = new List<ClickRecord>();
            await foreach (var row in _clicks.QueryAsync<TableEntity>(filter, cancellationToken: ct))
            {
                rows.Add(ToClick(row, row.RowKey));
            }

            return rows;
        }, ConcurrentQueries, cancellationToken);
    }

    /// <summary>Claims redeemed, by redemption time, in [from, to) (a scan of the claims table).</summary>
    public async IAsyncEnumerable<ClaimRecord> ReadRedeemedClaimsAsync(DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"Redeemed eq {true} and RedeemedAt ge {from} and RedeemedAt lt {to}");
        await foreach (var r in _claims.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return ToClaim(r);
        }
    }

    /// <summary>Conversions that occurred in [from, to) (a scan of 16 partitions).</summary>
    public async IAsyncEnumerable<ConversionRecord> ReadConversionsAsync(DateTimeOffset from, DateTimeOffset to, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var filter = TableClient.CreateQueryFilter($"OccurredAt ge {from} and OccurredAt lt {to}");
        await foreach (var r in _conversions.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            yield return ToConversion(r);
        }
    }

    private static ClaimRecord ToClaim(TableEntity r) => new(
        r.PartitionKey, r.GetString("ClickId") ?? "", r.GetString("OfferId") ?? "", r.GetString("OfferKind"), r.GetInt32("StartMs") ?? 0,
        r.GetDateTimeOffset("CreatedAt") ?? default, r.GetDateTimeOffset("ExpiresAt") ?? default, KeysOf(r), r.GetDateTimeOffset("RedeemedAt"));

    private static ClickRecord ToClick(TableEntity r, string clickId) =>
        new(clickId, r.GetDateTimeOffset("ClickedAt") ?? default, r.GetString("OfferId") ?? "", r.GetString("Destination") ?? "", r.GetInt32("StartMs") ?? 0, KeysOf(r), r.GetString("RepeatOf"));

    private static ConversionRecord ToConversion(TableEntity r) => new(
        r.RowKey,
        r.GetString("UserId") ?? "",
        r.GetString("Plan") ?? "",
        decimal.Parse(r.GetString("Amount") ?? "0", CultureInfo.InvariantCulture),
        r.GetString("Currency") ?? "",
        r.GetDateTimeOffset("OccurredAt") ?? default,
        r.GetBoolean("IsTrial") == true,
        r.GetString("ClickId") is { } clickId ? new ConversionAttribution(r.GetString("Method") ?? "", clickId, r.GetString("OfferId") ?? "", KeysOf(r)) : null);

    private static TableEntity WithKeys(TableEntity row, AttributionKeys keys)
    {
        row["SongId"] = keys.SongId;
        row["Label"] = keys.Label;
        row["Region"] = keys.Region;
        row["VideoId"] = keys.VideoId;
        row["KeyUserId"] = keys.UserId;
        row["Platform"] = keys.Platform;
        row["Experiment"] = keys.Experiment;
        row["Variant"] = keys.Variant;
        return row;
    }

    private static AttributionKeys KeysOf(TableEntity r) => new(
        r.GetString("SongId") ?? "", r.GetString("Label") ?? "", r.GetString("Region") ?? "", r.GetString("VideoId"),
        r.GetString("KeyUserId"), r.GetString("Platform") ?? "", r.GetString("Experiment"), r.GetString("Variant"));

    // Days of click partitions one query reads, and queries in flight.
    private const int DaysPerQuery = 7;
    private const int ConcurrentQueries = 8;

    private static string DayPartitionPrefix(DateTime day) => day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    private string UserPartition(string userId) => TableKeys.UserPartition(userId, ingestion.Value.UserPartitions);

    private string UserClickPartition(string userId) => "u|" + UserPartition(userId);

    // Who followed an offer's link, by device, next to the clicks (whose day partitions start with a digit).
    private static string FollowPartition(string offerId) => "d|" + offerId;

    // Subscription changes, next to the states (whose partitions are u0000…): c|{yyyyMMddHH} / {ticks}|{user}.
    private static string ChangePartition(DateTimeOffset at) => string.Create(CultureInfo.InvariantCulture, $"c|{at.UtcDateTime:yyyyMMddHH}");

    private static string ChangeRow(DateTimeOffset at, string userId) => string.Create(CultureInfo.InvariantCulture, $"{at.UtcTicks:D19}|{userId}");

    private static string ConversionPartition(string conversionId) =>
        "x" + (TableKeys.StableHash(conversionId) % DayShards).ToString("x", CultureInfo.InvariantCulture);
}

internal static class SubscriptionRowExtensions
{
    // A trial marks HadTrial for good; a paid conversion leaves it as it was.
    public static TableEntity WithTrial(this TableEntity row, bool isTrial)
    {
        if (isTrial)
        {
            row["HadTrial"] = true;
        }

        return row;
    }
}
