using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging;
using Resso.Shared.Storage;

namespace Resso.Functions.Core;

/// <summary>
/// A per-instance read-through cache that never makes a request wait for a value it already has:
/// a value is fresh for <c>freshFor</c>; after that, and until <c>freshFor + serveStaleFor</c>, it is
/// still answered while one background load replaces it (stale-while-revalidate). Only a key never
/// loaded, or not asked for within that whole span, waits for storage. A failed background load
/// keeps the old value (so a storage outage does not empty the cache) and is retried on a later hit;
/// while storage is unreachable (<paramref name="probe"/>) that failure is logged at Debug only.
/// </summary>
public sealed class RefreshingCache(IMemoryCache cache, TimeProvider timeProvider, ILogger<RefreshingCache> logger, StorageHealthProbe? probe = null)
{
    private sealed class Entry<T>(T value, DateTimeOffset loadedAt)
    {
        public T Value { get; } = value;

        public DateTimeOffset LoadedAt { get; } = loadedAt;

        public int Refreshing;
    }

    /// <summary>The cached value for <paramref name="key"/>, loading it when absent and refreshing it behind the answer when stale.</summary>
    public async ValueTask<T> GetAsync<T>(object key, Func<CancellationToken, Task<T>> load, TimeSpan freshFor, TimeSpan serveStaleFor, CancellationToken cancellationToken = default)
    {
        if (cache.TryGetValue(key, out Entry<T>? entry) && entry is not null)
        {
            if (timeProvider.GetUtcNow() - entry.LoadedAt >= freshFor && Interlocked.CompareExchange(ref entry.Refreshing, 1, 0) == 0)
            {
                _ = RefreshAsync(key, entry, load, freshFor, serveStaleFor);
            }

            return entry.Value;
        }

        var loadedAt = timeProvider.GetUtcNow();
        var value = await load(cancellationToken);
        Store(key, value, loadedAt, freshFor + serveStaleFor);
        return value;
    }

    /// <summary>Forgets a key, so that the next request loads it.</summary>
    public void Remove(object key) => cache.Remove(key);

    private async Task RefreshAsync<T>(object key, Entry<T> stale, Func<CancellationToken, Task<T>> load, TimeSpan freshFor, TimeSpan serveStaleFor)
    {
        try
        {
            var loadedAt = timeProvider.GetUtcNow();
            var value = await load(CancellationToken.None);

            // A Remove while loading means the value changed under us: leave the key empty.
            if (cache.TryGetValue(key, out Entry<T>? current) && ReferenceEquals(current, stale))
            {
                Store(key, value, loadedAt, freshFor + serveStaleFor);
            }
        }
        catch (Exception ex)
        {
            Volatile.Write(ref stale.Refreshing, 0);
            if (probe is not null && await probe.IsOutageAsync(ex))
            {
                Log.CacheRefreshDeferred(logger, ex, key.ToString() ?? "");
            }
            else
            {
                Log.CacheRefreshFailed(logger, ex, key.ToString() ?? "");
            }
        }
    }

    // Eviction runs on the memory cache's own clock, so it is given a span, not an instant.
    private void Store<T>(object key, T value, DateTimeOffset loadedAt, TimeSpan keepFor) =>
        cache.Set(key, new Entry<T>(value, loadedAt), new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = keepFor, Size = 1 });
}
