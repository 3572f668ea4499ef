using System.Text;
using Resso.Shared.Configuration;
using Resso.Shared.Links;
using static Resso.Shared.Tests.Links.LinkTestData;

namespace Resso.Shared.Tests.Links;

public sealed class LinkKeyRingTests
{
    [Fact]
    public void DevelopmentSecret_IsTheDocumentedPublicText()
    {
        Assert.Equal("DEVELOPMENT-ONLY-KEY-never-use-in-production-0000", Encoding.ASCII.GetString(Convert.FromBase64String(LinkKeyRing.DevelopmentSecret)));
    }

    [Fact]
    public void FromOptions_DevelopmentKeyInDevelopment_SignsAndVerifies()
    {
        var options = new LinkOptions { SigningKeyId = "dev", Keys = { ["dev"] = LinkKeyRing.DevelopmentSecret } };

        var signer = new LinkSigner(LinkKeyRing.FromOptions(options, isDevelopment: true));

        Assert.True(signer.Verify(signer.Sign(Claims()), IssuedAt).IsValid);
    }

    [Fact]
    public void FromOptions_DevelopmentKeyOutsideDevelopment_IsRefusedNamingTheSetting()
    {
        var options = new LinkOptions { SigningKeyId = "k2026a", Keys = { ["k2026a"] = Secret("k2026a"), ["dev"] = LinkKeyRing.DevelopmentSecret } };

        var error = Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: false));

        Assert.Equal("Resso__Links__Keys__dev", error.Setting);
        Assert.StartsWith("Resso__Links__Keys__dev: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("Development", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromOptions_DevelopmentKeyIdWithAnotherSecretOutsideDevelopment_IsRefused()
    {
        var options = new LinkOptions { SigningKeyId = "dev", Keys = { ["dev"] = Secret("random") } };

        Assert.Equal("Resso__Links__Keys__dev", Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: false)).Setting);
    }

    [Fact]
    public void FromOptions_DevelopmentSecretUnderAnotherKeyIdOutsideDevelopment_IsRefused()
    {
        var options = new LinkOptions { SigningKeyId = "prod", Keys = { ["prod"] = LinkKeyRing.DevelopmentSecret } };

        Assert.Equal("Resso__Links__Keys__prod", Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: false)).Setting);
    }

    [Fact]
    public void FromOptions_SigningKeyIdNotAmongTheKeys_IsRefusedNamingTheSetting()
    {
        var options = Options("k2026b", "k2026a");

        var error = Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: false));

        Assert.Equal("Resso__Links__SigningKeyId", error.Setting);
        Assert.Contains("k2026a", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromOptions_NoSigningKeyId_IsRefusedNamingTheSetting()
    {
        var options = Options("", "k2026a");

        Assert.Equal("Resso__Links__SigningKeyId", Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: true)).Setting);
    }

    [Fact]
    public void FromOptions_NoKeys_IsRefusedNamingTheSetting()
    {
        var options = new LinkOptions { SigningKeyId = "k2026a" };

        Assert.Equal("Resso__Links__Keys", Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: true)).Setting);
    }

    [Theory]
    [InlineData("not base64!")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("c2hvcnQ=")] // "short": 5 bytes
    [InlineData("MDEyMzQ1Njc4OTAxMjM0NTY3ODkwMTIzNDU2Nzg=")] // 31 bytes
    public void FromOptions_SecretNotBase64OrTooShort_IsRefusedNamingTheKeyWithoutEchoingIt(string secret)
    {
        var options = new LinkOptions { SigningKeyId = "k2026a", Keys = { ["k2026a"] = secret } };

        var error = Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: true));

        Assert.Equal("Resso__Links__Keys__k2026a", error.Setting);
        if (secret.Trim().Length > 0)
        {
            Assert.DoesNotContain(secret, error.Message, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("has.dot")]
    [InlineData("has space")]
    [InlineData("seventeen-chars-x")]
    [InlineData("ключ")]
    public void FromOptions_InvalidKeyId_IsRefused(string keyId)
    {
        var options = new LinkOptions { SigningKeyId = keyId, Keys = { [keyId] = Secret(keyId) } };

        Assert.Equal($"Resso__Links__Keys__{keyId}", Assert.Throws<RessoConfigurationException>(() => LinkKeyRing.FromOptions(options, isDevelopment: true)).Setting);
    }

    [Fact]
    public void FromOptions_SecretOf32Bytes_IsAccepted()
    {
        var ring = LinkKeyRing.FromOptions(Options("k2026a", "k2026a", "k2025z"), isDevelopment: false);

        Assert.Equal("k2026a", ring.SigningKeyId);
        Assert.Equal(["k2025z", "k2026a"], ring.KeyIds.Order(StringComparer.Ordinal));
    }
}
