using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Resso.Shared.Configuration;

namespace Resso.Functions.Core.Hosting;

/// <summary>
/// The keys accepted in <c>x-functions-key</c> by write and admin routes on the self-host
/// (<c>Resso__Api__Keys</c>, comma-separated, several at once so keys rotate without downtime).
/// Under Azure Functions the host checks its own function keys instead.
/// </summary>
public sealed class ApiKeys
{
    /// <summary>The header, as in Azure Functions.</summary>
    public const string HeaderName = "x-functions-key";

    /// <summary>The sample configuration's key, accepted only in Development.</summary>
    public const string DevelopmentKey = "local-dev-key";

    /// <summary>The setting.</summary>
    public const string SettingName = "Resso__Api__Keys";

    private readonly byte[][] _hashes;

    /// <summary>Accepts exactly <paramref name="keys"/>.</summary>
    public ApiKeys(IEnumerable<string> keys) =>
        _hashes = [.. keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];

    /// <summary>No key is configured: every keyed route answers 401.</summary>
    public bool IsEmpty => _hashes.Length == 0;

    /// <summary>Reads the keys; refuses the sample's development key outside Development.</summary>
    /// <exception cref="RessoConfigurationException">The development key is configured outside Development.</exception>
    public static ApiKeys FromConfiguration(IConfiguration configuration, IHostEnvironment environment)
    {
        var keys = (configuration["Resso:Api:Keys"] ?? "")
            .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (!environment.IsDevelopment() && keys.Contains(DevelopmentKey, StringComparer.Ordinal))
        {
            throw new RessoConfigurationException(
                SettingName,
                $"holds the sample's development key '{DevelopmentKey}', which is accepted only in Development. Set keys of your own.");
        }

        return new ApiKeys(keys);
    }

    /// <summary>
    /// True when <paramref name="presented"/> is one of the keys. Compares fixed-length hashes in
    /// constant time against every key, so timing says nothing about how much of a key matched.
    /// </summary>
    public bool IsValid(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(presented));
        var valid = false;
        foreach (var candidate in _hashes)
        {
            valid |= CryptographicOperations.FixedTimeEquals(hash, candidate);
        }

        return valid;
    }
}
