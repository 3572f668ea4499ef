using Azure.Core;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Resso.Shared.Attribution;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Privacy;
using Resso.Shared.Telemetry;

namespace Resso.Shared.Storage;

/// <summary>Registers the app's storage: clients, names, provisioning and the health probe.</summary>
public static class StorageServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Table, Queue and Blob service clients once, as singletons, from
    /// <c>AzureWebJobsStorage</c>. Queue messages are base64, as the Functions queue trigger expects.
    /// </summary>
    /// <exception cref="Configuration.RessoConfigurationException">The storage setting is missing or malformed.</exception>
    public static IServiceCollection AddRessoStorage(this IServiceCollection services, IConfiguration configuration)
    {
        // The options before the connection string: when it is refused, a host that collects
        // configuration problems (reporting all of them in one run) still validates these.
        services.AddOptionsWithValidateOnStart<StorageOptions>()
            .BindConfiguration(StorageOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<StorageOptions>, StorageOptionsValidator>());

        var connection = StorageConnection.FromConfiguration(configuration);
        services.TryAddSingleton(connection);

        services.AddAzureClients(clients =>
        {
            clients.AddClient<TableServiceClient, TableClientOptions>((options, provider) =>
                connection.CreateTableServiceClient(WithRepair(options, provider)));
            clients.AddClient<BlobServiceClient, BlobClientOptions>((options, provider) =>
                connection.CreateBlobServiceClient(WithRepair(options, provider)));
            clients.AddClient<QueueServiceClient, QueueClientOptions>((options, provider) =>
                connection.CreateQueueServiceClient(WithRepair(ConfigureQueues(options, provider.GetRequiredService<PoisonMessages>()), provider)));

            // The SDK retries transport faults itself; keep its budget short so that a storage
            // outage surfaces quickly to the circuit breakers above it instead of piling up.
            clients.ConfigureDefaults(options =>
            {
                options.Retry.Mode = RetryMode.Exponential;
                options.Retry.MaxRetries = 3;
                options.Retry.Delay = TimeSpan.FromMilliseconds(200);
                options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
                options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
            });
        });

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static sp => new StorageNames(sp.GetRequiredService<IOptions<StorageOptions>>().Value.Prefix));
        services.TryAddSingleton<PoisonMessages>();
        services.TryAddSingleton<StorageProvisioner>();
        services.AddHostedService(static sp => sp.GetRequiredService<StorageProvisioner>());
        services.TryAddSingleton<StorageHealthProbe>();
        services.AddHostedService<StorageMonitor>();
        services.TryAddSingleton<StorageGuard>();

        // The provisioner is looked up when a re-creation first runs: it needs the clients, whose
        // pipelines hold the repair. Before it has created everything once (start-up, or storage
        // down at start), a missing resource is its job, not a deletion to repair.
        services.TryAddSingleton(static sp => new StorageRepair(
            async ct =>
            {
                var provisioner = sp.GetRequiredService<StorageProvisioner>();
                if (!provisioner.IsReady)
                {
                    await provisioner.WaitUntilReadyAsync(ct);
                    return [];
                }

                return await provisioner.CreateMissingAsync(ct);
            },
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<StorageRepair>>()));
        services.TryAddSingleton<MissingStoragePolicy>();
        return services;
    }

    // Every client reports missing queues, tables and containers, so that they are made again.
    private static T WithRepair<T>(T options, IServiceProvider provider)
        where T : ClientOptions
    {
        options.AddPolicy(provider.GetRequiredService<MissingStoragePolicy>(), HttpPipelinePosition.PerCall);
        return options;
    }

    /// <summary>Registers event validation, the event queue, and the stores and processor of <c>song-used</c>.</summary>
    public static IServiceCollection AddRessoIngestion(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestionOptions>, IngestionOptionsValidator>());
        services.TryAddSingleton<RessoMetrics>();
        services.TryAddSingleton<EventParser>();
        services.TryAddSingleton<EventQueue>();
        services.TryAddSingleton<InteractionStore>();
        services.TryAddSingleton<SongStatsStore>();
        services.TryAddSingleton<EventLog>();
        services.TryAddSingleton<SongCatalog>();
        services.TryAddSingleton<SongUsedProcessor>();
        services.TryAddSingleton<SegmentRollup>();
        services.AddOptionsWithValidateOnStart<PrivacyOptions>().BindConfiguration(PrivacyOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrivacyOptions>, PrivacyOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PrivacyOptions>, PrivacyRetentionValidator>());
        services.TryAddSingleton<ErasureMarkers>();
        return services;
    }

    /// <summary>
    /// The app's queue conventions for a client that only sends: base64 messages, as the Functions
    /// queue trigger reads and writes them.
    /// </summary>
    public static QueueClientOptions ConfigureQueues(QueueClientOptions options)
    {
        options.MessageEncoding = QueueMessageEncoding.Base64;
        return options;
    }

    /// <summary>
    /// The app's queue conventions for a client that receives: base64 messages, and a message that is
    /// not base64 moved to <c>{queue}-poison</c> by <paramref name="poison"/>, as a
    /// <see cref="PoisonEnvelope"/> with its exact bytes. A move that fails is logged and leaves the
    /// message in the queue for a later attempt; it never fails the receive of the messages fetched with it.
    /// </summary>
    public static QueueClientOptions ConfigureQueues(QueueClientOptions options, PoisonMessages poison)
    {
        ConfigureQueues(options);
        options.MessageDecodingFailed += poison.MoveUndecodableAsync;
        return options;
    }

    /// <summary>Registers offers, clicks, claims, conversions and the attribution report.</summary>
    public static IServiceCollection AddRessoAttribution(this IServiceCollection services)
    {
        services.TryAddSingleton<AttributionStore>();
        services.TryAddSingleton<OfferLog>();
        services.TryAddSingleton<AttributionReporter>();
        services.TryAddSingleton<AnalyticsWriter>();
        services.AddHostedService(static sp => sp.GetRequiredService<AnalyticsWriter>());
        return services;
    }
}
