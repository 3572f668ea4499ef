using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Resso.Shared.Links;

/// <summary>
/// Makes and checks link tokens: <c>1.{keyId}.{base64url(payload)}.{base64url(mac)}</c>, where the
/// MAC is HMAC-SHA256 over the ASCII text before the last dot, truncated to its first 16 bytes
/// (128 bits). See <c>Links/README.md</c> for the format and key rotation.
/// </summary>
/// <param name="keys">Signs with <see cref="LinkKeyRing.SigningKeyId"/>; verifies with any key of the ring.</param>
public sealed class LinkSigner(LinkKeyRing keys)
{
    /// <summary>The token format version, the first segment.</summary>
    public const string Version = "1";

    /// <summary>The longest token <see cref="Verify"/> looks at; longer ones are malformed without further work.</summary>
    public const int MaxTokenLength = 512;

    /// <summary>Bytes of the HMAC-SHA256 output kept in a token.</summary>
    public const int MacLength = 16;

    /// <summary>How far in the future <see cref="LinkClaims.IssuedAt"/> may be (server clocks drift).</summary>
    public static readonly TimeSpan ClockSkew = TimeSpan.FromMinutes(5);

    private const int MacChars = 22; // base64url of 16 bytes, no padding

    /// <summary>Signs <paramref name="claims"/> with the signing key. Times are carried to the second, fractions dropped.</summary>
    /// <exception cref="ArgumentException">The claims break a rule of <see cref="LinkClaims"/> (a programming error: check input before).</exception>
    public string Sign(LinkClaims claims)
    {
        var normalized = claims with { IssuedAt = WholeSeconds(claims.IssuedAt), ExpiresAt = WholeSeconds(claims.ExpiresAt) };
        if (normalized.Problem() is { } problem)
        {
            throw new ArgumentException(problem, nameof(claims));
        }

        Span<byte> payload = stackalloc byte[LinkPayload.MaxLength];
        var length = LinkPayload.Write(normalized, payload);
        return SignPayload(keys.SigningKeyId, keys.SigningKey, payload[..length]);
    }

    /// <summary>
    /// Checks <paramref name="token"/> at <paramref name="now"/>. Never throws: anything that is not a
    /// token this service made is <see cref="LinkVerificationStatus.Malformed"/>,
    /// <see cref="LinkVerificationStatus.UnknownKey"/> or <see cref="LinkVerificationStatus.BadSignature"/>.
    /// Shape, characters and payload are checked before any cryptography; the MAC is compared in
    /// constant time; the lifetime is checked only for authentic tokens.
    /// </summary>
    public LinkVerification Verify(string? token, DateTimeOffset now)
    {
        if (!TrySplit(token, out var keyId, out var payloadText, out var macText, out var signedLength))
        {
            return LinkVerification.Failed(LinkVerificationStatus.Malformed);
        }

        Span<byte> payload = stackalloc byte[LinkPayload.MaxLength];
        Span<byte> mac = stackalloc byte[MacLength];
        if (!TryDecodeExactly(payloadText, payload, out var payloadLength)
            || !TryDecodeExactly(macText, mac, out var macLength)
            || macLength != MacLength
            || !LinkPayload.TryRead(payload[..payloadLength], out var claims))
        {
            return LinkVerification.Failed(LinkVerificationStatus.Malformed);
        }

        if (!keys.TryGetKey(keyId, out var key))
        {
            return LinkVerification.Failed(LinkVerificationStatus.UnknownKey);
        }

        Span<byte> signed = stackalloc byte[MaxTokenLength];
        var signedBytes = Encoding.ASCII.GetBytes(token.AsSpan(0, signedLength), signed);
        Span<byte> expected = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, signed[..signedBytes], expected);
        if (!CryptographicOperations.FixedTimeEquals(expected[..MacLength], mac))
        {
            return LinkVerification.Failed(LinkVerificationStatus.BadSignature);
        }

        if (now < claims!.IssuedAt - ClockSkew)
        {
            return LinkVerification.Failed(LinkVerificationStatus.NotYetValid);
        }

        if (now >= claims.ExpiresAt)
        {
            return LinkVerification.Failed(LinkVerificationStatus.Expired);
        }

        return LinkVerification.Valid(claims);
    }

    /// <summary>Signs raw payload bytes; <see cref="Sign"/> and tests that need payloads <see cref="Sign"/> would never write.</summary>
    internal static string SignPayload(string keyId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload)
    {
        var signedText = $"{Version}.{keyId}.{Base64Url.EncodeToString(payload)}";
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(key, Encoding.ASCII.GetBytes(signedText), mac);
        return $"{signedText}.{Base64Url.EncodeToString(mac[..MacLength])}";
    }

    /// <summary>
    /// Splits <c>1.{keyId}.{payload}.{mac}</c>: at most <see cref="MaxTokenLength"/> characters, all of
    /// them base64url or the three dots, version 1, a valid key id, a payload and a 22-character MAC.
    /// </summary>
    private static bool TrySplit(
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? token,
        out ReadOnlySpan<char> keyId,
        out ReadOnlySpan<char> payload,
        out ReadOnlySpan<char> mac,
        out int signedLength)
    {
        keyId = payload = mac = default;
        signedLength = 0;
        if (token is null || token.Length > MaxTokenLength)
        {
            return false;
        }

        Span<int> dots = stackalloc int[3];
        var dotCount = 0;
        for (var i = 0; i < token.Length; i++)
        {
            var c = token[i];
            if (c == '.')
            {
                if (dotCount == dots.Length)
                {
                    return false;
                }

                dots[dotCount++] = i;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        if (dotCount != 3)
        {
            return false;
        }

        var text = token.AsSpan();
        keyId = text[(dots[0] + 1)..dots[1]];
        payload = text[(dots[1] + 1)..dots[2]];
        mac = text[(dots[2] + 1)..];
        signedLength = dots[2];
        return text[..dots[0]].SequenceEqual(Version)
            && LinkKeyRing.IsValidKeyId(keyId)
            && !payload.IsEmpty
            && mac.Length == MacChars;
    }

    /// <summary>
    /// Decodes unpadded base64url and insists that it is the one canonical encoding of its bytes, so
    /// that no two different tokens carry the same bytes (unused trailing bits must be zero). The
    /// .NET 10 decoder already refuses non-zero trailing bits; the re-encoding keeps the rule if a
    /// decoder ever turns lenient, since click de-duplication may key on the token text.
    /// </summary>
    private static bool TryDecodeExactly(ReadOnlySpan<char> text, Span<byte> destination, out int written)
    {
        written = 0;
        if (Base64Url.GetMaxDecodedLength(text.Length) > destination.Length
            || Base64Url.DecodeFromChars(text, destination, out var consumed, out written) != System.Buffers.OperationStatus.Done
            || consumed != text.Length)
        {
            return false;
        }

        Span<char> again = stackalloc char[MaxTokenLength];
        return Base64Url.TryEncodeToChars(destination[..written], again, out var charsWritten)
            && again[..charsWritten].SequenceEqual(text);
    }

    private static DateTimeOffset WholeSeconds(DateTimeOffset value) => DateTimeOffset.FromUnixTimeSeconds(value.ToUnixTimeSeconds());
}
