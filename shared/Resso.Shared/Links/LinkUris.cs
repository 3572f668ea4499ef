using System.Globalization;

namespace Resso.Shared.Links;

/// <summary>The URIs a link response and the redirect use, and the rule that keeps the redirect from being an open redirect.</summary>
public static class LinkUris
{
    /// <summary>The app's own URI scheme.</summary>
    public const string AppScheme = "resso";

    /// <summary>The app URI that opens <paramref name="songId"/> at <paramref name="startMs"/>: <c>resso://track/{songId}?t={startMs}&amp;c={clickId}</c>.</summary>
    /// <exception cref="ArgumentException">An id breaks the id rule, or <paramref name="startMs"/> is negative.</exception>
    public static string AppUri(string songId, int startMs, string clickId)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(startMs);
        if (!Ids.IsValid(songId))
        {
            throw new ArgumentException("Not an id.", nameof(songId));
        }

        if (!Ids.IsValid(clickId))
        {
            throw new ArgumentException("Not an id.", nameof(clickId));
        }

        // Ids are [A-Za-z0-9_.:-] and never a dot segment: nothing in them needs escaping in a path or query.
        return string.Create(CultureInfo.InvariantCulture, $"{AppScheme}://track/{songId}?t={startMs}&c={clickId}");
    }

    /// <summary>The universal link of <paramref name="token"/>: <c>https://{linkHost}/api/l/{token}</c>.</summary>
    /// <exception cref="ArgumentException"><paramref name="linkHost"/> is not a host name, or <paramref name="token"/> is not URL-safe.</exception>
    public static string UniversalLink(string linkHost, string token)
    {
        if (!IsHostName(linkHost))
        {
            throw new ArgumentException("Not a host name.", nameof(linkHost));
        }

        if (string.IsNullOrEmpty(token) || token.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.')))
        {
            throw new ArgumentException("Not a link token.", nameof(token));
        }

        return $"https://{linkHost}/api/l/{token}";
    }

    /// <summary>
    /// True when a redirect may send a browser to <paramref name="destination"/>: an absolute
    /// <c>https</c> URI on the default port, without user information, whose host is one of
    /// <paramref name="allowedHosts"/> (ignoring case); or an app URI (<c>resso://…</c>). Anything with
    /// characters outside printable ASCII, or a backslash, is refused before parsing, because
    /// browsers and <see cref="Uri"/> disagree about such strings.
    /// </summary>
    public static bool IsAllowedRedirect(string? destination, IEnumerable<string> allowedHosts)
    {
        if (string.IsNullOrEmpty(destination) || destination.Length > 2048 || destination.Any(c => c is < '!' or > '~' or '\\'))
        {
            return false;
        }

        if (!Uri.TryCreate(destination, UriKind.Absolute, out var uri) || uri.UserInfo.Length > 0)
        {
            return false;
        }

        if (uri.Scheme == AppScheme)
        {
            return true;
        }

        return uri.Scheme == Uri.UriSchemeHttps
            && uri.IsDefaultPort
            && allowedHosts.Any(host => string.Equals(host, uri.Host, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>True for a bare DNS host name (letters, digits, hyphens and dots), such as <c>links.resso.example</c>.</summary>
    public static bool IsHostName(string? host) =>
        !string.IsNullOrEmpty(host)
        && host.Length <= 253
        && host.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '.')
        && Uri.CheckHostName(host) == UriHostNameType.Dns;
}
