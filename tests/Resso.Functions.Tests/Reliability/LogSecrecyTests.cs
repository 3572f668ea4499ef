using System.Collections.Concurrent;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Resso.Functions.Tests.EndToEnd;
using Resso.Shared.Attribution;
using Resso.Functions.Core.Hosting;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// Logs are read by more people than keys should be: whatever the host logs while it is handed
/// function keys (header and <c>?code=</c>), wrong keys, signed link tokens, claim codes and bad
/// input, none of those values, nor the link-signing key or the listener's user id, may appear in a
/// log line — with host.json's logging removed and every category at Trace.
/// </summary>
public sealed class LogSecrecyTests(AzuriteFixture azurite)
{
    private const string RotatedKey = "rotated-K3y-7f3a9c2e5b81";
    private const string WrongKey = "wrong-K3y-0d4c6a9e1f27";

    [Fact]
    public async Task Logs_NeverCarryKeysTokensOrClaimCodes()
    {
        var capture = new LogCapture();
        await using var host = await SelfHostServer.StartAsync(
            azurite.ConnectionString,
            new Dictionary<string, string?> { ["Resso:Api:Keys"] = $"{SelfHostServer.TestKey},{RotatedKey}" },
            services =>
            {
                services.AddSingleton<ILoggerProvider>(capture);

                // host.json's logging removed and everything at Trace, for every provider and for this
                // one by name, as an operator chasing a problem might set it: only what the product
                // itself filters in code stays off. (Registered before the product's own settings, so it runs first.)
                services.PostConfigure<LoggerFilterOptions>(o =>
                {
                    o.Rules.Clear();
                    o.MinLevel = LogLevel.Trace;
                    o.Rules.Add(new LoggerFilterRule(null, null, LogLevel.Trace, null));
                    o.Rules.Add(new LoggerFilterRule(typeof(LogCapture).FullName, null, LogLevel.Trace, null));
                });
            });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };
        var secrets = new List<string> { RotatedKey, WrongKey, SelfHostServer.TestKey, "u_log" };
        secrets.AddRange(host.Get<IConfiguration>().GetSection("Resso:Links:Keys").GetChildren().Select(k => k.Value!).Where(v => v.Length > 0));

        // Keys in the header, in ?code=, and wrong ones.
        using (var put = await IngestionHarness.PutSongAsync(host, "s_log", new { title = "Log", artist = "A", label = "L", durationMs = 200_000 }, RotatedKey))
        {
            put.EnsureSuccessStatusCode();
        }

        using (await client.PostAsync(new Uri($"/api/events?code={RotatedKey}", UriKind.Relative), JsonContent.Create(new { eventId = "bad" }), TestContext.Current.CancellationToken))
        using (await client.PostAsync(new Uri($"/api/events?code={WrongKey}", UriKind.Relative), JsonContent.Create(new { eventId = "e" }), TestContext.Current.CancellationToken))
        using (await IngestionHarness.SendAsync(host, HttpMethod.Get, "/api/reports/attribution", null, WrongKey))
        {
        }

        // A signed link, followed, its claim code redeemed twice, then used in a conversion with the token.
        // The viewer is named by an access token, a secret too.
        var accessToken = ListenerAuthentication.CreateDevelopmentToken("u_log", DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        secrets.Add(accessToken);
        using var offerRequest = new HttpRequestMessage(HttpMethod.Get, "/api/songs/s_log/offer?region=ID&platform=android");
        offerRequest.Headers.Authorization = new("Bearer", accessToken);
        using var offerResponse = await client.SendAsync(offerRequest, TestContext.Current.CancellationToken);
        var offer = JsonDocument.Parse(await offerResponse.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var universal = new Uri(offer.GetProperty("links").GetProperty("universal").GetString()!);
        var token = universal.AbsolutePath.Split('/').Last();
        secrets.Add(token);
        using var follow = await client.GetAsync(new Uri(universal.AbsolutePath, UriKind.Relative), TestContext.Current.CancellationToken);
        var code = Uri.UnescapeDataString(follow.Headers.Location!.Query.Split("referrer=")[1]).Split("claim=")[1];
        secrets.Add(code);
        using (await client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null, TestContext.Current.CancellationToken))
        using (await client.PostAsync(new Uri($"/api/claims/{code}", UriKind.Relative), null, TestContext.Current.CancellationToken))
        using (await IngestionHarness.SendAsync(host, HttpMethod.Post, "/api/conversions",
            JsonContent.Create(new { conversionId = "c_log", userId = "u_log", plan = "premium-monthly", amount = 0, currency = "IDR", occurredAt = DateTimeOffset.UtcNow, token, claimCode = code }), RotatedKey))
        {
        }

        // A tampered token and an expired-looking one: the refusals are logged, the tokens are not.
        var tampered = token[..^2] + (token[^1] == 'A' ? "BB" : "AA");
        secrets.Add(tampered);
        using (await client.GetAsync(new Uri($"/api/l/{tampered}", UriKind.Relative), TestContext.Current.CancellationToken))
        {
        }

        await host.Get<AnalyticsWriter>().FlushAsync(TestContext.Current.CancellationToken);

        var lines = capture.Lines.ToList();
        // The refusals themselves are logged (so the capture sees request-time lines), without what was refused.
        Assert.True(lines.Any(l => l.Contains("Refused POST /api/events: wrong key", StringComparison.Ordinal)), $"no line with {"Refused POST /events: wrong key"} in:\n{string.Join("\n", lines)}");
        Assert.True(lines.Any(l => l.Contains("Link refused: ", StringComparison.Ordinal)), $"no line with {"Link refused: "} in:\n{string.Join("\n", lines)}");
        Assert.True(lines.Any(l => l.Contains("Claim refused: AlreadyRedeemed", StringComparison.Ordinal)), $"no line with {"Claim refused: AlreadyRedeemed"} in:\n{string.Join("\n", lines)}");
        foreach (var secret in secrets)
        {
            var leak = lines.FirstOrDefault(l => l.Contains(secret, StringComparison.Ordinal));
            Assert.True(leak is null, $"a log line carries a secret: {leak}");
        }
    }

    private sealed class LogCapture : ILoggerProvider
    {
        public ConcurrentQueue<string> Lines { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(LogCapture owner, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull
            {
                owner.Lines.Enqueue($"{category} scope: {state}");
                return null;
            }

            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                var properties = state is IEnumerable<KeyValuePair<string, object?>> pairs ? string.Join(" ", pairs.Select(p => $"{p.Key}={p.Value}")) : "";
                owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {properties} {exception}");
            }
        }
    }
}
