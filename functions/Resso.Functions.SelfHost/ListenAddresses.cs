using System.Net;
using System.Net.Sockets;

namespace Resso.Functions.SelfHost;

/// <summary>
/// Finds an address the self-host is told to listen on that another process already holds, before
/// the host starts: Kestrel would find it only after the queue listeners and timers had started,
/// and fail the start with a trace of its own.
/// </summary>
internal static class ListenAddresses
{
    /// <summary>The first of <paramref name="urls"/> (<c>;</c>-separated, as <c>--urls</c> takes them) whose IP and port are taken; null when none is known to be.</summary>
    /// <remarks>Port 0 (any free port), host names other than <c>localhost</c> and Unix sockets are left to Kestrel.</remarks>
    public static string? FirstInUse(string? urls)
    {
        foreach (var url in (urls ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            BindingAddress address;
            try
            {
                address = BindingAddress.Parse(url);
            }
            catch (FormatException)
            {
                continue; // Kestrel says what is wrong with it
            }

            if (address.IsNamedPipe || address.IsUnixPipe || address.Port <= 0 || EndPoint(address.Host, address.Port) is not { } endpoint)
            {
                continue;
            }

            if (InUse(endpoint))
            {
                return url;
            }
        }

        return null;
    }

    /// <summary>
    /// The address named by <paramref name="exception"/> when it is Kestrel's "Failed to bind to address
    /// http://…: address already in use.", thrown by starting the host; else null.
    /// </summary>
    public static string? InUse(Exception exception)
    {
        if (exception is not IOException { InnerException: Microsoft.AspNetCore.Connections.AddressInUseException } io)
        {
            return null;
        }

        const string Prefix = "Failed to bind to address ";
        var end = io.Message.IndexOf(": address already in use", StringComparison.Ordinal);
        return io.Message.StartsWith(Prefix, StringComparison.Ordinal) && end > Prefix.Length ? io.Message[Prefix.Length..end] : "the address";
    }

    /// <summary>The line an operator reads when <paramref name="url"/> is taken.</summary>
    public static string InUseMessage(string url) =>
        $"{url} is already in use (another self-host or ./run.sh?). Stop it, or choose another address: ./run.sh --urls http://127.0.0.1:8080";

    private static IPEndPoint? EndPoint(string host, int port) => host switch
    {
        "localhost" => new IPEndPoint(IPAddress.Loopback, port),
        "*" or "+" => new IPEndPoint(IPAddress.Any, port),
        _ when IPAddress.TryParse(host.Trim('[', ']'), out var ip) => new IPEndPoint(ip, port),
        _ => null,
    };

    private static bool InUse(IPEndPoint endpoint)
    {
        using var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            return false;
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.AddressAlreadyInUse)
        {
            return true;
        }
        catch (SocketException)
        {
            return false; // not ours to judge (an address this machine does not have): Kestrel reports it
        }
    }
}
