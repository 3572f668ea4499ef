using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Resso.Shared.Configuration;

namespace Resso.Shared.Links;

/// <summary>Registers link signing.</summary>
public static class LinksServiceCollectionExtensions
{
    /// <summary>
    /// Binds <see cref="LinkOptions"/> from <c>Resso:Links</c> and validates them at start-up,
    /// including the keys, so that a bad key stops the host before it serves a request. Then
    /// registers <see cref="LinkKeyRing"/> and <see cref="LinkSigner"/> as singletons.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="isDevelopment">The host runs in Development; only then is the development key accepted.</param>
    public static IServiceCollection AddRessoLinks(this IServiceCollection services, bool isDevelopment)
    {
        services.AddOptionsWithValidateOnStart<LinkOptions>().BindConfiguration(LinkOptions.SectionName);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LinkOptions>, LinkOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<LinkOptions>>(new LinkKeysValidator(isDevelopment)));
        services.TryAddSingleton(sp => LinkKeyRing.FromOptions(sp.GetRequiredService<IOptions<LinkOptions>>().Value, isDevelopment));
        services.TryAddSingleton<LinkSigner>();
        return services;
    }

    /// <summary>Runs the key checks of <see cref="LinkKeyRing.FromOptions"/> as options validation, so that they run on start.</summary>
    private sealed class LinkKeysValidator(bool isDevelopment) : IValidateOptions<LinkOptions>
    {
        public ValidateOptionsResult Validate(string? name, LinkOptions options)
        {
            try
            {
                LinkKeyRing.FromOptions(options, isDevelopment);
                return ValidateOptionsResult.Success;
            }
            catch (RessoConfigurationException exception)
            {
                return ValidateOptionsResult.Fail(exception.Message);
            }
        }
    }
}
