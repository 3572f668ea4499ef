using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Reliability;

/// <summary>Faults survived with nothing lost or counted twice: storage outage, two consumers, poison, a killed process.</summary>
public sealed class FaultTests(AzuriteFixture azurite)
{
    private static readonly Resso.Functions.SelfHost.Configuration.QueuesHostOptions ShortLease = FastQueues with { MessageLease = TimeSpan.FromSeconds(10) };

    [Fact]
    public async Task StorageOutage_MidIngestion_Answers503FastThenRecoversAndCountsEveryAcceptedEventOnce()
    {
        using var folder = new TempFolder();
        await using var storage = await AzuriteServer.StartAsync(folder.Path);
        await using var host = await SelfHostServer.StartAsync(storage.ConnectionString, services: s => s.AddSingleton(ShortLease));
        var names = new StorageNames(host.StoragePrefix);
        var (all, distinct) = Events.Stream(distinct: 600, duplicateRate: 0.10, seed: 11);
        var batches = all.Chunk(40).ToList();
        var unavailable = new List<(TimeSpan Took, string? RetryAfter)>();
        var outage = Stopwatch.StartNew();
        var state = "up";

        for (var i = 0; i < batches.Count;)
        {
            if (state == "up" && i == batches.Count / 3)
            {
                await storage.StopForOutageAsync();
                (state, outage) = ("down", Stopwatch.StartNew());
            }
            else if (state == "down" && outage.Elapsed > TimeSpan.FromSeconds(12))
            {
                await storage.RestartAsync();
                state = "restored";
            }

            // While storage is down, other clients keep calling too (their batches are sent again later).
            var others = state == "down"
                ? Enumerable.Range(0, 3).Select(_ => PostAsync(host, Batch(batches[i]))).ToList()
                : [];
            var took = Stopwatch.StartNew();
            using var response = await PostAsync(host, Batch(batches[i]));
            var tookTime = took.Elapsed;
            foreach (var other in await Task.WhenAll(others))
            {
                other.Dispose();
            }

            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                i++;
                continue;
            }

            // A client that honours Retry-After (shortened here) and sends the same batch again.
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            unavailable.Add((tookTime, response.Headers.RetryAfter?.Delta?.ToString()));
            await Task.Delay(TimeSpan.FromMilliseconds(300));
        }

