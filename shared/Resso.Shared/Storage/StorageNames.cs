namespace Resso.Shared.Storage;

/// <summary>
/// The names of every table, queue and blob container the app uses, in one place. Queue and
/// container names are lowercase with hyphens; table names are alphanumeric.
/// </summary>
public sealed class StorageNames
{
    /// <summary>Creates the names with <paramref name="prefix"/> before each.</summary>
    public StorageNames(string prefix = "")
    {
        SongUsedQueue = prefix + "song-used";
        SongUsedPoisonQueue = SongUsedQueue + PoisonSuffix;
        ModelRetrainQueue = prefix + "model-retrain";
        ModelRetrainPoisonQueue = ModelRetrainQueue + PoisonSuffix;
        ModelsContainer = prefix + "models";
        EventLogContainer = prefix + "event-log";
        OfferLogContainer = prefix + "offer-log";
        PoisonContainer = prefix + "poison";
        CatalogContainer = prefix + "catalog";
        SongsTable = prefix + "songs";
        SongChangesTable = prefix + "songchanges";
        InteractionsTable = prefix + "interactions";
        SongStatsTable = prefix + "songstats";
        SubscriptionsTable = prefix + "subscriptions";
        ClicksTable = prefix + "clicks";
        ClaimsTable = prefix + "claims";
        ConversionsTable = prefix + "conversions";
        UserFactorsTable = prefix + "userfactors";
        ErasuresTable = prefix + "erasures";

        Queues = [SongUsedQueue, SongUsedPoisonQueue, ModelRetrainQueue, ModelRetrainPoisonQueue];
        Containers = [ModelsContainer, EventLogContainer, OfferLogContainer, PoisonContainer, CatalogContainer];
        Tables =
        [
            SongsTable, SongChangesTable, InteractionsTable, SongStatsTable, SubscriptionsTable,
            ClicksTable, ClaimsTable, ConversionsTable, UserFactorsTable, ErasuresTable,
        ];
    }

    /// <summary>What the Functions host appends to a queue's name for its poison queue.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>"Song used in short video" events, many per message.</summary>
    public string SongUsedQueue { get; }

    /// <summary>Messages of <see cref="SongUsedQueue"/> that could not be processed, with their reason.</summary>
    public string SongUsedPoisonQueue { get; }

    /// <summary>Retrain requests.</summary>
    public string ModelRetrainQueue { get; }

    /// <summary>Retrain requests that kept failing.</summary>
    public string ModelRetrainPoisonQueue { get; }

    /// <summary>Versioned models and the <c>current</c> pointer.</summary>
    public string ModelsContainer { get; }

    /// <summary>The compact catalog snapshot that every instance ranks with (written by the catalog roll-up).</summary>
    public string CatalogContainer { get; }

    /// <summary>The append-only event log that training reads.</summary>
    public string EventLogContainer { get; }

    /// <summary>Offers served, counted per second and attribution (<see cref="Attribution.OfferLog"/>).</summary>
    public string OfferLogContainer { get; }

    /// <summary>
    /// Rejected messages and events too large to travel in a poison queue's message, referenced from
    /// it (<see cref="PoisonMessages"/>).
    /// </summary>
    public string PoisonContainer { get; }

    /// <summary>The song catalog.</summary>
    public string SongsTable { get; }

    /// <summary>
    /// Which catalog entries changed when (<see cref="Ingestion.SongCatalog.ReadChangesAsync"/>), so that every
    /// instance's catalog snapshot follows within seconds; rows older than a day are deleted.
    /// </summary>
    public string SongChangesTable { get; }

    /// <summary>Users' counted events (one row each), from which interactions are aggregated.</summary>
    public string InteractionsTable { get; }

    /// <summary>Song statistics per region and day.</summary>
    public string SongStatsTable { get; }

    /// <summary>Listeners' subscription state.</summary>
    public string SubscriptionsTable { get; }

    /// <summary>Link clicks, by day and by user.</summary>
    public string ClicksTable { get; }

    /// <summary>Claim codes of deferred deep links.</summary>
    public string ClaimsTable { get; }

    /// <summary>Conversions reported by billing.</summary>
    public string ConversionsTable { get; }

    /// <summary>Folded-in user vectors.</summary>
    public string UserFactorsTable { get; }

    /// <summary>Erasure markers, keyed by a hash of the erased user's id (<see cref="Privacy.ErasureMarkers"/>).</summary>
    public string ErasuresTable { get; }

    /// <summary>Every queue, poison queues included.</summary>
    public IReadOnlyList<string> Queues { get; }

    /// <summary>Every blob container.</summary>
    public IReadOnlyList<string> Containers { get; }

    /// <summary>Every table.</summary>
    public IReadOnlyList<string> Tables { get; }
}
