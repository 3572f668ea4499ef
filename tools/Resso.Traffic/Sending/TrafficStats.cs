using Resso.Shared.Events;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Sending;

/// <summary>Counters of a run, safe to read while it goes on.</summary>
public sealed class TrafficStats
{
    private readonly Lock _lock = new();
    private readonly long[] _byAction = new long[Enum.GetValues<SongAction>().Length];
    private readonly SortedDictionary<string, long> _byRegion = new(StringComparer.Ordinal);
    private long _generated;
    private long _duplicates;
    private long _sent;
    private long _requests;
    private long _retries;
    private long _accepted;
    private long _acceptedReports;
    private long _failedBatches;
    private long _failedEvents;
    private long _catalogUpserted;
    private long _catalogFailed;

    /// <summary>Events drawn from the generator, duplicates included.</summary>
    public long Generated => Interlocked.Read(ref _generated);

    /// <summary>Events drawn that were not duplicates.</summary>
    public long Distinct => Generated - Duplicates;

    /// <summary>Exact copies of earlier events that were emitted.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>Events in batches that were delivered.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>HTTP requests (retries included) or queue messages sent.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Requests repeated after a 429, 503 or transport error.</summary>
    public long Retries => Interlocked.Read(ref _retries);

    /// <summary>The sum of the <c>accepted</c> counts the service reported, or null when it reported none.</summary>
    public long? Accepted => Interlocked.Read(ref _acceptedReports) > 0 ? Interlocked.Read(ref _accepted) : null;

    /// <summary>Batches that were not delivered after every retry.</summary>
    public long FailedBatches => Interlocked.Read(ref _failedBatches);

    /// <summary>Events in those batches.</summary>
    public long FailedEvents => Interlocked.Read(ref _failedEvents);

    /// <summary>Songs whose details were upserted.</summary>
    public long CatalogUpserted => Interlocked.Read(ref _catalogUpserted);

    /// <summary>Songs whose upsert failed.</summary>
    public long CatalogFailed => Interlocked.Read(ref _catalogFailed);

    /// <summary>The service has no catalog endpoint, so no song was upserted.</summary>
    public bool CatalogEndpointMissing { get; set; }

    /// <summary>Distinct events per action.</summary>
    public IReadOnlyDictionary<SongAction, long> ByAction
    {
        get
        {
            lock (_lock)
            {
                return Enum.GetValues<SongAction>().ToDictionary(a => a, a => _byAction[(int)a]);
            }
        }
    }

    /// <summary>Distinct events per region, by region code.</summary>
    public IReadOnlyDictionary<string, long> ByRegion
    {
        get
        {
            lock (_lock)
            {
                return new SortedDictionary<string, long>(_byRegion, StringComparer.Ordinal);
            }
        }
    }

    /// <summary>Counts an event drawn from the generator.</summary>
    public void RecordGenerated(GeneratedEvent generated)
    {
        Interlocked.Increment(ref _generated);
        if (generated.IsDuplicate)
        {
            Interlocked.Increment(ref _duplicates);
            return;
        }

        lock (_lock)
        {
            _byAction[(int)generated.Event.Action]++;
            _byRegion[generated.Event.Region] = _byRegion.GetValueOrDefault(generated.Event.Region) + 1;
        }
    }

    /// <summary>Counts the outcome of one batch.</summary>
    public void RecordBatch(BatchResult result)
    {
        Interlocked.Add(ref _requests, result.Requests);
        Interlocked.Add(ref _retries, result.Retries);
        if (result.Accepted is { } accepted)
        {
            Interlocked.Add(ref _accepted, accepted);
            Interlocked.Increment(ref _acceptedReports);
        }

        if (result.Succeeded)
        {
            Interlocked.Add(ref _sent, result.Events);
        }
        else
        {
            Interlocked.Increment(ref _failedBatches);
            Interlocked.Add(ref _failedEvents, result.Events);
        }
    }

    /// <summary>Counts one song upsert.</summary>
    public void RecordCatalog(bool succeeded)
    {
        if (succeeded)
        {
            Interlocked.Increment(ref _catalogUpserted);
        }
        else
        {
            Interlocked.Increment(ref _catalogFailed);
        }
    }
}
