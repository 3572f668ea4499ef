using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Resso.Testing;

namespace Resso.Benchmarks;

/// <summary>
/// The attribution report and its series over a seeded world (<see cref="AttributionWorld"/>) of
/// months of traffic, against <c>GET /api/health</c> and the report of one hour measured in the
/// same run: a warm-up request, then <c>repetitions</c> timed ones per target; median, min, max.
/// </summary>
internal static class AttributionReportBenchmark
{
    public static async Task<int> RunAsync(int offers, int songs, int repetitions)
    {
        await using var azurite = await AzuriteServer.StartAsync();
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Warning",
            ["Resso:RateLimits:Enabled"] = "false",
        });
        Console.WriteLine($"Azurite {AzuriteVersion()} (in memory) on 127.0.0.1:{azurite.TablePort}; self-host on {host.BaseAddress}; {Environment.ProcessorCount} cores");
        var world = await AttributionWorld.SeedAsync(
            host.Services, new AttributionWorldOptions { Offers = offers, Songs = songs }, new Progress<string>(line => Console.WriteLine("  seeded " + line)));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"world: {world.From:u} to {world.To:u}; {world.Offers:N0} offers, {world.Clicks:N0} clicks ({world.Follows:N0} follows), {world.ClaimsIssued:N0} claims issued, {world.ClaimsRedeemed:N0} redeemed, {world.Conversions:N0} conversions, {world.Uses:N0} uses; seeded in {world.Elapsed.TotalSeconds:F0} s"));

        using var client = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromMinutes(10) };
        client.DefaultRequestHeaders.Add("x-functions-key", SelfHostServer.TestKey);
        string Period(int days) => string.Create(CultureInfo.InvariantCulture, $"from={world.To.AddDays(-days):yyyy-MM-ddTHH:mm:ssZ}&to={world.To:yyyy-MM-ddTHH:mm:ssZ}");
        var targets = new List<(string Name, string Path)>
        {
            ("baseline: GET /api/health", "/api/health"),
            ("baseline: report, 1 hour, by song", string.Create(CultureInfo.InvariantCulture, $"/api/reports/attribution?from={world.To.AddHours(-1):yyyy-MM-ddTHH:mm:ssZ}&to={world.To:yyyy-MM-ddTHH:mm:ssZ}&groupBy=song")),
        };
        foreach (var days in new[] { 7, 92 })
        {
            foreach (var groupBy in new[] { "song", "label", "region", "video", "variant" })
            {
                targets.Add(($"report, {days} days, by {groupBy}", $"/api/reports/attribution?{Period(days)}&groupBy={groupBy}"));
            }
        }

        targets.Add(("series, 7 days by day, top 5 songs", $"/api/reports/attribution/series?{Period(7)}&interval=day&groupBy=song"));

        var results = new List<(string Name, double Median, double Min, double Max, int Errors, string Answer)>();
        foreach (var (name, path) in targets)
        {
            var (warmOk, warmAnswer, _) = await GetAsync(client, path); // warm-up, not timed
            var answers = new List<(bool Ok, string Answer)> { (warmOk, warmAnswer) };
            var times = new List<double>();
            for (var i = 0; i < repetitions; i++)
            {
                var (ok, answer, ms) = await GetAsync(client, path);
                answers.Add((ok, answer));
                times.Add(ms);
            }

            // Every answer of a request must be the same; a failed one (503 past the storage timeout) is counted, not compared.
            var distinct = answers.Where(a => a.Ok).Select(a => a.Answer).Distinct().ToList();
            if (distinct.Count > 1)
            {
                throw new InvalidOperationException($"{name}: the answer changed between repetitions: {string.Join(" / ", distinct)}");
            }

            times.Sort();
            var errors = answers.Skip(1).Count(a => !a.Ok);
            results.Add((name, times[times.Count / 2], times[0], times[^1], errors, distinct.FirstOrDefault() ?? answers[^1].Answer));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name}: median {times[times.Count / 2]:F0} ms ({string.Join(", ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))}), {errors} failed"));
        }

        // The dashboard's funnel over the same world, in the system's Chromium (not measured without one).
        Console.WriteLine("dashboard pages (Chromium):");
        var pages = await DashboardPageBenchmark.RunAsync(host.BaseAddress, repetitions);

        var health = results[0].Median;
        var hour = results[1].Median;
        Console.WriteLine();
        Console.WriteLine($"| request | median ms | min ms | max ms | failed | ÷ health | ÷ 1-hour report | answer |");
        Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        foreach (var (name, median, min, max, errors, answer) in results)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {median:F1} | {min:F1} | {max:F1} | {errors}/{repetitions} | {median / health:F0}× | {median / hour:F1}× | {answer} |"));
        }

        if (pages.Count > 0)
        {
            Console.WriteLine();
            Console.WriteLine("| page | median ms | min ms | max ms | ÷ trending page | shown |");
            Console.WriteLine("| --- | ---: | ---: | ---: | ---: | --- |");
            foreach (var (name, median, min, max, shown) in pages)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {median:F0} | {min:F0} | {max:F0} | {median / pages[0].Median:F1}× | {shown} |"));
            }
        }

        return 0;
    }

    // The body's size, rows and total offers, and a hash of it without its period, so that runs over the same seed compare answer for answer.
    private static async Task<(bool Ok, string Answer, double Milliseconds)> GetAsync(HttpClient client, string path)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.GetAsync(path);
        var body = await response.Content.ReadAsStringAsync();
        var elapsed = watch.Elapsed.TotalMilliseconds;
        if (!response.IsSuccessStatusCode)
        {
            // Kept in the table rather than thrown: a report that outlives the storage timeout answers 503.
            return (false, string.Create(CultureInfo.InvariantCulture, $"HTTP {(int)response.StatusCode}"), elapsed);
        }

        if (!path.StartsWith("/api/reports/", StringComparison.Ordinal))
        {
            return (true, "", elapsed);
        }

        var json = JsonNode.Parse(body)!.AsObject();
        json.Remove("from");
        json.Remove("to");
        var rows = json["rows"]?.AsArray().Count ?? json["series"]!.AsArray().Count;
        var total = json["total"]!["offers"]?.GetValue<long>() ?? json["total"]!["points"]!.AsArray().Sum(p => p!["offers"]!.GetValue<long>());
        var hash = json.ContainsKey("series") ? "" : " " + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json.ToJsonString())))[..12];
        return (true, string.Create(CultureInfo.InvariantCulture, $"{body.Length / 1024.0:F0} KB, {rows:N0} rows, {total:N0} offers{hash}"), elapsed);
    }

    private static string AzuriteVersion()
    {
        var package = Path.Combine(RepositoryPaths.Root, "node_modules", "azurite", "package.json");
        return File.Exists(package) ? JsonNode.Parse(File.ReadAllText(package))?["version"]?.GetValue<string>() ?? "?" : "?";
    }
}
