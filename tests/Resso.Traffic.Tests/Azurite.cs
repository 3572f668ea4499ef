using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Resso.Traffic.Tests;

/// <summary>
/// A real Azurite (the repository's npm package) in memory on free loopback ports, for the tests
/// of the queue target and the emptiness check. Started once per test class that uses it.
/// </summary>
public sealed class Azurite : IAsyncLifetime
{
    private const string Account = "devstoreaccount1";

    // Azurite's well-known development key: public, documented, and only accepted by the emulator.
    private const string Key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private Process? _process;
    private int _queuePort;
    private int _tablePort;

    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={Account};AccountKey={Key};" +
        $"QueueEndpoint=http://127.0.0.1:{_queuePort}/{Account};TableEndpoint=http://127.0.0.1:{_tablePort}/{Account};" +
        $"BlobEndpoint=http://127.0.0.1:1/{Account};";

    /// <summary>A name no other test uses, valid as a storage prefix.</summary>
    public static string UniquePrefix() => ("t" + Guid.NewGuid().ToString("N"))[..12];

    public async ValueTask InitializeAsync()
    {
        var script = FindScript();
        for (var attempt = 1; ; attempt++)
        {
            (_queuePort, _tablePort) = (FreePort(), FreePort());
            var info = new ProcessStartInfo("node") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in new[]
            {
                script, "--queueHost", "127.0.0.1", "--queuePort", Port(_queuePort), "--tableHost", "127.0.0.1", "--tablePort", Port(_tablePort),
                "--blobPort", Port(FreePort()), "--blobHost", "127.0.0.1", "--inMemoryPersistence", "--skipApiVersionCheck", "--disableTelemetry", "--silent",
            })
            {
                info.ArgumentList.Add(arg);
            }

            _process = Process.Start(info) ?? throw new InvalidOperationException("node could not be started.");
            _process.OutputDataReceived += (_, _) => { };
            _process.ErrorDataReceived += (_, _) => { };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
            try
            {
                await WaitForPortAsync(_queuePort);
                await WaitForPortAsync(_tablePort);
                return;
            }
            catch (Exception) when (attempt < 3)
            {
                await DisposeAsync();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync();
            }

            process.Dispose();
        }
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "node_modules", "azurite", "dist", "src", "azurite.js");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException($"Azurite is not installed above {AppContext.BaseDirectory}: run 'npm ci' at the repository root.");
    }

    private async Task WaitForPortAsync(int port)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (_process!.HasExited)
            {
                throw new InvalidOperationException($"Azurite exited with code {_process.ExitCode}.");
            }

            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50, timeout.Token);
            }
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
