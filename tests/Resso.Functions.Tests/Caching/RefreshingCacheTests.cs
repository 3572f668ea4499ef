using Azure;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Resso.Shared.Storage;
using Microsoft.Extensions.Time.Testing;
using Resso.Functions.Core;

namespace Resso.Functions.Tests.Caching;

public sealed class RefreshingCacheTests
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Stale = TimeSpan.FromMinutes(10);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
    private readonly RefreshingCache _cache;
    private int _loads;

    public RefreshingCacheTests() =>
        _cache = new RefreshingCache(new MemoryCache(new MemoryCacheOptions()), _time, NullLogger<RefreshingCache>.Instance);

    [Fact]
    public async Task Get_WhileFresh_LoadsOnce()
    {
        Assert.Equal(1, await _cache.GetAsync("k", Counting, Fresh, Stale));
        _time.Advance(Fresh - TimeSpan.FromSeconds(1));

        Assert.Equal(1, await _cache.GetAsync("k", Counting, Fresh, Stale));
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task Get_WhenStale_AnswersTheOldValueAtOnceAndRefreshesOnceBehindIt()
    {
        await _cache.GetAsync("k", Counting, Fresh, Stale);
        _time.Advance(Fresh);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Three stale hits while the refresh is still loading: all answered from the cache, one load started.
        var started = 0;
        Task<int> Slow(CancellationToken _)
        {
            Interlocked.Increment(ref started);
            return gate.Task;
        }

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(1, await _cache.GetAsync("k", Slow, Fresh, Stale));
        }

        Assert.Equal(1, started);
        gate.SetResult(2);
        await WaitForAsync(async () => await _cache.GetAsync("k", Counting, Fresh, Stale) == 2);
        Assert.Equal(1, _loads);
    }

    [Fact]
    public async Task Get_WhenTheRefreshFails_KeepsTheOldValueAndRetriesOnTheNextHit()
    {
        await _cache.GetAsync("k", Counting, Fresh, Stale);
        _time.Advance(Fresh);

        Assert.Equal(1, await _cache.GetAsync<int>("k", _ => Task.FromException<int>(new IOException("storage down")), Fresh, Stale));
        await WaitForAsync(async () => await _cache.GetAsync("k", Counting, Fresh, Stale) == 2);
        Assert.Equal(2, _loads);
    }

    [Fact]
    public async Task Remove_MakesTheNextGetLoad_AndARefreshInFlightDoesNotBringTheOldValueBack()
    {
        await _cache.GetAsync("k", Counting, Fresh, Stale);
        _time.Advance(Fresh);
        var gate = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        await _cache.GetAsync("k", _ => gate.Task, Fresh, Stale); // starts a refresh that will answer 99

        _cache.Remove("k");
        Assert.Equal(2, await _cache.GetAsync("k", Counting, Fresh, Stale));
        gate.SetResult(99);
        await Task.Delay(50, TestContext.Current.CancellationToken);

        Assert.Equal(2, await _cache.GetAsync("k", Counting, Fresh, Stale));
    }

    [Fact]
    public async Task Get_CachesNullAnswers()
    {
        var calls = 0;
        Task<string?> Missing(CancellationToken _)
        {
            calls++;
            return Task.FromResult<string?>(null);
        }

        Assert.Null(await _cache.GetAsync("song", Missing, Fresh, Stale));
        Assert.Null(await _cache.GetAsync("song", Missing, Fresh, Stale));
        Assert.Equal(1, calls);
    }

    [Fact]
    public async Task Get_OnACacheWithASizeLimit_KeepsAtMostTheLimit()
    {
        using var memory = new MemoryCache(new MemoryCacheOptions { SizeLimit = 10 });
        var cache = new RefreshingCache(memory, _time, NullLogger<RefreshingCache>.Instance);

        for (var i = 0; i < 25; i++)
        {
            Assert.Equal(i, await cache.GetAsync(i, _ => Task.FromResult(i), Fresh, Stale));
        }

        Assert.InRange(memory.Count, 1, 10);
    }

    private Task<int> Counting(CancellationToken _) => Task.FromResult(Interlocked.Increment(ref _loads));

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        for (var i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return;
            }

            await Task.Delay(10, TestContext.Current.CancellationToken);
        }

        Assert.Fail("the condition did not hold within 2 s");
    }

    [Theory]
    [InlineData(true, LogLevel.Debug)] // storage unreachable: the probe has said so once, the failure is Debug
    [InlineData(false, LogLevel.Warning)] // no probe: every failed refresh is a warning
    public async Task RefreshFails_WhileStorageIsUnreachable_IsLoggedAtDebugOnly(bool withProbe, LogLevel expected)
    {
        var logger = new FakeLogger<RefreshingCache>();
        var cache = new RefreshingCache(new MemoryCache(new MemoryCacheOptions()), _time, logger, withProbe ? UnreachableStorage() : null);
        await cache.GetAsync("k", Counting, Fresh, Stale);
        _time.Advance(Fresh);

        Assert.Equal(1, await cache.GetAsync<int>("k", _ => throw new RequestFailedException(0, "Connection refused"), Fresh, Stale));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (logger.Collector.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.Equal(expected, Assert.Single(logger.Collector.GetSnapshot()).Level);
    }

    // Every service on a loopback port where nothing listens, without the clients' own retries.
    private static StorageHealthProbe UnreachableStorage()
    {
        const string Account = "AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;DefaultEndpointsProtocol=http;";
        const string Endpoints = "BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;QueueEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;";
        var blobs = new BlobClientOptions();
        blobs.Retry.MaxRetries = 0;
        var queues = new QueueClientOptions();
        queues.Retry.MaxRetries = 0;
        var tables = new TableClientOptions();
        tables.Retry.MaxRetries = 0;
        return new StorageHealthProbe(
            new TableServiceClient(Account + Endpoints, tables), new QueueServiceClient(Account + Endpoints, queues), new BlobServiceClient(Account + Endpoints, blobs),
            TimeProvider.System, NullLogger<StorageHealthProbe>.Instance);
    }
}
