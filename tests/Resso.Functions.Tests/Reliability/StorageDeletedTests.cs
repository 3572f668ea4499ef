using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;
using static Resso.Functions.Tests.EndToEnd.IngestionHarness;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// Every queue, table and blob container of a running self-host deleted under traffic, as when
/// Azurite restarts in memory or someone deletes a queue: no <c>500</c>, the resources come back
/// without a restart, and every event accepted afterwards is counted exactly once. What the deletion
/// itself destroyed (messages waiting in the queue, rows, blobs) is gone, so the events accepted
/// before it are not audited.
/// </summary>
public sealed class StorageDeletedTests(AzuriteFixture azurite)
{
    private const int Clients = 4;
    private const int AfterBatchesPerClient = 8;

    [Fact]
    public async Task SelfHost_EveryQueueTableAndContainerDeletedUnderTraffic_NeverA500_RecreatesThem_CountsEveryLaterEventOnce()
    {
        var logs = new FakeLoggerProvider();
        await using var host = await SelfHostServer.StartAsync(azurite.ConnectionString, services: s =>
        {
            s.AddSingleton(FastQueues);
            s.AddSingleton<ILoggerProvider>(logs);
        });
        var names = new StorageNames(host.StoragePrefix);
        var answers = new ConcurrentQueue<(string Route, HttpStatusCode Status)>();
        var acceptedAfter = new ConcurrentQueue<SongUsedEvent>();
        var deleted = 0;
        using var stop = new CancellationTokenSource();

        // A client that sends batches without pause and, on 503, sends the same batch again after a
        // (shortened) Retry-After. A batch made once the deletion has returned is "after": its own
        // users and songs, so that it is audited apart from what the deletion cut through.
        async Task ClientAsync(int client)
        {
            var afterBatches = 0;
            for (var n = 0; !stop.IsCancellationRequested; n++)
            {
                var after = Volatile.Read(ref deleted) == 1;
                var tag = after ? "after" : "before";
                var batch = Enumerable.Range(0, 10).Select(i => Events.Valid(userId: $"u_{tag}_{client}_{i % 3}", songId: $"s_{tag}_{(n + i) % 5}")).ToList();
                for (var attempt = 1; attempt <= 100; attempt++)
                {
                    using var response = await PostAsync(host, Batch(batch));
                    answers.Enqueue(("POST /api/events", response.StatusCode));
                    if (response.StatusCode != HttpStatusCode.ServiceUnavailable)
                    {
                        if (after && response.StatusCode == HttpStatusCode.Accepted)
                        {
                            batch.ForEach(acceptedAfter.Enqueue);
                            afterBatches++;
                        }

                        break;
                    }

                    Assert.NotNull(response.Headers.RetryAfter);
                    await Task.Delay(100, TestContext.Current.CancellationToken);
                }

                if (afterBatches >= AfterBatchesPerClient)
                {
                    return;
                }
            }
        }

        // Reads that go to the tables the deletion removes: a user's history (interactions) and recommendations.
        async Task ReaderAsync()
        {
            string[] paths = ["/api/users/u_after_0_0/history", "/api/users/u_before_1_1/history", "/api/users/u_after_2_1/recommendations?count=5"];
            while (!stop.IsCancellationRequested)
            {
                foreach (var path in paths)
                {
                    using var response = await host.KeyedClient.GetAsync(new Uri(path, UriKind.Relative), TestContext.Current.CancellationToken);
                    answers.Enqueue(("GET " + path.Split('?')[0], response.StatusCode));
                }

                await Task.Delay(20, TestContext.Current.CancellationToken);
            }
        }

        var posting = Enumerable.Range(0, Clients).Select(ClientAsync).ToList();
        var reading = ReaderAsync();

        // Ingestion is live (events counted) before anything is deleted.
        var interactions = host.Get<InteractionStore>();
        await PollAsync(async () => await interactions.CountEventsAsync(TestContext.Current.CancellationToken) > 0, TimeSpan.FromSeconds(20), "no event counted before the deletion");

        // Containers, then tables, then queues, each group at once. song-used goes last: it is what the
        // traffic hits first, so a failure after the last deletion starts a re-creation of everything.
        var blobs = new BlobServiceClient(azurite.ConnectionString);
        var tables = new TableServiceClient(azurite.ConnectionString);
        var queues = new QueueServiceClient(azurite.ConnectionString);
        await Task.WhenAll(names.Containers.Select(c => blobs.GetBlobContainerClient(c).DeleteIfExistsAsync(cancellationToken: TestContext.Current.CancellationToken)));
        await Task.WhenAll(names.Tables.Select(t => tables.GetTableClient(t).DeleteAsync(TestContext.Current.CancellationToken)));
        await Task.WhenAll(names.Queues.Select(q => queues.GetQueueClient(q).DeleteIfExistsAsync(TestContext.Current.CancellationToken)));
        Volatile.Write(ref deleted, 1);

        var allPosted = Task.WhenAll(posting);
        await allPosted.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await stop.CancelAsync();
        await reading;

        // Never a 500: accepted, answered, or 503 with Retry-After while a resource was missing.
        var statuses = answers.GroupBy(a => (a.Route, a.Status)).Select(g => $"{g.Key.Route} {(int)g.Key.Status}×{g.Count()}").ToList();
        Assert.All(answers, a => Assert.True(a.Status is HttpStatusCode.OK or HttpStatusCode.Accepted or HttpStatusCode.ServiceUnavailable, string.Join(", ", statuses)));
        TestContext.Current.TestOutputHelper?.WriteLine("Answers: " + string.Join(", ", statuses));

        // Every resource exists again, made by the app (no restart, nothing created here). A resource
        // is re-created on the first failure of a call to it: one this traffic never touches, deleted
        // after a re-creation that ran while the deletions were going on, waits for its first use,
        // which the app's own clients make here.
        var missing = new List<string>();
        await PollAsync(
            async () =>
            {
                missing = await MissingAsync(names, tables, queues, blobs);
                await Task.WhenAll(missing.Select(name => UseThroughTheAppAsync(host, names, name)));
                return missing.Count == 0;
            },
            TimeSpan.FromSeconds(20),
            () => "still missing: " + string.Join(", ", missing));
        var repair = host.Get<StorageRepair>();
        Assert.True(repair.Repairs >= 1);
        var warnings = logs.Collector.GetSnapshot().Where(r => r.Category == typeof(StorageRepair).FullName && r.Level == LogLevel.Warning).ToList();
        Assert.InRange(warnings.Count, 1, repair.Repairs);
        TestContext.Current.TestOutputHelper?.WriteLine($"Re-creations: {repair.Repairs}; " + string.Join(" | ", warnings.Select(w => w.Message)));

        // Every event accepted after the deletion is counted exactly once: its row, its song's
        // hourly statistics, its line in the event log.
        var expected = acceptedAfter.ToList();
        Assert.Equal(Clients * AfterBatchesPerClient * 10, expected.Count);
        var expectedKeys = expected.Select(e => $"{e.UserId}|{e.EventId}").Order(StringComparer.Ordinal).ToList();
        var counted = new List<string>();
        await PollAsync(
            async () =>
            {
                counted.Clear();
                await foreach (var e in interactions.ReadAllEventsAsync(TestContext.Current.CancellationToken))
                {
                    if (e.UserId.StartsWith("u_after_", StringComparison.Ordinal))
                    {
                        counted.Add($"{e.UserId}|{e.EventId}");
                    }
                }

                return counted.Count >= expected.Count;
            },
            TimeSpan.FromSeconds(30),
            "not every event accepted after the deletion was counted");
        await WaitUntilCountedAsync(azurite, names, interactions, 0, seconds: 30);
        Assert.Equal(expectedKeys, counted.Order(StringComparer.Ordinal));

        var expectedStats = expected.GroupBy(e => (e.SongId, e.Region, SongStatsStore.Hour(e.OccurredAt))).ToDictionary(g => g.Key, g => (long)g.Count());
        var stats = new Dictionary<(string, string, DateTimeOffset), long>();
        await foreach (var stat in host.Get<SongStatsStore>().ReadAsync(expected.Min(e => e.OccurredAt), DateTimeOffset.UtcNow.AddHours(1), cancellationToken: TestContext.Current.CancellationToken))
        {
            if (stat.SongId.StartsWith("s_after_", StringComparison.Ordinal))
            {
                stats[(stat.SongId, stat.Region, stat.Hour)] = stat.Events;
            }
        }

        Assert.Equal(expectedStats.OrderBy(p => p.Key), stats.OrderBy(p => p.Key));

        var logged = new List<string>();
        await foreach (var e in host.Get<Resso.Shared.Ingestion.EventLog>().ReadAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            if (e.UserId.StartsWith("u_after_", StringComparison.Ordinal))
            {
                logged.Add($"{e.UserId}|{e.EventId}");
            }
        }

        Assert.Equal(expectedKeys, logged.Order(StringComparer.Ordinal));
    }

