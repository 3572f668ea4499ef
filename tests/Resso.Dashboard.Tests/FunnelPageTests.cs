using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Resso.Testing;

namespace Resso.Dashboard.Tests;

/// <summary>The funnel page against the report API it draws: every number, every grouping and period, sorting and the CSV.</summary>
public sealed class FunnelPageTests(DashboardWorld world)
{
    // The columns whose data-value is the report row's field as JSON writes it.
    private static readonly string[] Counts = ["uses", "offers", "clicks", "follows", "claims", "conversions", "trials"];
    private static readonly string[] Rates = ["clickThroughRate", "conversionRate"];

    /// <summary>A table as the page shows it: per row its key and each cell's data-value.</summary>
    internal sealed record TableRow(string Key, Dictionary<string, string> Cells);

    internal static async Task<List<TableRow>> ReadTableAsync(IPage page, string selector)
    {
        var json = await page.EvaluateAsync<string>(
            """
            (selector) => JSON.stringify([...document.querySelectorAll(selector)].map(tr => ({
              key: tr.dataset.key ?? '',
              cells: Object.fromEntries([...tr.querySelectorAll('td[data-col]')].map(td => [td.dataset.col, td.dataset.value ?? '']))
            })))
            """,
            selector);
        using var document = JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(r => new TableRow(
            r.GetProperty("key").GetString()!,
            r.GetProperty("cells").EnumerateObject().ToDictionary(c => c.Name, c => c.Value.GetString()!, StringComparer.Ordinal)))];
    }

    // One row of the table equals one row of the report, field by field.
    private static void AssertRowEquals(JsonElement expected, TableRow actual)
    {
        var key = expected.GetProperty("key").GetString()!;
        foreach (var column in Counts.Concat(Rates))
        {
            var value = expected.GetProperty(column);
            Assert.True(actual.Cells.TryGetValue(column, out var shown), $"{key}: no {column} cell");
            if (value.ValueKind == JsonValueKind.Null)
            {
                Assert.True(shown is "" or "null", $"{key}.{column}: '{shown}' for null");
            }
            else
            {
                Assert.True(value.GetDouble() == double.Parse(shown, CultureInfo.InvariantCulture), $"{key}.{column}: page {shown}, API {value.GetRawText()}");
            }
        }

        var interval = expected.GetProperty("conversionRateInterval");
        foreach (var (column, bound) in new[] { ("conversionRateLow", "low"), ("conversionRateHigh", "high") })
        {
            var shown = actual.Cells[column];
            if (interval.ValueKind == JsonValueKind.Null)
            {
                Assert.True(shown is "" or "null", $"{key}.{column}: '{shown}' for null");
            }
            else
            {
                Assert.Equal(interval.GetProperty(bound).GetDouble(), double.Parse(shown, CultureInfo.InvariantCulture));
            }
        }

        Assert.Equal(Revenue(expected.GetProperty("revenue")), ParseRevenue(actual.Cells["revenue"]));
    }

    private static Dictionary<string, decimal> Revenue(JsonElement revenue) =>
        revenue.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDecimal(), StringComparer.Ordinal);

    // "USD 32.97; IDR 54990" → {USD: 32.97, IDR: 54990}
    private static Dictionary<string, decimal> ParseRevenue(string shown) =>
        shown.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(part => part.Split(' ', 2))
            .ToDictionary(p => p[0], p => decimal.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);

    private static async Task<JsonElement> ReportAsync(SelfHostServer host, Uri asked)
    {
        // The same question the page asked, asked again with the key: the API's answer to compare with.
        using var response = await host.KeyedClient.GetAsync(new Uri(asked.PathAndQuery, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static async Task AssertTableEqualsReportAsync(DashboardSession session, JsonElement report)
    {
        var rows = await ReadTableAsync(session.Page, "#funnel-table tbody tr");
        var expected = report.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(expected.Select(r => r.GetProperty("key").GetString()).Order(StringComparer.Ordinal), rows.Select(r => r.Key).Order(StringComparer.Ordinal));
        foreach (var row in expected)
        {
            AssertRowEquals(row, rows.Single(r => r.Key == row.GetProperty("key").GetString()));
        }

        var total = await ReadTableAsync(session.Page, "#funnel-table tfoot tr");
        AssertRowEquals(report.GetProperty("total"), Assert.Single(total));
    }

    [Fact]
    public async Task Funnel_EveryGrouping_TableEqualsTheReportApi_AndTheSeededFunnelIsTheTotal()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel");
        await session.ReadyAsync("funnel");

        // Song is the default: every other grouping, then song again.
        foreach (var groupBy in new[] { "label", "region", "video", "variant", "song" })
        {
            var response = await session.ActAndWaitAsync("funnel", "/api/reports/attribution?", () => session.Page.Locator("#funnel-groupby").SelectOptionAsync(groupBy));
            var asked = new Uri(response.Url);
            Assert.Contains($"groupBy={groupBy}", asked.Query, StringComparison.Ordinal);
            Assert.DoesNotContain(SelfHostServer.TestKey, asked.ToString(), StringComparison.Ordinal);
            var report = await ReportAsync(world.Host, asked);
            await AssertTableEqualsReportAsync(session, report);

            // What was made over HTTP is what the page totals, whatever the grouping.
            var total = Assert.Single(await ReadTableAsync(session.Page, "#funnel-table tfoot tr")).Cells;
            Assert.Equal(
                (world.Seeded.Offers, world.Seeded.Clicks, world.Seeded.Claims, world.Seeded.Conversions),
                (int.Parse(total["offers"], CultureInfo.InvariantCulture), int.Parse(total["clicks"], CultureInfo.InvariantCulture),
                 int.Parse(total["claims"], CultureInfo.InvariantCulture), int.Parse(total["conversions"], CultureInfo.InvariantCulture)));
        }

        // Grouped by song, rows carry the catalog's title and artist.
        var top = world.Seeded.Songs[0];
        var titled = session.Page.Locator($"#funnel-table tbody tr[data-key=\"{top}\"] td[data-col=title]");
        Assert.NotEqual("", (await titled.InnerTextAsync()).Trim());
        session.AssertClean();
    }

    [Fact]
    public async Task Funnel_SwitchingThePeriod_AsksForThatPeriod_AndShowsItsReport()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel");
        await session.ReadyAsync("funnel");

        foreach (var (period, days) in new[] { ("24h", 1), ("30d", 30), ("92d", 92), ("7d", 7) })
        {
            var response = await session.ActAndWaitAsync("funnel", "/api/reports/attribution?", () => session.Page.Locator("#funnel-period").SelectOptionAsync(period));
            var asked = new Uri(response.Url);
            var query = System.Web.HttpUtility.ParseQueryString(asked.Query);
            var from = DateTimeOffset.Parse(query["from"]!, CultureInfo.InvariantCulture);
            var to = DateTimeOffset.Parse(query["to"]!, CultureInfo.InvariantCulture);
            Assert.InRange((to - from).TotalDays, days - 1.01, days + 0.01);
            await AssertTableEqualsReportAsync(session, await ReportAsync(world.Host, asked));
        }

        session.AssertClean();
    }

    [Fact]
    public async Task Funnel_ClickingAColumn_SortsByIt_BothWays()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel");
        await session.ActAndWaitAsync("funnel", "/api/reports/attribution?", () => session.Page.Locator("#funnel-groupby").SelectOptionAsync("video"));

        var header = session.Page.Locator("#funnel-table thead th[data-col=offers]");
        await header.ClickAsync();
        var once = (await ReadTableAsync(session.Page, "#funnel-table tbody tr")).Select(r => double.Parse(r.Cells["offers"], CultureInfo.InvariantCulture)).ToList();
        await header.ClickAsync();
        var twice = (await ReadTableAsync(session.Page, "#funnel-table tbody tr")).Select(r => double.Parse(r.Cells["offers"], CultureInfo.InvariantCulture)).ToList();

        Assert.True(once.Distinct().Count() > 1, "the seeded videos have different offer counts");
        var ascending = once.Order().ToList();
        Assert.True(once.SequenceEqual(ascending) || once.SequenceEqual(ascending.AsEnumerable().Reverse()), string.Join(",", once));
        Assert.Equal(once.AsEnumerable().Reverse(), twice);
        session.AssertClean();
    }

    [Fact]
    public async Task Funnel_Csv_IsExactlyTheTableShown_InItsOrder()
    {
        await using var session = await DashboardSession.OpenAsync(world, "funnel");
        await session.ActAndWaitAsync("funnel", "/api/reports/attribution?", () => session.Page.Locator("#funnel-groupby").SelectOptionAsync("song"));
        await session.Page.Locator("#funnel-table thead th[data-col=clicks]").ClickAsync();

        var download = await session.Page.RunAndWaitForDownloadAsync(() => session.Page.Locator("#funnel-csv").ClickAsync());
        var path = await download.PathAsync();
        var lines = Csv.Parse(await File.ReadAllTextAsync(path));

        var columns = await session.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#funnel-table thead th[data-col]')].map(th => th.dataset.col)");
        var rows = await ReadTableAsync(session.Page, "#funnel-table tbody tr");
        Assert.EndsWith(".csv", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Equal(columns, lines[0]);
        Assert.Equal(rows.Count, lines.Count - 1);
        for (var i = 0; i < rows.Count; i++)
        {
            Assert.Equal(columns.Select(c => c == "key" ? rows[i].Key : rows[i].Cells.GetValueOrDefault(c, "")), lines[i + 1]);
        }

        session.AssertClean();
    }
}
