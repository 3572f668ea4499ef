using System.Runtime.CompilerServices;

namespace Resso.Shared.Storage;

/// <summary>Reads that run a few at a time and are yielded in the order they were listed.</summary>
internal static class OrderedReads
{
    /// <summary>
    /// Starts up to <paramref name="ahead"/> of <paramref name="reads"/> at once and yields their items
    /// read by read, in the order of <paramref name="reads"/>: as fast as reading in parallel, the same
    /// sequence as reading one after another. Reads still running when the caller stops are cancelled.
    /// </summary>
    public static async IAsyncEnumerable<T> InOrderAsync<TSource, T>(
        IEnumerable<TSource> reads, Func<TSource, CancellationToken, Task<List<T>>> read, int ahead, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var running = new Queue<Task<List<T>>>();
        using var next = reads.GetEnumerator();
        try
        {
            while (true)
            {
                while (running.Count < ahead && next.MoveNext())
                {
                    running.Enqueue(read(next.Current, stop.Token));
                }

                if (!running.TryDequeue(out var first))
                {
                    yield break;
                }

                foreach (var item in await first)
                {
                    yield return item;
                }
            }
        }
        finally
        {
            // Stopped early or failed: the reads ahead are of no use; wait for them so none outlives the enumeration.
            if (running.Count > 0)
            {
                await stop.CancelAsync();
                try
                {
                    await Task.WhenAll(running);
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    // Cancelled above, or failed after being abandoned: either way nobody reads them.
                }
            }
        }
    }
}