    // A read of the resource through the app's own storage clients, whatever it answers.
    private static async Task UseThroughTheAppAsync(SelfHostServer host, StorageNames names, string name)
    {
        try
        {
            if (names.Queues.Contains(name))
            {
                await host.Get<QueueServiceClient>().GetQueueClient(name).GetPropertiesAsync(TestContext.Current.CancellationToken);
            }
            else if (names.Tables.Contains(name))
            {
                await host.Get<TableServiceClient>().GetTableClient(name).GetEntityIfExistsAsync<TableEntity>("x", "x", cancellationToken: TestContext.Current.CancellationToken);
            }
            else
            {
                await host.Get<BlobServiceClient>().GetBlobContainerClient(name).GetPropertiesAsync(cancellationToken: TestContext.Current.CancellationToken);
            }
        }
        catch (Azure.RequestFailedException)
        {
            // The missing resource's 404: what the app's clients report to the repair.
        }
    }

    private static async Task<List<string>> MissingAsync(StorageNames names, TableServiceClient tables, QueueServiceClient queues, BlobServiceClient blobs)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var table in tables.QueryAsync(cancellationToken: TestContext.Current.CancellationToken))
        {
            existing.Add(table.Name);
        }

        var missing = names.Tables.Where(t => !existing.Contains(t)).ToList();
        foreach (var queue in names.Queues)
        {
            if (!(await queues.GetQueueClient(queue).ExistsAsync(TestContext.Current.CancellationToken)).Value)
            {
                missing.Add(queue);
            }
        }

        foreach (var container in names.Containers)
        {
            if (!(await blobs.GetBlobContainerClient(container).ExistsAsync(TestContext.Current.CancellationToken)).Value)
            {
                missing.Add(container);
            }
        }

        return missing;
    }

    private static Task PollAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure) => PollAsync(condition, timeout, () => failure);

    private static async Task PollAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > timeout)
            {
                Assert.Fail($"After {timeout.TotalSeconds} s: {failure()}");
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }
    }
}
