using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.EndToEnd;

public sealed class HealthTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Health_StorageUp_Is200WithAllThreeServicesReachable()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);

        var (status, body) = await GetHealthEventuallyProvisionedAsync(host);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("storageProvisioned").GetBoolean());
        foreach (var service in new[] { "tables", "queues", "blobs" })
        {
            Assert.True(body.GetProperty("storage").GetProperty(service).GetProperty("reachable").GetBoolean(), service);
        }
    }

    [Fact]
    public async Task StartUp_EmptyAccount_CreatesEveryTableQueueAndContainer()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString);
        await GetHealthEventuallyProvisionedAsync(host);
        var names = new StorageNames(host.StoragePrefix);

        var tables = new TableServiceClient(azurite.ConnectionString);
        var queues = new QueueServiceClient(azurite.ConnectionString);
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        foreach (var table in names.Tables)
        {
            Assert.NotEmpty(await tables.QueryAsync(t => t.Name == table).ToListAsync());
        }

        foreach (var queue in names.Queues)
        {
            Assert.True((await queues.GetQueueClient(queue).ExistsAsync()).Value, queue);
        }

        foreach (var container in names.Containers)
        {
            Assert.True((await blobs.GetBlobContainerClient(container).ExistsAsync()).Value, container);
        }
    }

    [Fact]
    public async Task Health_StorageUnreachable_Is503NamingEachUnreachableService()
    {
        // Nothing listens on port 9 of the loopback: every storage call is refused.
        const string Nowhere = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;" +
            "AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
            "BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;QueueEndpoint=http://127.0.0.1:9/devstoreaccount1;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;";
        await using var host = await SelfHostServer.StartAsync(Nowhere, waitForStorage: false);

        using var response = await host.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
        var body = await response.Content.ReadFromJsonAsync<JsonElement>();

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("unhealthy", body.GetProperty("status").GetString());
        foreach (var service in new[] { "tables", "queues", "blobs" })
        {
            var health = body.GetProperty("storage").GetProperty(service);
            Assert.False(health.GetProperty("reachable").GetBoolean(), service);
            Assert.False(string.IsNullOrEmpty(health.GetProperty("error").GetString()), service);
        }
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetHealthEventuallyProvisionedAsync(SelfHostServer host)
    {
        // Provisioning runs in the background after start; it takes a moment on a fresh account.
        for (var attempt = 0; ; attempt++)
        {
            using var response = await host.Client.GetAsync(new Uri("/api/health", UriKind.Relative));
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            if (response.StatusCode == HttpStatusCode.OK || attempt == 50)
            {
                return (response.StatusCode, body);
            }

            await Task.Delay(200);
        }
    }
}
