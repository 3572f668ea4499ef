using System.Globalization;
using Microsoft.Playwright;
using Resso.Dashboard.Tests;
using Resso.Testing;

namespace Resso.Benchmarks;

/// <summary>
/// The dashboard's pages in the system's Chromium over whatever the self-host at <c>root</c> holds:
/// from the start of navigation (a fresh tab, the key already in its session) to the page's own
/// <c>ready:page-…</c> mark, which it sets once the API answered and the chart and table are drawn;
/// then the funnel switched to 92 days, from the change to the next mark. The trending page, whose
/// API answer is small, is the baseline of the same run. A warm-up, then <c>repetitions</c> timed runs.
/// </summary>
internal static class DashboardPageBenchmark
{
    public static async Task<List<(string Name, double Median, double Min, double Max, string Shown)>> RunAsync(Uri root, int repetitions)
    {
        var results = new List<(string, double, double, double, string)>();
        if (SystemChromium.Executable() is not { } executable)
        {
            Console.WriteLine($"  dashboard pages: not measured. {SystemChromium.Install}");
            return results;
        }

        var (playwright, browser) = await SystemChromium.LaunchAsync(executable);
        using (playwright)
        {
            await using (browser)
            {
                var targets = new (string Name, string Page, string? Period)[]
                {
                    ("baseline: trending page (top 50)", "trending", null),
                    ("funnel page, 7 days, by song (the default)", "funnel", null),
                    ("funnel page, switched to 92 days, by song", "funnel", "92d"),
                };
                foreach (var (name, page, period) in targets)
                {
                    var times = new List<double>();
                    var shown = "";
                    for (var i = 0; i <= repetitions; i++)
                    {
                        var (ms, rows) = await LoadAsync(browser, root, page, period);
                        shown = string.Create(CultureInfo.InvariantCulture, $"{rows:N0} rows");
                        if (i > 0)
                        {
                            times.Add(ms);
                        }
                    }

                    times.Sort();
                    results.Add((name, times[times.Count / 2], times[0], times[^1], shown));
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: median {times[times.Count / 2]:F0} ms ({string.Join(", ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}), {shown}"));
                }
            }
        }

        return results;
    }

    // Milliseconds to the page's ready mark (after the period change when one is given), and the rows it shows.
    private static async Task<(double Milliseconds, int Rows)> LoadAsync(IBrowser browser, Uri root, string page, string? period)
    {
        await using var context = await browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 1000 } });
        await context.AddInitScriptAsync($"sessionStorage.setItem('resso.dashboard.key', '{SelfHostServer.TestKey}');");
        var tab = await context.NewPageAsync();
        tab.SetDefaultTimeout(120_000);
        await tab.GotoAsync(new Uri(root, "/dashboard/#" + page).ToString());
        var ready = $"section#page-{page}[data-state=ready]";
        await tab.Locator(ready).WaitForAsync();
        var mark = $"ready:page-{page}";
        double milliseconds;
        if (period is null)
        {
            milliseconds = await tab.EvaluateAsync<double>("mark => performance.getEntriesByName(mark)[0].startTime", mark);
        }
        else
        {
            var start = await tab.EvaluateAsync<double>("() => performance.now()");
            await tab.Locator("#funnel-period").SelectOptionAsync(period);
            await tab.Locator(ready).WaitForAsync();
            milliseconds = await tab.EvaluateAsync<double>("mark => performance.getEntriesByName(mark).at(-1).startTime", mark) - start;
        }

        var table = page == "trending" ? "#trending-table tbody tr[data-song]" : "#funnel-table tbody tr";
        return (milliseconds, await tab.Locator(table).CountAsync());
    }
}
