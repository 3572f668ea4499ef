using System.Net;

namespace Resso.Load.Engine;

/// <summary>The load generator sends only to this machine: 127.0.0.1, ::1 or localhost.</summary>
public static class Loopback
{
    /// <summary>The host of <paramref name="address"/> is 127.0.0.1, ::1 or localhost.</summary>
    public static bool IsLoopback(Uri address) =>
        address.IsAbsoluteUri
        && (string.Equals(address.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(address.IdnHost, out var ip) && (ip.Equals(IPAddress.Loopback) || ip.Equals(IPAddress.IPv6Loopback))));

    /// <summary>Throws unless <paramref name="address"/> is an http(s) address on loopback with no path.</summary>
    /// <exception cref="UsageException">It is not.</exception>
    public static void Check(Uri address)
    {
        if (!address.IsAbsoluteUri || address.Scheme is not ("http" or "https"))
        {
            throw new UsageException($"'{address}' is not an absolute http(s) address.");
        }

        if (!IsLoopback(address))
        {
            throw new UsageException($"refusing '{address}': the load generator sends only to loopback (127.0.0.1, ::1 or localhost).");
        }

        if (address.AbsolutePath != "/" || address.Query.Length > 0 || address.UserInfo.Length > 0)
        {
            throw new UsageException($"'{address}' must be a scheme, host and port only (such as http://127.0.0.1:7071); paths go in the requests.");
        }
    }
}
