using System.Net;
using System.Net.Sockets;

namespace Resso.Functions.Core.Hosting;

/// <summary>
/// The unit a client is counted in, by address: an IPv4 address itself (an IPv4-mapped IPv6 address
/// as the IPv4 address), an IPv6 address by its /64. One IPv6 subscriber usually holds a whole /64
/// (RFC 6177), and privacy extensions hand each device new addresses in it every day, so counting
/// single IPv6 addresses would give one client 2⁶⁴ buckets.
/// </summary>
public static class ClientAddress
{
    /// <summary>The bucket of <paramref name="address"/>: <c>203.0.113.7</c>, <c>2001:db8:1:2::/64</c>, or <c>unknown</c>.</summary>
    public static string Bucket(IPAddress? address)
    {
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        bytes[8..].Clear();
        return new IPAddress(bytes) + "/64";
    }
}
