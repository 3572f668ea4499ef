using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resso.Shared.Ingestion;

namespace Resso.Ml.Serving;

/// <summary>
/// Folds in users as soon as their events are counted, off the ingestion path: the processor
/// hands over the users of each message, this worker coalesces them (a user active in many
/// messages is folded once) and refreshes their stored vectors, a few at a time. Nothing happens
/// until a model is served. If it falls behind or dies, requests fold users in themselves.
/// </summary>
public sealed class FoldInWorker(UserVectors vectors, ModelHolder holder, ILogger<FoldInWorker> logger) : BackgroundService, IUserActivityObserver
{
    private const int Concurrency = 4;
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _signal = new(0);

    /// <summary>Users waiting to be folded in.</summary>
    public int Pending => _pending.Count;

    /// <inheritdoc />
    public void OnEventsCounted(IReadOnlyCollection<string> userIds)
    {
        if (holder.Current is null)
        {
            return;
        }

        foreach (var user in userIds)
        {
            _pending.TryAdd(user, 0);
        }

        _signal.Release();
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            await _signal.WaitAsync(stoppingToken);
            while (!_pending.IsEmpty && holder.Current is { } model)
            {
                var batch = _pending.Keys.Take(256).ToList();
                foreach (var user in batch)
                {
                    _pending.TryRemove(user, out _);
                }

                await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Concurrency, CancellationToken = stoppingToken }, async (user, ct) =>
                {
                    try
                    {
                        await vectors.RefreshAsync(user, model, ct);
                    }
                    catch (Exception ex) when (!ct.IsCancellationRequested)
                    {
                        Log.FoldInFailed(logger, ex, user);
                    }
                });
            }
        }
    }

    /// <inheritdoc />
    public override void Dispose()
    {
        _signal.Dispose();
        base.Dispose();
    }
}
