using System.Diagnostics;
using Azure.Data.Tables;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly.Timeout;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// What the storage client really throws at a request that never gets an answer (the hang sits where
/// the transport would wait, inside the client's network timeout and retries), and how the guard
/// and <see cref="StorageGuard.IsStorageFailure(Exception)"/> take it. Nothing reaches the network.
/// </summary>
public sealed class StorageGuardTests
{
    private static TableClient HungTable(int maxRetries, TimeSpan networkTimeout, TimeSpan? retryDelay = null)
    {
        var faults = new StorageFaults { Hang = static (_, _) => true };
        var services = new ServiceCollection();
        faults.AddTo(services);
        var options = new TableClientOptions();
        using (var provider = services.BuildServiceProvider())
        {
            foreach (var configure in provider.GetServices<IConfigureOptions<TableClientOptions>>())
            {
                configure.Configure(options);
            }
        }

        options.Retry.MaxRetries = maxRetries;
        options.Retry.NetworkTimeout = networkTimeout;
        options.Retry.Delay = retryDelay ?? TimeSpan.FromMilliseconds(10);
        return new TableClient("UseDevelopmentStorage=true", "hung", options);
    }

    private static StorageGuard Guard(TimeSpan deadline) =>
        new(TimeProvider.System, Options.Create(new StorageOptions { RequestTimeout = deadline }));

    private static async ValueTask<bool> ReadAsync(TableClient table, CancellationToken cancellationToken) =>
        (await table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: cancellationToken)).HasValue;

    [Theory]
    [InlineData(0, typeof(TaskCanceledException))] // the network timeout, as the client throws it without retries
    [InlineData(2, typeof(AggregateException))] // the retry policy giving up on three of them
    public async Task IsStorageFailure_ClientsNetworkTimeoutOnAHungRequest_IsTrue(int retries, Type shape)
    {
        var table = HungTable(retries, TimeSpan.FromMilliseconds(100));

        var ex = await Assert.ThrowsAnyAsync<Exception>(() => table.GetEntityIfExistsAsync<TableEntity>("p", "r", cancellationToken: TestContext.Current.CancellationToken));

        Assert.IsType(shape, ex);
        Assert.True(StorageGuard.IsStorageFailure(ex), ex.ToString());
    }

    [Fact]
    public async Task ExecuteAsync_StorageNeverAnswers_GivesUpAtTheDeadlineWithAStorageFailure()
    {
        var table = HungTable(3, TimeSpan.FromSeconds(30));
        var took = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<TimeoutRejectedException>(async () =>
            await Guard(TimeSpan.FromMilliseconds(200)).ExecuteAsync(static (t, ct) => ReadAsync(t, ct), table, TestContext.Current.CancellationToken));

        Assert.True(StorageGuard.IsStorageFailure(ex));
        Assert.True(took.Elapsed < TimeSpan.FromSeconds(10), $"gave up after {took.Elapsed}");
    }

    [Fact]
    public async Task ExecuteAsync_CallerLeavesAfterTheClientsOwnTimeouts_IsTheCallersCancellation()
    {
        // The client has timed out and retried a few times when the caller gives up: its retry
        // policy wraps all of it in an AggregateException, which still is the caller leaving.
        // Retries follow at once, so the caller leaves during an attempt, not between two.
        var table = HungTable(50, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(1));
        using var caller = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        caller.CancelAfter(TimeSpan.FromMilliseconds(350));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
            await Guard(TimeSpan.FromSeconds(10)).ExecuteAsync(static (t, ct) => ReadAsync(t, ct), table, caller.Token));

        Assert.Equal(caller.Token, ex.CancellationToken);
    }
}
