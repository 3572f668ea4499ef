using System.Collections.Frozen;
using System.Security.Cryptography;
using Resso.Shared.Configuration;

namespace Resso.Shared.Links;

/// <summary>
/// The configured link keys: one signs, all verify. Built once at start-up from
/// <see cref="LinkOptions"/>; secrets stay inside and are never written into messages.
/// </summary>
public sealed class LinkKeyRing
{
    /// <summary>The key id of the development key.</summary>
    public const string DevelopmentKeyId = "dev";

    /// <summary>
    /// DEVELOPMENT ONLY, PUBLIC, NOT A SECRET: base64 of the ASCII text
    /// <c>DEVELOPMENT-ONLY-KEY-never-use-in-production-0000</c>. It is in source control, so anyone can
    /// forge links signed with it; <see cref="FromOptions"/> refuses it, under any key id, outside Development.
    /// </summary>
    public const string DevelopmentSecret = "REVWRUxPUE1FTlQtT05MWS1LRVktbmV2ZXItdXNlLWluLXByb2R1Y3Rpb24tMDAwMA==";

    /// <summary>The fewest bytes a secret may decode to (the HMAC-SHA256 output size).</summary>
    public const int MinSecretBytes = 32;

    /// <summary>The longest key id.</summary>
    public const int MaxKeyIdLength = 16;

    /// <summary>The HKDF info of the AES-256-GCM key that encrypts format version 2 tokens.</summary>
    private static readonly byte[] TokenEncryptionPurpose = "resso/links/v2/token-aes-gcm"u8.ToArray();

    /// <summary>The HKDF info of the HMAC key that turns device identifiers into click de-duplication keys.</summary>
    private static readonly byte[] DevicePurpose = "resso/links/device-hmac"u8.ToArray();

    private readonly FrozenDictionary<string, byte[]> _keys;
    private readonly FrozenDictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> _lookup;
    private readonly FrozenDictionary<string, byte[]>.AlternateLookup<ReadOnlySpan<char>> _encryptionLookup;
    private readonly byte[] _signingEncryptionKey;
    private readonly byte[] _deviceKey;

    private LinkKeyRing(string signingKeyId, FrozenDictionary<string, byte[]> keys)
    {
        SigningKeyId = signingKeyId;
        _keys = keys;
        _lookup = keys.GetAlternateLookup<ReadOnlySpan<char>>();

        // Each purpose gets its own key (HKDF-SHA256, RFC 5869) from the configured secret, so that
        // the HMAC of version 1, the cipher of version 2 and the device hash never share a key.
        var encryption = keys.ToFrozenDictionary(k => k.Key, k => Derive(k.Value, TokenEncryptionPurpose), StringComparer.Ordinal);
        _encryptionLookup = encryption.GetAlternateLookup<ReadOnlySpan<char>>();
        _signingEncryptionKey = encryption[signingKeyId];
        _deviceKey = Derive(keys[signingKeyId], DevicePurpose);
    }

    /// <summary>The id of the key that signs new links.</summary>
    public string SigningKeyId { get; }

    /// <summary>The ids of every key that verifies links.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    internal ReadOnlySpan<byte> SigningKey => _keys[SigningKeyId];

    internal byte[] SigningEncryptionKey => _signingEncryptionKey;

