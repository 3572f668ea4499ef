using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resso.Ml.Pipeline;
using Resso.Ml.Serving;
using Resso.Ml.Store;
using Resso.Ml.Training;
using Resso.Shared.Ingestion;

namespace Resso.Ml;

/// <summary>Registers training, the model store, hot swap, fold-in and recommendation serving.</summary>
public static class RecommenderServiceCollectionExtensions
{
    /// <summary>Adds the recommender; needs the storage and ingestion registrations of <c>Resso.Shared</c>.</summary>
    public static IServiceCollection AddRessoRecommender(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<RecommenderOptions>().BindConfiguration(RecommenderOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RecommenderOptions>, RecommenderOptionsValidator>());
        services.TryAddSingleton<FfmTrainer>();
        services.TryAddSingleton<ModelStore>();
        services.TryAddSingleton<ModelHolder>();
        services.TryAddSingleton<ModelRefresher>();
        services.AddHostedService(static sp => sp.GetRequiredService<ModelRefresher>());
        services.TryAddSingleton<UserVectors>();
        services.TryAddSingleton<FoldInWorker>();
        services.AddHostedService(static sp => sp.GetRequiredService<FoldInWorker>());
        services.AddSingleton<IUserActivityObserver>(static sp => sp.GetRequiredService<FoldInWorker>());
        services.TryAddSingleton<Recommender>();
        services.TryAddSingleton<TrainingService>();
        return services;
    }
}
