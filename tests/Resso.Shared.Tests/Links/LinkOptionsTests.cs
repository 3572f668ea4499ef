using Microsoft.Extensions.Options;
using Resso.Shared.Links;
using static Resso.Shared.Tests.Links.LinkTestData;

namespace Resso.Shared.Tests.Links;

public sealed class LinkOptionsTests
{
    private static ValidateOptionsResult Validate(LinkOptions options) => new LinkOptionsValidator().Validate(Microsoft.Extensions.Options.Options.DefaultName, options);

    [Fact]
    public void Validate_TypicalOptions_Succeeds()
    {
        var options = Options("k2026a", "k2026a");

        Assert.True(Validate(options).Succeeded);
        Assert.Equal(TimeSpan.FromDays(7), options.LinkLifetime);
        Assert.Equal("Resso:Links", LinkOptions.SectionName);
    }

    [Theory]
    [InlineData("https://links.resso.example", "Resso__Links__LinkHost")]
    [InlineData("links.resso.example:443", "Resso__Links__LinkHost")]
    [InlineData("links.resso.example/api", "Resso__Links__LinkHost")]
    [InlineData("", "Resso__Links__LinkHost")]
    public void Validate_LinkHostNotAHostName_NamesTheSetting(string host, string setting)
    {
        var options = Options("k2026a", "k2026a");
        options.LinkHost = host;

        var result = Validate(options);

        Assert.True(result.Failed);
        Assert.Contains(setting, result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("00:00:30")]
    [InlineData("367.00:00:00")]
    [InlineData("-1.00:00:00")]
    public void Validate_LifetimeOutOfRange_NamesTheSetting(string lifetime)
    {
        var options = Options("k2026a", "k2026a");
        options.LinkLifetime = TimeSpan.Parse(lifetime, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Contains("Resso__Links__LinkLifetime", Validate(options).FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_NoSigningKeyId_NamesTheSetting()
    {
        var options = Options("", "k2026a");

        Assert.Contains("Resso__Links__SigningKeyId", Validate(options).FailureMessage, StringComparison.Ordinal);
    }
}
