using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Resso.Shared.Links;

/// <summary>
/// Makes and checks link tokens. New tokens are format version 2,
/// <c>2.{keyId}.{base64url(nonce ‖ ciphertext ‖ tag)}</c>: the payload encrypted and authenticated
/// with AES-256-GCM under a key derived (HKDF-SHA256) from the configured secret, so that nothing
/// of it is readable. Version 1 tokens, <c>1.{keyId}.{base64url(payload)}.{base64url(mac)}</c> with
/// a readable payload and a truncated HMAC-SHA256, still verify until they expire. See
/// <c>Links/README.md</c> for the formats and key rotation.
/// </summary>
/// <param name="keys">Signs with <see cref="LinkKeyRing.SigningKeyId"/>; verifies with any key of the ring.</param>
public sealed class LinkSigner(LinkKeyRing keys)
{
    /// <summary>The format version of the tokens <see cref="Sign"/> makes, the first segment.</summary>
    public const string Version = "2";

    /// <summary>The format version with a readable payload and an HMAC, still verified.</summary>
    public const string Version1 = "1";

    /// <summary>Bytes of the AES-GCM nonce that starts a version 2 token's body (random per token).</summary>
    public const int NonceLength = 12;

    /// <summary>Bytes of the AES-GCM tag that ends a version 2 token's body.</summary>
    public const int TagLength = 16;

    /// <summary>The fewest payload bytes claims encode to: flags, two one-character ids, a region, three one-byte varints.</summary>
    private const int MinPayloadLength = 1 + 2 + 2 + 2 + 3;

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
        return SealPayload(keys.SigningKeyId, keys.SigningEncryptionKey, payload[..length]);
    }

    /// <summary>Signs <paramref name="claims"/> in format version 1 (readable payload), as releases before version 2 did; for tests of the tokens they handed out.</summary>
    internal string SignVersion1(LinkClaims claims)
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
    /// Length, characters, shape, key id and (version 1) payload, or (version 2) the body's length
    /// bounds, are checked before any cryptography; a version 1 MAC is compared in constant time, a
    /// version 2 tag by AES-GCM; a version 2 payload is decoded only once authentic; the lifetime is
    /// checked only for authentic tokens.
    /// </summary>
    public LinkVerification Verify(string? token, DateTimeOffset now) =>
        token is { Length: > 1 } && token[0] == Version[0] && token[1] == '.' ? VerifyVersion2(token, now) : VerifyVersion1(token, now);

    private LinkVerification VerifyVersion2(string token, DateTimeOffset now)
    {
        if (!TrySplitVersion2(token, out var keyId, out var bodyText, out var associatedLength))
        {
            return LinkVerification.Failed(LinkVerificationStatus.Malformed);
        }

        Span<byte> body = stackalloc byte[NonceLength + LinkPayload.MaxLength + TagLength];
        if (!TryDecodeExactly(bodyText, body, out var bodyLength)
            || bodyLength < NonceLength + MinPayloadLength + TagLength
            || bodyLength > NonceLength + LinkPayload.MaxLength + TagLength)
        {
            return LinkVerification.Failed(LinkVerificationStatus.Malformed);
        }

        if (!keys.TryGetEncryptionKey(keyId, out var key))
        {
            return LinkVerification.Failed(LinkVerificationStatus.UnknownKey);
        }

        Span<byte> associated = stackalloc byte[MaxTokenLength];
        var associatedBytes = Encoding.ASCII.GetBytes(token.AsSpan(0, associatedLength), associated);
        var payloadLength = bodyLength - NonceLength - TagLength;
        Span<byte> payload = stackalloc byte[LinkPayload.MaxLength];
        try
        {
            using var aes = new AesGcm(key, TagLength);
            aes.Decrypt(body[..NonceLength], body.Slice(NonceLength, payloadLength), body.Slice(NonceLength + payloadLength, TagLength), payload[..payloadLength], associated[..associatedBytes]);
        }
        catch (CryptographicException)
        {
            // AuthenticationTagMismatchException derives from it: tampered, or made without the key.
            return LinkVerification.Failed(LinkVerificationStatus.BadSignature);
        }

        // Authentic bytes that do not decode were made with the key but not by this code.
        return LinkPayload.TryRead(payload[..payloadLength], out var claims) ? WithinLifetime(claims!, now) : LinkVerification.Failed(LinkVerificationStatus.Malformed);
    }

    private LinkVerification VerifyVersion1(string? token, DateTimeOffset now)
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

        return WithinLifetime(claims!, now);
    }

    private static LinkVerification WithinLifetime(LinkClaims claims, DateTimeOffset now)
    {
        if (now < claims.IssuedAt - ClockSkew)
        {
            return LinkVerification.Failed(LinkVerificationStatus.NotYetValid);
        }

        if (now >= claims.ExpiresAt)
        {
            return LinkVerification.Failed(LinkVerificationStatus.Expired);
        }

        return LinkVerification.Valid(claims);
    }

    /// <summary>
    /// Encrypts raw payload bytes into a version 2 token: a random 12-byte nonce, the ciphertext
    /// (as long as the payload) and the 16-byte tag, with <c>2.{keyId}</c> as associated data so that
    /// the key id cannot be swapped. <see cref="Sign"/> and tests that need payloads it would never write.
    /// </summary>
    internal static string SealPayload(string keyId, byte[] encryptionKey, ReadOnlySpan<byte> payload)
    {
        var associated = $"{Version}.{keyId}";
        Span<byte> body = stackalloc byte[NonceLength + payload.Length + TagLength];
        RandomNumberGenerator.Fill(body[..NonceLength]);
        using (var aes = new AesGcm(encryptionKey, TagLength))
        {
            aes.Encrypt(body[..NonceLength], payload, body.Slice(NonceLength, payload.Length), body[(NonceLength + payload.Length)..], Encoding.ASCII.GetBytes(associated));
        }

        return $"{associated}.{Base64Url.EncodeToString(body)}";
    }

    /// <summary>Signs raw payload bytes in format version 1; for tests that need payloads <see cref="Sign"/> would never write.</summary>
    internal static string SignPayload(string keyId, ReadOnlySpan<byte> key, ReadOnlySpan<byte> payload)
    {
        var signedText = $"{Version1}.{keyId}.{Base64Url.EncodeToString(payload)}";
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
        return text[..dots[0]].SequenceEqual(Version1)
            && LinkKeyRing.IsValidKeyId(keyId)
            && !payload.IsEmpty
            && mac.Length == MacChars;
    }

    /// <summary>
    /// Splits <c>2.{keyId}.{body}</c>: at most <see cref="MaxTokenLength"/> characters, all of them
    /// base64url or the two dots, a valid key id and a non-empty body. <paramref name="associatedLength"/>
    /// is the length of <c>2.{keyId}</c>, the associated data.
    /// </summary>
    private static bool TrySplitVersion2(string token, out ReadOnlySpan<char> keyId, out ReadOnlySpan<char> body, out int associatedLength)
    {
        keyId = body = default;
        associatedLength = 0;
        if (token.Length > MaxTokenLength)
        {
            return false;
        }

        var second = -1;
        for (var i = 2; i < token.Length; i++)
        {
            var c = token[i];
            if (c == '.')
            {
                if (second >= 0)
                {
                    return false;
                }

                second = i;
            }
            else if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_'))
            {
                return false;
            }
        }

        if (second < 0)
        {
            return false;
        }

        keyId = token.AsSpan(2, second - 2);
        body = token.AsSpan(second + 1);
        associatedLength = second;
        return LinkKeyRing.IsValidKeyId(keyId) && !body.IsEmpty;
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
