using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Resso.Shared.Links;
using Resso.Shared.Offers;
using static Resso.Shared.Tests.Links.LinkTestData;

namespace Resso.Shared.Tests.Links;

public sealed class LinksServiceCollectionExtensionsTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings, bool isDevelopment)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build());
        services.AddRessoLinks(isDevelopment);
        services.AddRessoOffers();
        return services.BuildServiceProvider();
    }

    [Fact]
    public void AddRessoLinks_DevelopmentKeyInProduction_FailsOptionsValidationNamingTheSetting()
    {
        using var provider = Build(new()
        {
            ["Resso:Links:SigningKeyId"] = "dev",
            ["Resso:Links:Keys:dev"] = LinkKeyRing.DevelopmentSecret,
            ["Resso:Links:LinkHost"] = "links.resso.example",
        }, isDevelopment: false);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LinkOptions>>().Value);

        Assert.Contains("Resso__Links__Keys__dev", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddRessoLinks_ValidSettings_ResolveASignerAndOfferRules()
    {
        using var provider = Build(new()
        {
            ["Resso:Links:SigningKeyId"] = "k1",
            ["Resso:Links:Keys:k1"] = Secret("k1"),
            ["Resso:Links:LinkHost"] = "links.resso.example",
            ["Resso:Offers:Regions:ID:Currency"] = "IDR",
            ["Resso:Offers:Regions:ID:MonthlyPrice"] = "49900",
        }, isDevelopment: false);

        var signer = provider.GetRequiredService<LinkSigner>();

        Assert.True(signer.Verify(signer.Sign(Claims()), IssuedAt).IsValid);
        Assert.Equal(OfferKind.Subscribe, provider.GetRequiredService<OfferRules>().Decide(new OfferContext("s_1", "ID", "u_1", false, false, null)).Kind);
    }

    [Fact]
    public void AddRessoOffers_BadNestedVariant_FailsOptionsValidation()
    {
        using var provider = Build(new()
        {
            ["Resso:Offers:Experiments:0:Name"] = "x",
            ["Resso:Offers:Experiments:0:Variants:0:Name"] = "a",
            ["Resso:Offers:Experiments:0:Variants:0:Weight"] = "0",
        }, isDevelopment: true);

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<OfferOptions>>().Value);

        Assert.Contains("Weight", error.Message, StringComparison.Ordinal);
    }
}
