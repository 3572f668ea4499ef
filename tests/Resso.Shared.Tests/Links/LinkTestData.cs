using System.Security.Cryptography;
using System.Text;
using Resso.Shared.Links;
using Resso.Shared.Offers;

namespace Resso.Shared.Tests.Links;

/// <summary>Builders for link tests: claims like the offer endpoint makes, and key rings.</summary>
internal static class LinkTestData
{
    public static readonly DateTimeOffset IssuedAt = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Typical claims: a 12-character offer id, ids of 10–20 characters, an experiment.</summary>
    public static LinkClaims Claims() => new(
        OfferId: "o7Kp2xQ9aB3c",
        SongId: "s_7H3kQ9x2LmPa",
        VideoId: "v_7301938475620183",
        UserId: "u_98234751023",
        Region: "ID",
        Platform: Platform.Android,
        Experiment: "trial-length",
        Variant: "long",
        StartMs: 30_500,
        IssuedAt: IssuedAt,
        ExpiresAt: IssuedAt.AddDays(7),
        Kind: OfferKind.FreeTrial);

    /// <summary>Claims with every string at its longest.</summary>
    public static LinkClaims LargestClaims() => new(
        OfferId: new string('o', LinkClaims.MaxOfferIdLength),
        SongId: new string('s', LinkClaims.MaxIdLength),
        VideoId: new string('v', LinkClaims.MaxIdLength),
        UserId: new string('u', LinkClaims.MaxIdLength),
        Region: "ZW",
        Platform: Platform.Web,
        Experiment: new string('e', LinkClaims.MaxNameLength),
        Variant: new string('w', LinkClaims.MaxNameLength),
        StartMs: int.MaxValue,
        IssuedAt: new DateTimeOffset(9000, 1, 1, 0, 0, 0, TimeSpan.Zero),
        ExpiresAt: new DateTimeOffset(9000, 1, 1, 0, 0, 0, TimeSpan.Zero) + LinkClaims.MaxLifetime,
        Kind: OfferKind.ListenFree);

    /// <summary>A 32-byte secret, different for each <paramref name="name"/>.</summary>
    public static string Secret(string name) => Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(name)));

    public static LinkOptions Options(string signingKeyId, params string[] keyIds)
    {
        var options = new LinkOptions { SigningKeyId = signingKeyId, LinkHost = "links.resso.example" };
        foreach (var keyId in keyIds)
        {
            options.Keys[keyId] = Secret(keyId);
        }

        return options;
    }

    public static LinkSigner Signer(string signingKeyId, params string[] keyIds) =>
        new(LinkKeyRing.FromOptions(Options(signingKeyId, keyIds), isDevelopment: false));
}
