using System.Globalization;
using System.Text.Json;

namespace Resso.Dashboard.Tests;

/// <summary>Over time, experiments, trending, model and ingestion, each against the API it draws.</summary>
public sealed class PageTests(DashboardWorld world)
{
    private static async Task<JsonElement> GetAsync(HttpClient client, string pathAndQuery)
    {
        using var response = await client.GetAsync(new Uri(pathAndQuery, UriKind.Relative));
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    [Fact]
    public async Task OverTime_EachSeriesSum_EqualsTheSeriesApi_ForTheMeasureShown()
    {
        await using var session = await DashboardSession.OpenAsync(world, "over-time");
        await session.ReadyAsync("over-time");

        foreach (var measure in new[] { "offers", "clicks", "conversions" })
        {
            // Changing the measure may redraw what is loaded rather than ask again: compare with the last question asked.
            await session.Page.Locator("#series-measure").SelectOptionAsync(measure);
            await session.ReadyAsync("over-time");
            var asked = new Uri(session.Requests.Last(url => url.Contains("/api/reports/attribution/series?", StringComparison.Ordinal)));
            var series = await GetAsync(world.Host.KeyedClient, asked.PathAndQuery);
            var rows = await FunnelPageTests.ReadTableAsync(session.Page, "#series-table tbody tr");
            var expected = series.GetProperty("series").EnumerateArray().ToList();
            Assert.NotEmpty(expected);
            foreach (var one in expected)
            {
                var key = one.GetProperty("key").GetString()!;
                var sum = one.GetProperty("points").EnumerateArray().Sum(p => p.GetProperty(measure).GetInt64());
                var row = rows.SingleOrDefault(r => r.Key == key);
                Assert.True(row is not null, $"no row for {key}");
                Assert.Equal(sum, Number(row.Cells["sum"]));
            }
        }

        Assert.Equal(1, await session.Page.Locator("#series-chart canvas").CountAsync());
        session.AssertClean();
    }

    [Fact]
    public async Task Experiments_EachVariant_EqualsTheVariantReport()
    {
        await using var session = await DashboardSession.OpenAsync(world, "experiments");
        await session.ReadyAsync("experiments");

        // The report may be answered before a wait for it could begin (the key is entered as the page opens): read what the page asked.
        var asked = new Uri(session.Requests.Last(url => url.Contains("/api/reports/attribution?", StringComparison.Ordinal)));
        var report = await GetAsync(world.Host.KeyedClient, asked.PathAndQuery);

        var variants = report.GetProperty("rows").EnumerateArray()
            .Where(r => r.GetProperty("key").GetString()!.Contains('/', StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(variants);
        foreach (var row in variants)
        {
            var (experiment, variant) = (row.GetProperty("key").GetString()!.Split('/')[0], row.GetProperty("key").GetString()!.Split('/')[1]);
            var shown = session.Page.Locator($"table.experiment[data-experiment=\"{experiment}\"] tr[data-variant=\"{variant}\"]");
            Assert.Equal(1, await shown.CountAsync());
            foreach (var column in new[] { "offers", "clicks", "conversions" })
            {
                var cell = shown.Locator($"td[data-col={column}]");
                Assert.Equal(row.GetProperty(column).GetInt64(), Number((await cell.GetAttributeAsync("data-value"))!));
            }
        }

        session.AssertClean();
    }

    [Fact]
    public async Task Trending_RowsAreTheApisInOrder_WithTitles_AndTheWindowSwitches()
    {
        await using var session = await DashboardSession.OpenAsync(world, "trending");
        await session.ReadyAsync("trending");

        foreach (var window in new[] { "7d", "24h" })
        {
            var response = await session.ActAndWaitAsync("trending", "/api/trending?", () => session.Page.Locator("#trending-window").SelectOptionAsync(window));
            var asked = new Uri(response.Url);
            Assert.Contains($"window={window}", asked.Query, StringComparison.Ordinal);
            var trending = await GetAsync(world.Host.Client, asked.PathAndQuery);
            var expected = trending.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("songId").GetString()).ToList();
            var shown = await session.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#trending-table tr[data-song]')].map(tr => tr.dataset.song)");
            Assert.NotEmpty(expected);
            Assert.Equal(expected, shown);
            var firstTitle = trending.GetProperty("items")[0].GetProperty("title").GetString()!;
            Assert.Contains(firstTitle, await session.Page.Locator($"#trending-table tr[data-song=\"{expected[0]}\"]").InnerTextAsync(), StringComparison.Ordinal);
        }

        session.AssertClean();
    }

    [Fact]
    public async Task Model_ShowsThePublishedVersion_AndEveryVersionTheApiLists()
    {
        await using var session = await DashboardSession.OpenAsync(world, "model");
        await session.ReadyAsync("model");
        var model = await GetAsync(world.Host.Client, "/api/model");
        var version = model.GetProperty("version").GetString()!;

        Assert.Contains(version, await session.Page.Locator("#model-current").InnerTextAsync(), StringComparison.Ordinal);
        var versions = await GetAsync(world.Host.Client, "/api/model/versions");
        var listed = versions.GetProperty("versions").EnumerateArray().Select(v => v.GetProperty("version").GetString()).ToList();
        var shown = await session.Page.EvaluateAsync<string[]>("() => [...document.querySelectorAll('#model-table tr[data-version]')].map(tr => tr.dataset.version)");
        Assert.Contains(version, listed);
        Assert.Equal(listed, shown);
        session.AssertClean();
    }

    [Fact]
    public async Task Ingestion_TilesShowTheHealthQueues_AndTheChartIsDrawn()
    {
        await using var session = await DashboardSession.OpenAsync(world, "ingestion");
        await session.ReadyAsync("ingestion");
        var health = await GetAsync(world.Host.Client, "/api/health");
        var songUsed = health.GetProperty("queues").GetProperty("songUsed");

        // The demo drained the queue: nothing waits, nothing is poisoned.
        Assert.Equal(songUsed.GetProperty("depth").GetInt64(), Number((await session.Page.Locator("#ingestion-depth").GetAttributeAsync("data-value"))!));
        Assert.Equal(songUsed.GetProperty("poisonDepth").GetInt64(), Number((await session.Page.Locator("#ingestion-poison").GetAttributeAsync("data-value"))!));
        Assert.Equal(1, await session.Page.Locator("#ingestion-chart canvas").CountAsync());

        // The minutes the page plots are the API's: what the demo sent was counted on this instance.
        var minutes = await GetAsync(world.Host.KeyedClient, "/api/metrics/ingestion?minutes=60");
        Assert.True(minutes.GetProperty("totals").GetProperty("counted").GetInt64() > 0, minutes.ToString());
        session.AssertClean();
    }
}
