using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Resso.Functions.Core.Catalog;
using Resso.Functions.Core.Events;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Links;
using Resso.Functions.Core.Model;
using Resso.Ml;
using Resso.Functions.Core.Listeners;
using Resso.Functions.Core.Offers;
using Resso.Functions.Core.Privacy;
using Resso.Functions.Core.Telemetry;
using Resso.Ml.Mixes;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Offers;
using Resso.Shared.Privacy;
using Resso.Shared.Storage;
using Microsoft.Extensions.Options;

namespace Resso.Functions.Core;

/// <summary>The one composition root of both hosts.</summary>
public static class RessoHostBuilderExtensions
{
    /// <summary>How many entries the per-instance cache holds at most (answers, catalog entries, subscription states).</summary>
    public const int CacheEntryLimit = 100_000;

    /// <summary>
    /// Registers everything the functions need. Called by the Azure Functions worker
    /// (<c>FunctionsApplication.CreateBuilder</c>) and by the self-host (<c>WebApplication.CreateBuilder</c>).
    /// </summary>
    /// <exception cref="Resso.Shared.Configuration.RessoConfigurationException">A required setting is missing or malformed.</exception>
    public static TBuilder AddResso<TBuilder>(this TBuilder builder)
        where TBuilder : IHostApplicationBuilder
    {
        // Paths, queries and redirect destinations carry link tokens, claim codes and keys: off
        // whatever the configuration says (a post-configuration runs after host.json and appsettings).
        builder.Services.PostConfigure<LoggerFilterOptions>(LogSecrecy.Apply);
        // Checks that refuse a setting record it when the host collects problems (StartupValidation), so that one start reports them all.
        builder.CheckSettings(() => builder.Services.AddRessoStorage(builder.Configuration));
        builder.Services.AddRessoIngestion();
        builder.CheckSettings(() => builder.Services.AddSingleton(ApiKeys.FromConfiguration(builder.Configuration, builder.Environment)));
        builder.Services.AddListenerAuthentication();
        builder.Services.AddSingleton<QueueProcessingLag>();
        builder.Services.AddSingleton<QueueBacklogProbe>();
        builder.Services.AddSingleton<SongUsedHandler>();
        builder.Services.AddSingleton<IQueueHandler>(static sp => sp.GetRequiredService<SongUsedHandler>());
        builder.Services.AddRessoRecommender();
        builder.Services.AddSingleton<ModelRetrainHandler>();
        builder.Services.AddSingleton<IQueueHandler>(static sp => sp.GetRequiredService<ModelRetrainHandler>());
        builder.Services.AddSingleton<RetrainTimer>();
        builder.Services.AddSingleton<ITimerHandler>(static sp => sp.GetRequiredService<RetrainTimer>());
        builder.Services.AddRessoAttribution();
        // Per-instance answer caches, bounded in entries (each counts 1): when full, the cache
        // compacts, dropping expired and least recently used entries first.
        builder.Services.AddMemoryCache(o => o.SizeLimit = CacheEntryLimit);
        builder.Services.AddRessoLinks(builder.Environment.IsDevelopment());
        builder.Services.AddRessoOffers();
        builder.Services.AddOptionsWithValidateOnStart<AppAssociationOptions>().BindConfiguration(AppAssociationOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<AppAssociationOptions>, AppAssociationOptionsValidator>();
        builder.Services.AddOptionsWithValidateOnStart<DeepLinkOptions>().BindConfiguration(DeepLinkOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<DeepLinkOptions>, DeepLinkOptionsValidator>();
        builder.Services.AddSingleton<RefreshingCache>();
        builder.Services.AddSingleton<OfferService>();
        builder.Services.AddHostedService<SubscriptionChangeWatcher>();
        builder.Services.AddSingleton<CatalogRollupTimer>();
        builder.Services.AddSingleton<ITimerHandler>(static sp => sp.GetRequiredService<CatalogRollupTimer>());
        builder.Services.AddOptions<MixOptions>().BindConfiguration(MixOptions.SectionName);
        builder.Services.AddOptionsWithValidateOnStart<CatalogCacheOptions>().BindConfiguration(CatalogCacheOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<CatalogCacheOptions>, CatalogCacheOptionsValidator>();
        builder.Services.AddSingleton<CatalogSnapshotStore>();
        builder.Services.AddSingleton<CatalogSnapshot>();
        builder.Services.AddSingleton<IKnownSongs>(static sp => sp.GetRequiredService<CatalogSnapshot>());
        builder.Services.AddSingleton<SongUsageStats>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<CatalogSnapshot>());
        builder.Services.AddSingleton<ListenerService>();
        builder.Services.AddSingleton<IUserActivityObserver>(static sp => sp.GetRequiredService<ListenerService>());
        builder.Services.AddSingleton<PoisonErasure>();
        builder.Services.AddSingleton<PrivacyService>();
        builder.Services.AddHostedService<ErasureWatcher>();
        builder.Services.AddSingleton<RetentionTimer>();
        builder.Services.AddSingleton<ITimerHandler>(static sp => sp.GetRequiredService<RetentionTimer>());
        builder.Services.AddOptionsWithValidateOnStart<RateLimitOptions>().BindConfiguration(RateLimitOptions.SectionName);
        builder.Services.AddSingleton<IValidateOptions<RateLimitOptions>, RateLimitOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<RateLimitOptions>, TrustedProxiesValidator>();
        builder.Services.AddSingleton<RateLimits>();
        builder.Services.AddProblemDetails();
        builder.Services.AddSingleton<RessoGauges>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<RessoGauges>());
        // A hosted service so that it is created, and starts listening, when the host starts.
        builder.Services.AddSingleton<IngestionMinutes>();
        builder.Services.AddHostedService(static sp => sp.GetRequiredService<IngestionMinutes>());
        return builder;
    }
}