        Assert.NotEqual("down", state);
        Assert.NotEmpty(unavailable);
        Assert.All(unavailable, u => Assert.NotNull(u.RetryAfter));
        Assert.Contains(unavailable, u => u.Took < TimeSpan.FromMilliseconds(500)); // the open circuit answers at once
        await WaitUntilCountedAsync(storage.ConnectionString, names, host.Get<InteractionStore>(), distinct.Count, seconds: 120);
        await AssertCountedExactlyOnceAsync(storage.ConnectionString, names, host, distinct);
    }

    [Fact]
    public async Task TwoInstances_ConsumingTheSameQueues_CountEveryEventOnce()
    {
        var prefix = AzuriteFixture.UniqueName("two");
        await using var first = await SelfHostServer.StartAsync(azurite.ConnectionString, services: s => s.AddSingleton(FastQueues), storagePrefix: prefix);
        await using var second = await SelfHostServer.StartAsync(azurite.ConnectionString, services: s => s.AddSingleton(FastQueues), storagePrefix: prefix);
        var (all, distinct) = Events.Stream(distinct: 1_000, duplicateRate: 0.15, seed: 12);

        var posts = all.Chunk(50).Select((batch, i) => PostAsync(i % 2 == 0 ? first : second, Batch(batch)));
        foreach (var response in await Task.WhenAll(posts))
        {
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            response.Dispose();
        }

        var names = new StorageNames(prefix);
        await WaitUntilCountedAsync(azurite, names, first.Get<InteractionStore>(), distinct.Count);
        await AssertCountedExactlyOnceAsync(azurite, names, first, distinct);
    }

    [Fact]
    public async Task PoisonMessages_AmongGoodOnes_NeverBlockTheQueueAndKeepTheirContent()
    {
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, services: s => s.AddSingleton(FastQueues));
        var names = new StorageNames(host.StoragePrefix);
        var queue = Queue(azurite, names.SongUsedQueue);
        var raw = new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, names.SongUsedQueue);
        var (all, distinct) = Events.Stream(distinct: 300, duplicateRate: 0, seed: 13);
        var messages = EventPacker.Pack(all).ToList();

        await raw.SendMessageAsync("not base64 at all {");
        await queue.SendMessageAsync("{\"events\": [ broken");
        await queue.SendMessageAsync("[1,2,3]");
        foreach (var message in messages)
        {
            await queue.SendMessageAsync(message);
        }

        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), distinct.Count);
        await AssertCountedExactlyOnceAsync(azurite, names, host, distinct);
        var poisoned = await ReadPoisonAsync(azurite, names, host, 3);
        Assert.Contains(poisoned, p => p.Reason == PoisonMessages.NotBase64 && p.Body.ToString() == "not base64 at all {");
        Assert.Contains(poisoned, p => p.Reason.StartsWith("not valid JSON", StringComparison.Ordinal) && p.Body.ToString() == "{\"events\": [ broken");
        Assert.Contains(poisoned, p => p.Reason == "not an event or an events batch" && p.Body.ToString() == "[1,2,3]");
    }

    [Fact]
    public async Task PoisonMessages_LargeMessageNotBase64FetchedWithGoodOnes_DoesNotHoldThemBackAndKeepsItsExactBytes()
    {
        var prefix = AzuriteFixture.UniqueName("big");
        var names = new StorageNames(prefix);
        var queue = Queue(azurite, names.SongUsedQueue);
        await queue.CreateIfNotExistsAsync();

        // Over 48 KiB of text, not base64, ahead of the good messages so that one receive fetches them all.
        var big = "not base64 {" + string.Concat(Enumerable.Repeat("é€ plain text ", 3_000));
        await new Azure.Storage.Queues.QueueClient(azurite.ConnectionString, names.SongUsedQueue).SendMessageAsync(big);
        var (all, distinct) = Events.Stream(distinct: 600, duplicateRate: 0, seed: 15);
        foreach (var message in EventPacker.Pack(all))
        {
            await queue.SendMessageAsync(message);
        }

        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, services: s => s.AddSingleton(FastQueues), storagePrefix: prefix);

        // Well within the 10-minute lease that would hold back every message fetched with the large one.
        await WaitUntilCountedAsync(azurite, names, host.Get<InteractionStore>(), distinct.Count, seconds: 60);
        await AssertCountedExactlyOnceAsync(azurite, names, host, distinct);
        var poisoned = Assert.Single(await ReadPoisonAsync(azurite, names, host, 1));
        Assert.Equal(PoisonMessages.NotBase64, poisoned.Reason);
        Assert.Equal(System.Text.Encoding.UTF8.GetBytes(big), poisoned.Body.ToArray());
    }

    [Fact]
    public async Task SelfHostProcess_KilledDuringABatch_NothingLostOrDoubledAfterRestart()
    {
        var prefix = AzuriteFixture.UniqueName("kill");
        var names = new StorageNames(prefix);
        var (all, distinct) = Events.Stream(distinct: 3_000, duplicateRate: 0.1, seed: 14, users: 400, songs: 200);
        var queue = Queue(azurite, names.SongUsedQueue);
        await queue.CreateIfNotExistsAsync();
        foreach (var message in EventPacker.Pack(all))
        {
            await queue.SendMessageAsync(message);
        }

        await new Azure.Data.Tables.TableClient(azurite.ConnectionString, names.InteractionsTable).CreateIfNotExistsAsync();
        var store = new InteractionStore(new Azure.Data.Tables.TableServiceClient(azurite.ConnectionString), names,
            Microsoft.Extensions.Options.Options.Create(new IngestionOptions()), TimeProvider.System);

        using (var victim = SelfHostProcess.Start(azurite.ConnectionString, prefix))
        {
            // Kill it with SIGKILL once it is partway through.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await store.CountEventsAsync() is var counted && (counted == 0 || counted == distinct.Count) && DateTime.UtcNow < deadline)
            {
                Assert.False(victim.HasExited, victim.Output);
                await Task.Delay(20);
            }

            victim.Kill();
        }

        var partial = await store.CountEventsAsync();
        Assert.InRange(partial, 1, distinct.Count - 1);

        using (SelfHostProcess.Start(azurite.ConnectionString, prefix))
        {
            await WaitUntilCountedAsync(azurite, names, store, distinct.Count, seconds: 120);
        }

        await using var checker = await SelfHostServer.StartAsync(azurite.ConnectionString, storagePrefix: prefix);
        await AssertCountedExactlyOnceAsync(azurite, names, checker, distinct);
    }
}