    /// <summary>
    /// A keyed hash of a device identifier (a cookie value, or a client address and User-Agent), for
    /// de-duplicating clicks without storing the identifier: HMAC-SHA256 with a key derived from the
    /// signing key for this purpose alone, truncated to 16 bytes, as 32 lower-case hex characters.
    /// All instances with the same signing key agree; after a rotation, devices without a cookie
    /// hash differently (a repeat follow then counts as a new click once).
    /// </summary>
    public string DeviceHash(ReadOnlySpan<byte> deviceIdentifier)
    {
        Span<byte> mac = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_deviceKey, deviceIdentifier, mac);
        return Convert.ToHexStringLower(mac[..16]);
    }

    /// <summary>
    /// Checks the keys of <paramref name="options"/> and builds the ring.
    /// </summary>
    /// <param name="options">The bound <see cref="LinkOptions"/>.</param>
    /// <param name="isDevelopment">The host runs in the Development environment; only then is <see cref="DevelopmentSecret"/> accepted.</param>
    /// <exception cref="RessoConfigurationException">
    /// No keys; a key id that is not 1–16 characters of <c>[A-Za-z0-9_-]</c>; a secret that is not
    /// base64 or decodes to fewer than 32 bytes; the development key outside Development; or a
    /// signing key id that is not among the keys. The exception names the setting.
    /// </exception>
    public static LinkKeyRing FromOptions(LinkOptions options, bool isDevelopment)
    {
        if (options.Keys is not { Count: > 0 })
        {
            throw new RessoConfigurationException(
                "Resso__Links__Keys",
                $"no link keys are configured. Add at least one, e.g. Resso__Links__Keys__k2025a=<base64 of {MinSecretBytes} or more random bytes> (openssl rand -base64 32), and name it in Resso__Links__SigningKeyId.");
        }

        var developmentKey = Convert.FromBase64String(DevelopmentSecret);
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (keyId, secret) in options.Keys)
        {
            var setting = $"Resso__Links__Keys__{keyId}";
            if (!IsValidKeyId(keyId))
            {
                throw new RessoConfigurationException(
                    setting,
                    $"a key id must be 1–{MaxKeyIdLength} characters of A–Z, a–z, 0–9, '_' or '-'.");
            }

            var bytes = new byte[((secret?.Length ?? 0) * 3 / 4) + 3];
            if (string.IsNullOrWhiteSpace(secret) || !Convert.TryFromBase64String(secret.Trim(), bytes, out var written))
            {
                throw new RessoConfigurationException(setting, "the secret must be base64, e.g. the output of 'openssl rand -base64 32'.");
            }

            if (written < MinSecretBytes)
            {
                throw new RessoConfigurationException(
                    setting,
                    $"the secret decodes to {written} bytes; it must be at least {MinSecretBytes} random bytes (openssl rand -base64 32).");
            }

            var key = bytes[..written];
            var isDevelopmentKey = keyId == DevelopmentKeyId || CryptographicOperations.FixedTimeEquals(key, developmentKey);
            if (isDevelopmentKey && !isDevelopment)
            {
                throw new RessoConfigurationException(
                    setting,
                    "the public development key (key id 'dev' or the development secret) is only accepted when the environment is Development. Configure a random key of your own.");
            }

            keys.Add(keyId, key);
        }

        if (string.IsNullOrEmpty(options.SigningKeyId) || !keys.ContainsKey(options.SigningKeyId))
        {
            throw new RessoConfigurationException(
                "Resso__Links__SigningKeyId",
                $"must name one of the configured keys (Resso__Links__Keys__<id>): {string.Join(", ", keys.Keys.Order(StringComparer.Ordinal))}; got '{options.SigningKeyId}'.");
        }

        return new LinkKeyRing(options.SigningKeyId, keys.ToFrozenDictionary(StringComparer.Ordinal));
    }

    /// <summary>True for 1–16 characters of <c>[A-Za-z0-9_-]</c>.</summary>
    public static bool IsValidKeyId(ReadOnlySpan<char> keyId)
    {
        if (keyId.IsEmpty || keyId.Length > MaxKeyIdLength)
        {
            return false;
        }

        foreach (var c in keyId)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('_' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    internal bool TryGetKey(ReadOnlySpan<char> keyId, out byte[] key) => _lookup.TryGetValue(keyId, out key!);

    internal bool TryGetEncryptionKey(ReadOnlySpan<char> keyId, out byte[] key) => _encryptionLookup.TryGetValue(keyId, out key!);

    private static byte[] Derive(byte[] secret, byte[] purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, secret, 32, salt: [], info: purpose);
}
