using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// The self-host process started while storage is down says so in one warning per service, with no
/// stack trace, reports since when in health, and becomes healthy without a restart once storage is back.
/// </summary>
public sealed partial class StorageDownAtStartTests
{
    [Fact]
    public async Task SelfHost_StorageDownAtStart_OneWarningPerServiceThenHealthyWhenStorageComesBack()
    {
        // Azurite's ports, with nothing listening on them until it is started again.
        await using var storage = await AzuriteServer.StartAsync();
        await storage.StopForOutageAsync();
        // Timers that fall due in these seconds (the retrain timer at every full hour) would log their
        // failure as an error, rightly: they are moved to 1 January so that the run is the same at any hour.
        using var host = SelfHostProcess.Start(storage.ConnectionString, AzuriteFixture.UniqueName("down"), new Dictionary<string, string>
        {
            ["Resso__Training__Schedule"] = "0 0 0 1 1 *",
            ["Resso__Catalog__RollupSchedule"] = "0 0 0 1 1 *",
            ["Resso__Privacy__RetentionSchedule"] = "0 0 0 1 1 *",
        });
        using var client = new HttpClient { BaseAddress = await host.WaitForAddressAsync(), Timeout = TimeSpan.FromSeconds(30) };

        // Twelve seconds of storage down: the provisioner, the monitor and health requests all retry.
        var started = DateTimeOffset.UtcNow;
        JsonElement health = default;
        var status = HttpStatusCode.OK;
        while (DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(12))
        {
            using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
            (status, health) = (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
            await Task.Delay(1_000);
        }

        var output = host.Output;
        Assert.False(StackTraceLine().IsMatch(output), output);
        Assert.DoesNotContain("fail:", output, StringComparison.Ordinal);
        var warnings = Regex.Matches(output, @"^warn: .*\n(.*)$", RegexOptions.Multiline).Select(m => m.Groups[1].Value).ToList();
        Assert.InRange(warnings.Count, 3, 5);
        foreach (var (service, port) in new[] { ("Tables", storage.TablePort), ("Queues", storage.QueuePort), ("Blobs", storage.BlobPort) })
        {
            Assert.Contains(warnings, w => w.Contains($"{service} at http://127.0.0.1:{port}/", StringComparison.Ordinal) && w.Contains("unreachable", StringComparison.Ordinal) && w.Contains("retrying every 5 s", StringComparison.Ordinal));
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
        foreach (var service in new[] { "tables", "queues", "blobs" })
        {
            var since = health.GetProperty("storage").GetProperty(service).GetProperty("unreachableSince");
            Assert.Equal(JsonValueKind.String, since.ValueKind);
            Assert.InRange(since.GetDateTimeOffset(), started.AddSeconds(-30), started.AddSeconds(12));
        }

        // Storage comes back: healthy without a restart, and the log says so once per service.
        await storage.RestartAsync();
        for (var deadline = DateTime.UtcNow.AddSeconds(30); status != HttpStatusCode.OK && DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            using var response = await client.GetAsync(new Uri("/api/health", UriKind.Relative));
            (status, health) = (response.StatusCode, await response.Content.ReadFromJsonAsync<JsonElement>());
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, health.GetProperty("storage").GetProperty("queues").GetProperty("unreachableSince").ValueKind);
        Assert.False(host.HasExited, host.Output);
        Assert.Equal(3, Regex.Matches(host.Output, "reachable again after").Count);
        Assert.False(StackTraceLine().IsMatch(host.Output), host.Output);
    }

    [GeneratedRegex(@"^\s+at\s", RegexOptions.Multiline)]
    private static partial Regex StackTraceLine();
}
