using System.Globalization;
using System.Text.Json;
using Microsoft.Playwright;
using Resso.Shared.Attribution;
using Resso.Testing;
using Resso.Traffic.Cli;
using Resso.Traffic.Sending;
using Resso.Traffic.Storage;

[assembly: AssemblyFixture(typeof(Resso.Dashboard.Tests.DashboardWorld))]

namespace Resso.Dashboard.Tests;

/// <summary>
/// What the dashboard is looked at over, built once for the assembly: real Azurite, the real
/// self-host, the traffic generator's demo world (catalog, events counted, a model published, the
/// catalog rolled up), then offers, clicks, claims and conversions made over HTTP as the apps make
/// them, in known numbers (<see cref="Seeded"/>); and one headless Chromium.
/// </summary>
public sealed class DashboardWorld : IAsyncLifetime
{
    /// <summary>Songs that get offers: the worldwide top five, each with fewer offers, clicks and conversions than the one before.</summary>
    public const int OfferedSongs = 5;

    private static readonly Dictionary<string, string?> FastTraining = new()
    {
        ["Resso:Training:LatentDimension"] = "16",
        ["Resso:Training:Epochs"] = "10",
        ["Resso:Training:ModelPollInterval"] = "00:00:01",

        // The sample settings' experiment, so that offers fall into variants.
        ["Resso:Offers:Experiments:0:Name"] = "trial-length",
        ["Resso:Offers:Experiments:0:Variants:0:Name"] = "t30",
        ["Resso:Offers:Experiments:0:Variants:0:Weight"] = "1",
        ["Resso:Offers:Experiments:0:Variants:1:Name"] = "t14",
        ["Resso:Offers:Experiments:0:Variants:1:Weight"] = "1",
        ["Resso:Offers:Experiments:0:Variants:1:TrialDays"] = "14",
    };

    private AzuriteServer? _azurite;
    private SelfHostServer? _host;
    private IPlaywright? _playwright;
    private IBrowser? _browser;

    /// <summary>The browser's executable; null when none is installed (the tests then skip, or fail in CI).</summary>
    public string? Executable { get; } = SystemChromium.Executable();

    public SelfHostServer Host => _host ?? throw new InvalidOperationException("The self-host has not started.");

    public IBrowser Chromium => _browser ?? throw new InvalidOperationException("Chromium has not started.");

    /// <summary>The offers, distinct clicks, claims and conversions made, and the songs they were made for.</summary>
    public SeededFunnel Seeded { get; private set; } = new(0, 0, 0, 0, []);

    public async ValueTask InitializeAsync()
    {
        if (Executable is null)
        {
            return;
        }

        _azurite = await AzuriteServer.StartAsync();
        _host = await SelfHostServer.StartAsync(_azurite.ConnectionString, FastTraining);
        await SeedDemoAsync(_azurite.ConnectionString, _host);
        Seeded = await SeedFunnelAsync(_host);
        (_playwright, _browser) = await SystemChromium.LaunchAsync(Executable);
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.DisposeAsync();
        }

        _playwright?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }

    // The README's demo, small: the generator seeds the catalog and events, waits until they are counted, retrains and rolls up;
    // without its funnel, so that the one seeded below is all the report holds.
    private static async Task SeedDemoAsync(string connectionString, SelfHostServer host)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new TrafficCommand(output, error, TimeProvider.System)
        {
            WorkingDirectory = Path.GetTempPath(),
            Environment = name => name switch
            {
                "AzureWebJobsStorage" => connectionString,
                "Resso__Storage__Prefix" => host.StoragePrefix,
                _ => null,
            },
            EmptinessProbe = static (connection, prefix) => InteractionsTableProbe.Create(connection, prefix),
        };
        string[] args = ["--demo", "--url", host.BaseAddress.ToString(), "--key", SelfHostServer.TestKey, "--events", "3000", "--users", "400", "--songs", "300", "--clusters", "6", "--wait-timeout", "240", "--funnel-offers", "0"];
        var exitCode = await command.RunAsync(args);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"The demo did not get ready (exit {exitCode}):\n{error}\n{output}");
        }
    }

    // Song i of the top five gets 8 - i offers (every other one in a video), 4 - i distinct clicks
    // (each viewer on their own Android phone), 3 - i claims and as many conversions (the first a
    // trial, the rest paid in USD).
    private static async Task<SeededFunnel> SeedFunnelAsync(SelfHostServer host)
    {
        using var trending = JsonDocument.Parse(await host.Client.GetStringAsync(new Uri($"/api/trending?count={OfferedSongs}", UriKind.Relative)));
        var songs = trending.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("songId").GetString()!).ToList();
        if (songs.Count < OfferedSongs)
        {
            throw new InvalidOperationException($"The demo world has {songs.Count} trending songs, fewer than {OfferedSongs}.");
        }

        // The requests the apps make, as the demo's funnel step makes them.
        var api = new ServiceApi(host.Client, host.BaseAddress, SelfHostServer.TestKey, TimeProvider.System);
        using var phone = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false });
        int offers = 0, clicks = 0, claims = 0, conversions = 0;
        for (var i = 0; i < OfferedSongs; i++)
        {
            for (var j = 0; j < 8 - i; j++)
            {
                var viewer = string.Create(CultureInfo.InvariantCulture, $"u_dash_{i}_{j}");
                var offer = await api.GetOfferAsync(songs[i], viewer, j % 2 == 0 ? string.Create(CultureInfo.InvariantCulture, $"v_dash_{i}") : null, "US", "android");
                offers++;
                if (j >= 4 - i)
                {
                    continue;
                }

                // The viewer follows the link on a phone without the app: the store, with a claim code.
                var code = await api.FollowLinkAsync(phone, offer.Universal, $"Mozilla/5.0 (Linux; Android 14; Pixel {i}{j}) Mobile")
                    ?? throw new InvalidOperationException($"Following {offer.Universal.AbsolutePath} gave no claim code.");
                clicks++;
                if (j >= 3 - i)
                {
                    continue;
                }

                await api.RedeemClaimAsync(code);
                claims++;
                var trial = j == 0;
                await api.ConvertAsync(new Conversion($"conv_dash_{i}_{j}", viewer, "premium-monthly", trial ? 0m : 10.99m, "USD", DateTimeOffset.UtcNow, trial, code));
                conversions++;
            }
        }

        // Offers and clicks are written behind the answers; the report reads storage.
        await host.Get<AnalyticsWriter>().FlushAsync();
        return new SeededFunnel(offers, clicks, claims, conversions, songs);
    }
}

/// <summary>What <see cref="DashboardWorld"/> made, to check the report against.</summary>
public sealed record SeededFunnel(int Offers, int Clicks, int Claims, int Conversions, IReadOnlyList<string> Songs);
