using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Reliability;

/// <summary>
/// <see cref="StorageRepair"/> on its own: one re-creation for any number of concurrent failures,
/// retried until it succeeds; and how a missing queue, table or container is classified.
/// </summary>
public sealed class StorageRepairTests(AzuriteFixture azurite)
{
    private static RequestFailedException Missing(string code) => new(404, "The specified resource does not exist.", code, null);

    [Fact]
    public async Task RequestAsync_HundredConcurrentFailures_RecreateOnceAndLogOneWarning()
    {
        var logger = new FakeLogger<StorageRepair>();
        var calls = 0;
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var repair = new StorageRepair(
            async ct =>
            {
                Interlocked.Increment(ref calls);
                await release.Task.WaitAsync(ct);
                return ["songs", "song-used"];
            },
            TimeProvider.System,
            logger);
        var failedCallStarted = TimeProvider.System.GetTimestamp();

        // Each from its own thread, as failing requests would report.
        var waits = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Factory.StartNew(
            () => repair.RequestAsync("HTTP 404 TableNotFound", failedCallStarted), TestContext.Current.CancellationToken, TaskCreationOptions.None, TaskScheduler.Default)));
        Assert.True(repair.IsRepairing);
        release.SetResult();
        await Task.WhenAll(waits).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        Assert.Equal(1, calls);
        Assert.Equal(1, repair.Repairs);
        var warning = Assert.Single(logger.Collector.GetSnapshot(), r => r.Level == LogLevel.Warning);
        Assert.Contains("songs, song-used", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestAsync_AfterARepairFinished_StartsAnotherOnlyForCallsBegunAfterIt()
    {
        var calls = 0;
        using var repair = new StorageRepair(_ => { Interlocked.Increment(ref calls); return Task.FromResult<IReadOnlyList<string>>(["songs"]); }, TimeProvider.System, new FakeLogger<StorageRepair>());
        var before = TimeProvider.System.GetTimestamp();
        await repair.RequestAsync("HTTP 404 TableNotFound", before).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);

        // Sent before the re-creation finished: its 404 is the one already repaired.
        var late = repair.RequestAsync("HTTP 404 TableNotFound", before);
        Assert.True(late.IsCompleted);
        Assert.Equal(1, calls);

        // Sent after: the table was deleted again.
        await repair.RequestAsync("HTTP 404 TableNotFound", TimeProvider.System.GetTimestamp()).WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(2, calls);
        Assert.Equal(2, repair.Repairs);
    }

    [Fact]
    public async Task RequestAsync_RecreationRefusedWhileTheQueueIsBeingDeleted_IsRetriedUntilItSucceeds()
    {
        var time = new FakeTimeProvider();
        var calls = 0;
        using var repair = new StorageRepair(
            _ => ++calls < 3
                ? throw new RequestFailedException(409, "The specified queue is being deleted.", "QueueBeingDeleted", null)
                : Task.FromResult<IReadOnlyList<string>>(["song-used"]),
            time,
            new FakeLogger<StorageRepair>());

        var done = repair.RequestAsync("HTTP 404 QueueNotFound", time.GetTimestamp());
        for (var i = 0; i < 1_000 && !done.IsCompleted; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }

        Assert.True(done.IsCompletedSuccessfully);
        Assert.Equal(3, calls);
        Assert.Equal(1, repair.Repairs);
    }

    [Fact]
    public async Task RetryAfterRepairAsync_WorkFindsATableMissing_RunsAgainAfterTheRecreation()
    {
        var recreations = 0;
        using var repair = new StorageRepair(_ => { Interlocked.Increment(ref recreations); return Task.FromResult<IReadOnlyList<string>>(["interactions"]); }, TimeProvider.System, new FakeLogger<StorageRepair>());
        var attempts = 0;

        var result = await repair.RetryAfterRepairAsync(_ => ++attempts == 1 ? throw Missing("TableNotFound") : Task.FromResult(42), TestContext.Current.CancellationToken);

        Assert.Equal(42, result);
        Assert.Equal(2, attempts);
        Assert.Equal(1, recreations);
    }

    [Fact]
    public async Task RetryAfterRepairAsync_AnyOtherFailure_IsThrownAtOnce()
    {
        using var repair = new StorageRepair(_ => Task.FromResult<IReadOnlyList<string>>([]), TimeProvider.System, new FakeLogger<StorageRepair>());
        var attempts = 0;

        await Assert.ThrowsAsync<RequestFailedException>(() => repair.RetryAfterRepairAsync<int>(_ => { attempts++; throw new RequestFailedException(404, "The specified entity does not exist.", "EntityNotFound", null); }, TestContext.Current.CancellationToken));

        Assert.Equal(1, attempts);
        Assert.Equal(0, repair.Repairs);
    }

    [Theory]
    [InlineData("QueueNotFound", true)]
    [InlineData("TableNotFound", true)]
    [InlineData("ContainerNotFound", true)]
    [InlineData("EntityNotFound", false)]
    [InlineData("BlobNotFound", false)]
    [InlineData("MessageNotFound", false)]
    [InlineData(null, false)]
    public void IsStorageFailure_NotFound_IsAStorageFailureOnlyForAMissingQueueTableOrContainer(string? code, bool expected)
    {
        var ex = new RequestFailedException(404, "Not found.", code, null);

        Assert.Equal(expected, StorageRepair.IsMissingResource(ex));
        Assert.Equal(expected, StorageGuard.IsStorageFailure(ex));
    }

    [Fact]
    public async Task Guard_ManyMissingQueueFailures_DoNotOpenTheCircuit()
    {
        var guard = new StorageGuard(TimeProvider.System, Options.Create(new StorageOptions()));
        for (var i = 0; i < 20; i++)
        {
            await Assert.ThrowsAsync<RequestFailedException>(async () => await guard.ExecuteAsync<int>(_ => throw Missing("QueueNotFound"), TestContext.Current.CancellationToken));
        }

        // Re-created meanwhile: the next call goes through instead of meeting an open circuit.
        Assert.Equal(7, await guard.ExecuteAsync(_ => ValueTask.FromResult(7), TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task IsMissingResource_TransactionOnADeletedTable_IsTrue()
    {
        var table = new TableClient(azurite.ConnectionString, AzuriteFixture.UniqueName("gone"));
        await table.CreateIfNotExistsAsync(TestContext.Current.CancellationToken);
        await table.DeleteAsync(TestContext.Current.CancellationToken);

        var ex = await Assert.ThrowsAnyAsync<RequestFailedException>(() => table.SubmitTransactionAsync(
            [new TableTransactionAction(TableTransactionActionType.Add, new TableEntity("p", "r"))], TestContext.Current.CancellationToken));

        Assert.True(StorageRepair.IsMissingResource(ex), $"{ex.GetType().Name} {ex.Status} {ex.ErrorCode}");
        Assert.True(StorageGuard.IsStorageFailure(ex));
    }
}
