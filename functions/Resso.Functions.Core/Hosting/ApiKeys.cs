using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
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

    /// <summary>The shortest key accepted outside Development: short keys are guessed.</summary>
    public const int MinimumLength = 16;

    private const string ConfigurationKey = "Resso:Api:Keys";

    private readonly byte[][] _hashes;

    /// <summary>Accepts exactly <paramref name="keys"/>.</summary>
    public ApiKeys(IEnumerable<string> keys) =>
        _hashes = [.. keys.Select(k => SHA256.HashData(Encoding.UTF8.GetBytes(k)))];

    /// <summary>No key is configured: every keyed route answers 401.</summary>
    public bool IsEmpty => _hashes.Length == 0;

    /// <summary>
    /// Reads the keys. Outside Development, refuses the sample's development key and keys shorter
    /// than <see cref="MinimumLength"/>. An empty list is allowed here because under Azure Functions
    /// the host checks its own keys; the self-host, where these keys are the only protection, calls
    /// <see cref="EnsureConfigured"/> as well.
    /// </summary>
    /// <exception cref="RessoConfigurationException">A key is refused.</exception>
    public static ApiKeys FromConfiguration(IConfiguration configuration, IHostEnvironment environment)
    {
        var keys = Read(configuration);
        if (!environment.IsDevelopment())
        {
            if (keys.Contains(DevelopmentKey, StringComparer.Ordinal))
            {
                throw new RessoConfigurationException(
                    SettingName,
                    $"holds the sample's development key '{DevelopmentKey}', which is accepted only in Development. Set keys of your own.");
            }

            for (var i = 0; i < keys.Length; i++)
            {
                if (keys[i].Length < MinimumLength)
                {
                    throw new RessoConfigurationException(
                        SettingName,
                        $"key {i + 1} has {keys[i].Length} characters; outside Development every key needs at least {MinimumLength} (e.g. openssl rand -base64 32).");
                }
            }
        }

        return new ApiKeys(keys);
    }

    /// <summary>Outside Development, refuses to run without a key: every write and admin route would answer 401 and nobody would notice why.</summary>
    /// <exception cref="RessoConfigurationException">No key is configured outside Development.</exception>
    public static void EnsureConfigured(IConfiguration configuration, IHostEnvironment environment)
    {
        if (!environment.IsDevelopment() && Read(configuration).Length == 0)
        {
            throw new RessoConfigurationException(
                SettingName,
                $"is not set; outside Development the self-host needs at least one key of {MinimumLength} or more characters for its write and admin routes.");
        }
    }

    private static string[] Read(IConfiguration configuration) =>
        (configuration[ConfigurationKey] ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>The key a request presents: the <c>x-functions-key</c> header, else the <c>code</c> query parameter, as Azure Functions reads it; empty when neither.</summary>
    public static string Presented(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return request.Headers.TryGetValue(HeaderName, out var header) ? header.ToString() : request.Query["code"].ToString();
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
