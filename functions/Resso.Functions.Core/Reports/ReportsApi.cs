using System.Globalization;
using System.Text;
using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Attribution;
using Resso.Shared.Catalog;

namespace Resso.Functions.Core.Reports;

/// <summary><c>GET /api/reports/attribution?from&amp;to&amp;groupBy</c>: the funnel per song, label, region, video or variant; CSV on <c>Accept: text/csv</c>.</summary>
public static class ReportsApi
{
    /// <summary>The longest period one report covers.</summary>
    public static readonly TimeSpan MaxPeriod = TimeSpan.FromDays(92);

    /// <summary>Maps the route (key required: reports hold revenue).</summary>
    public static IEndpointRouteBuilder MapReportsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/reports/attribution", GetAttributionAsync).WithName("AttributionReport").RequireFunctionKey()
            .WithTags("Reports")
            .WithSummary("The funnel per song, label, region, video or variant")
            .WithDescription("Uses, offers, clicks, claims, conversions, rates with a 95 % interval, and revenue per currency, for [from, to). CSV with `Accept: text/csv`.")
            .WithQuery("from", ApiSchemas.DateOrDateTime, "Start, inclusive; default 7 days before `to`. At most 92 days before `to`.")
            .WithQuery("to", ApiSchemas.DateOrDateTime, "End, exclusive; default now.")
            .WithQuery("groupBy", () => ApiSchemas.Enum("song", "label", "region", "video", "variant").WithDefault("song"), "The grouping (any case). Offers served outside a video group under `(no video)`, offers in no experiment under `(no experiment)`; grouped by song, rows carry the song's title and artist.")
            .WithJsonResponse<AttributionReport>(StatusCodes.Status200OK, "The report.")
            .WithResponse(StatusCodes.Status200OK, "The report; CSV (one line per group, then the total and the unattributed conversions) with `Accept: text/csv`.", "text/csv")
            .WithProblems(StatusCodes.Status400BadRequest, "A query parameter is invalid, or the period is empty or longer than 92 days.", "validation")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Report);
        routes.MapGet("/reports/attribution/series", GetSeriesAsync).WithName("AttributionSeries").RequireFunctionKey()
            .WithTags("Reports")
            .WithSummary("The funnel over time, per hour or day")
            .WithDescription("Offers, clicks, follows, claims, conversions, trials and revenue per interval of [from, to), every interval present (zeros included): for the group `key`, or else for the `top` groups of the period (most conversions, then clicks, then offers), and the total. Counts are the report's, cut by when each thing happened.")
            .WithQuery("from", ApiSchemas.DateOrDateTime, "Start, inclusive (moved back to its interval's start); default 7 days before `to`. At most 92 days before `to`.")
            .WithQuery("to", ApiSchemas.DateOrDateTime, "End, exclusive; default now.")
            .WithQuery("interval", () => ApiSchemas.Enum("hour", "day").WithDefault("day"), "One point per UTC hour or day.")
            .WithQuery("groupBy", () => ApiSchemas.Enum("song", "label", "region", "video", "variant").WithDefault("song"), "The grouping (any case), as in the report.")
            .WithQuery("key", () => ApiSchemas.Text(200), "One group (a song id, label, region, video id or `experiment/variant`, as the report's `key`). Absent: the top groups.")
            .WithQuery("top", () => ApiSchemas.Integer(1, MaxTop, DefaultTop), "How many top groups, without `key`.")
            .WithJsonResponse<AttributionSeriesReport>(StatusCodes.Status200OK, "The series.")
            .WithProblems(StatusCodes.Status400BadRequest, "A query parameter is invalid, or the period is empty or longer than 92 days.", "validation")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Series);
        return routes;
    }

    /// <summary>The most groups a series answer holds.</summary>
    public const int MaxTop = 20;

    /// <summary>Top groups when none is named.</summary>
    public const int DefaultTop = 5;

    /// <summary>
    /// The funnel over time: <c>from</c>/<c>to</c>/<c>groupBy</c> as for the report, <c>interval</c> hour or day
    /// (default day), <c>key</c> one group, else the <c>top</c> (default 5, at most 20) groups.
    /// </summary>
    public static async Task<IResult> GetSeriesAsync(HttpRequest request, AttributionReporter reporter, CatalogSnapshot catalog, TimeProvider timeProvider, StorageGuard guard, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (from, to, groupBy) = Period(request, timeProvider, errors);
        var intervalText = request.Query["interval"].ToString();
        var interval = SeriesInterval.Day;
        if (intervalText.Length > 0 && (!Enum.TryParse(intervalText, ignoreCase: true, out interval) || !Enum.IsDefined(interval) || int.TryParse(intervalText, out _)))
        {
            errors["interval"] = ["must be hour or day."];
        }

        var key = request.Query["key"].ToString() is { Length: > 0 } named ? named : null;
        if (key is { Length: > 200 })
        {
            errors["key"] = ["must be at most 200 characters: a key of the report."];
        }

        var top = QueryValues.WholeNumber(request, "top", DefaultTop, MaxTop, errors);

        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        AttributionSeriesReport series;
        try
        {
            series = await guard.ExecuteAsync(ct => new ValueTask<AttributionSeriesReport>(reporter.BuildSeriesAsync(from, to, interval, groupBy, key, top, ct)), cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }

        if (groupBy == ReportGrouping.Song)
        {
            await catalog.WaitUntilLoadedAsync(cancellationToken);
            var entries = await EntriesAsync(catalog, series.Series.Select(r => r.Key), cancellationToken);
            series = series with { Series = [.. series.Series.Select(r => entries.GetValueOrDefault(r.Key) is { } song ? r with { Title = song.Title, Artist = song.Artist } : r)] };
        }

        return TypedResults.Ok(series);
    }

    // from, to and groupBy, as the report and the series read them.
    private static (DateTimeOffset From, DateTimeOffset To, ReportGrouping GroupBy) Period(HttpRequest request, TimeProvider timeProvider, Dictionary<string, string[]> errors)
    {
        var now = timeProvider.GetUtcNow();
        var to = Time(request.Query["to"], "to", now, errors);
        var from = Time(request.Query["from"], "from", to.AddDays(-7), errors);
        if (errors.Count == 0 && (from >= to || to - from > MaxPeriod))
        {
            errors["from"] = [$"must be before 'to', at most {MaxPeriod.TotalDays:0} days earlier."];
        }

        var groupText = request.Query["groupBy"].ToString();
        var groupBy = ReportGrouping.Song;
        if (groupText.Length > 0 && (!Enum.TryParse(groupText, ignoreCase: true, out groupBy) || !Enum.IsDefined(groupBy) || int.TryParse(groupText, out _)))
        {
            errors["groupBy"] = ["must be song, label, region, video or variant."];
        }

        return (from, to, groupBy);
    }

    /// <summary>
    /// <c>from</c> and <c>to</c> are ISO 8601 dates or date-times (UTC when no offset), <c>to</c>
    /// exclusive, default the last 7 days; at most 92 days; <c>groupBy</c> defaults to song.
    /// </summary>
    public static async Task<IResult> GetAttributionAsync(HttpRequest request, AttributionReporter reporter, CatalogSnapshot catalog, TimeProvider timeProvider, StorageGuard guard, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var (from, to, groupBy) = Period(request, timeProvider, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        // Labels of songs with uses from the catalog in memory: a table read per song took seconds for a catalog of thousands.
        Func<string, string>? labelOf = null;
        if (groupBy == ReportGrouping.Label)
        {
            await catalog.WaitUntilLoadedAsync(cancellationToken);
            labelOf = catalog.IsLoaded ? songId => catalog.LabelOf(songId) ?? "" : null;
        }

        AttributionReport report;
        try
        {
            report = await guard.ExecuteAsync(ct => new ValueTask<AttributionReport>(reporter.BuildAsync(from, to, groupBy, labelOf, ct)), cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }

        if (groupBy == ReportGrouping.Song)
        {
            await catalog.WaitUntilLoadedAsync(cancellationToken);
            var entries = await EntriesAsync(catalog, report.Rows.Select(r => r.Key), cancellationToken);
            report = report with { Rows = [.. report.Rows.Select(r => entries.GetValueOrDefault(r.Key) is { } song ? r with { Title = song.Title, Artist = song.Artist } : r)] };
        }

        return request.Headers.Accept.ToString().Contains("text/csv", StringComparison.OrdinalIgnoreCase)
            ? TypedResults.Text(ToCsv(report), "text/csv; charset=utf-8", Encoding.UTF8)
            : TypedResults.Ok(report);
    }

    /// <summary>
    /// The report as CSV: one line per group, then the total and the unattributed conversions.
    /// <c>follows</c> (every follow, repeats included), then <c>title</c> and <c>artist</c> (grouped by song), come after the
    /// rates, so that the columns before them keep their places.
    /// </summary>
    public static string ToCsv(AttributionReport report)
    {
        var currencies = report.Rows.Append(report.Total).SelectMany(r => r.Revenue.Keys).Concat(report.UnattributedRevenue.Keys).Distinct().Order(StringComparer.Ordinal).ToList();
        var csv = new StringBuilder();
        csv.Append(report.GroupBy.ToString().ToLowerInvariant())
            .Append(",uses,offers,clicks,claims,conversions,trials,click_through_rate,conversion_rate,conversion_rate_low95,conversion_rate_high95,follows,title,artist");
        foreach (var currency in currencies)
        {
            csv.Append(",revenue_").Append(currency);
        }

        csv.Append('\n');
        foreach (var row in report.Rows.Append(report.Total))
        {
            csv.Append(Field(row.Key)).Append(',').Append(row.Uses?.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(CultureInfo.InvariantCulture, $"{row.Offers},{row.Clicks},{row.Claims},{row.Conversions},{row.Trials},")
                .Append(Number(row.ClickThroughRate)).Append(',').Append(Number(row.ConversionRate)).Append(',')
                .Append(Number(row.ConversionRateInterval?.Low)).Append(',').Append(Number(row.ConversionRateInterval?.High))
                .Append(',').Append(row.Follows.ToString(CultureInfo.InvariantCulture))
                .Append(',').Append(Field(row.Title ?? "")).Append(',').Append(Field(row.Artist ?? ""));
            foreach (var currency in currencies)
            {
                csv.Append(',').Append(row.Revenue.TryGetValue(currency, out var amount) ? amount.ToString(CultureInfo.InvariantCulture) : "0");
            }

            csv.Append('\n');
        }

        csv.Append(CultureInfo.InvariantCulture, $"unattributed,,,,,{report.UnattributedConversions},,,,,,,,");
        foreach (var currency in currencies)
        {
            csv.Append(',').Append(report.UnattributedRevenue.TryGetValue(currency, out var amount) ? amount.ToString(CultureInfo.InvariantCulture) : "0");
        }

        return csv.Append('\n').ToString();

        static string Number(double? value) => value?.ToString("0.######", CultureInfo.InvariantCulture) ?? "";

        // Keys are ids or labels; quote anything that could break a cell or start a formula.
        static string Field(string value) =>
            value.Length > 0 && (value.IndexOfAny([',', '"', '\n', '\r']) >= 0 || value[0] is '=' or '+' or '-' or '@')
                ? "\"" + (value[0] is '=' or '+' or '-' or '@' ? "'" : "") + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\""
                : value;
    }

    private static DateTimeOffset Time(string? text, string name, DateTimeOffset fallback, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrEmpty(text))
        {
            return fallback;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value))
        {
            return value;
        }

        errors[name] = ["must be an ISO 8601 date or date-time, e.g. 2026-11-01 or 2026-11-01T00:00:00Z."];
        return fallback;
    }

    // The rows' titles and artists from the snapshot, the songs newer than it in one batch; without titles rather than no report when storage fails meanwhile.
    private static async Task<IReadOnlyDictionary<string, SongDetails>> EntriesAsync(CatalogSnapshot catalog, IEnumerable<string> songIds, CancellationToken cancellationToken)
    {
        try
        {
            return await catalog.GetDetailsAsync(songIds, cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return new Dictionary<string, SongDetails>();
        }
    }
}
