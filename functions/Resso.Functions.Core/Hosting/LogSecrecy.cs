using Microsoft.Extensions.Logging;

namespace Resso.Functions.Core.Hosting;

/// <summary>
/// Keeps request paths, queries and redirect destinations out of the logs. They carry signed link
/// tokens (<c>/api/l/{token}</c>), claim codes (<c>/api/claims/{code}</c>, the Play Store referrer),
/// keys given as <c>?code=</c>, and user ids in storage keys. The framework categories that write
/// them are switched off at every level and for every provider, after every other logging setting
/// (host.json, appsettings, environment) has been applied, so that no setting turns them back on. The
/// app's own log lines name routes and reasons, not paths.
/// </summary>
public static class LogSecrecy
{
    /// <summary>The categories (and their sub-categories) that are never logged.</summary>
    public static readonly IReadOnlyList<string> PathBearingCategories =
    [
        // Request start/finish lines and the request scope every provider that records scopes attaches: path and query.
        "Microsoft.AspNetCore.Hosting.Diagnostics",

        // The endpoint matcher, from Debug: "… for the request path '/api/l/…'".
        "Microsoft.AspNetCore.Routing",

        // "Executing RedirectResult, redirecting to …referrer=claim%3D…".
        "Microsoft.AspNetCore.Http.Result.RedirectResult",

        // The Azure SDK's request and response lines: storage URIs, whose paths hold table keys (claim codes, user ids).
        "Azure.Core",
    ];

    /// <summary>Replaces every rule for <see cref="PathBearingCategories"/> with one that logs nothing, for each provider named in a rule and for all others.</summary>
    public static void Apply(LoggerFilterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        for (var i = options.Rules.Count - 1; i >= 0; i--)
        {
            if (options.Rules[i].CategoryName is { } category && IsPathBearing(category))
            {
                options.Rules.RemoveAt(i);
            }
        }

        // A rule naming a provider beats one that does not, whatever its category: shadow each.
        var providers = options.Rules.Select(r => r.ProviderName).Where(p => p is not null).Distinct(StringComparer.Ordinal).Append(null).ToList();
        foreach (var provider in providers)
        {
            foreach (var category in PathBearingCategories)
            {
                options.Rules.Add(new LoggerFilterRule(provider, category, LogLevel.None, filter: null));
            }
        }
    }

    private static bool IsPathBearing(string category) =>
        PathBearingCategories.Any(c => category.Equals(c, StringComparison.OrdinalIgnoreCase) || category.StartsWith(c + ".", StringComparison.OrdinalIgnoreCase));
}
