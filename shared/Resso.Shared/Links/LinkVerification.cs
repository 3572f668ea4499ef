using System.Diagnostics.CodeAnalysis;

namespace Resso.Shared.Links;

/// <summary>Why a token was or was not accepted.</summary>
public enum LinkVerificationStatus
{
    /// <summary>Signed by a configured key, untampered, and within its lifetime.</summary>
    Valid,

    /// <summary>Not a token: too long, wrong characters, wrong shape or version, or a payload that does not decode exactly.</summary>
    Malformed,

    /// <summary>Well formed, but its key id is not configured (never was, or the key was retired).</summary>
    UnknownKey,

    /// <summary>Well formed, but the MAC does not match: tampered, or made without the key.</summary>
    BadSignature,

    /// <summary>Authentic, but past its expiry.</summary>
    Expired,

    /// <summary>Authentic, but issued more than the clock skew allowance in the future.</summary>
    NotYetValid,
}

/// <summary>The outcome of <see cref="LinkSigner.Verify"/>: a status, and the claims when the token is valid.</summary>
public sealed record LinkVerification
{
    private static readonly LinkVerification[] Failures =
        [.. Enum.GetValues<LinkVerificationStatus>().Select(status => new LinkVerification(status, null))];

    private LinkVerification(LinkVerificationStatus status, LinkClaims? claims)
    {
        Status = status;
        Claims = claims;
    }

    /// <summary>Why the token was or was not accepted.</summary>
    public LinkVerificationStatus Status { get; }

    /// <summary>The token's claims; set only when <see cref="IsValid"/>.</summary>
    public LinkClaims? Claims { get; }

    /// <summary>The token is valid and <see cref="Claims"/> is set.</summary>
    [MemberNotNullWhen(true, nameof(Claims))]
    public bool IsValid => Status == LinkVerificationStatus.Valid;

    internal static LinkVerification Valid(LinkClaims claims) => new(LinkVerificationStatus.Valid, claims);

    internal static LinkVerification Failed(LinkVerificationStatus status) =>
        status == LinkVerificationStatus.Valid ? throw new ArgumentOutOfRangeException(nameof(status)) : Failures[(int)status];
}
