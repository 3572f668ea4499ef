using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Resso.Shared.Offers;

/// <summary>Registers the offer decision.</summary>
public static class OffersServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="OfferOptions"/> from <c>Resso:Offers</c>, validates them at start-up with the
    /// source-generated validator (regions, currencies, experiments and variants, nested), and
    /// registers <see cref="OfferRules"/> as a singleton.
    /// </summary>
    public static IServiceCollection AddRessoOffers(this IServiceCollection services)
    {
        services.AddOptionsWithValidateOnStart<OfferOptions>().BindConfiguration(OfferOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<OfferOptions>, OfferOptionsValidator>());
        services.TryAddSingleton<OfferRules>();
        return services;
    }
}
