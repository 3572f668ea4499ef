using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Resso.Testing;

/// <summary>
/// A real Azurite (the npm package pinned in package.json) on free loopback ports, in memory,
/// started for a test run and stopped after it. Tests never depend on one a developer started.
/// </summary>
public sealed class AzuriteServer : IAsyncDisposable
{
    private const string AccountName = "devstoreaccount1";

    // Azurite's well-known development key: public, documented, and only accepted by the emulator.
    private const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly StringBuilder _output;
    private readonly string? _location;
    private Process _process;

    private AzuriteServer(Process process, StringBuilder output, int blobPort, int queuePort, int tablePort, string? location)
    {
        _process = process;
        _output = output;
        _location = location;
        BlobPort = blobPort;
        QueuePort = queuePort;
        TablePort = tablePort;
    }

    public int BlobPort { get; }

    public int QueuePort { get; }

    public int TablePort { get; }

    /// <summary>A connection string for this instance, in the form <c>AzureWebJobsStorage</c> takes.</summary>
    public string ConnectionString =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
        $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
        $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
        $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};";

    private static string Script
    {
        get
        {
            var script = Path.Combine(RepositoryPaths.Root, "node_modules", "azurite", "dist", "src", "azurite.js");
            return File.Exists(script)
                ? script
                : throw new InvalidOperationException(
                    $"Azurite is not installed ({script} is missing). Run 'npm ci' in {RepositoryPaths.Root}, or use ./test.sh, which does.");
        }
    }

    /// <summary>
    /// Starts Azurite and waits until its three services accept connections: in memory, or keeping
    /// its data in <paramref name="location"/> so that it survives <see cref="StopForOutageAsync"/> and <see cref="RestartAsync"/>.
    /// </summary>
    public static async Task<AzuriteServer> StartAsync(string? location = null, CancellationToken cancellationToken = default)
    {
        var script = Script;
        for (var attempt = 1; ; attempt++)
        {
            // Free ports can be taken between choosing and binding; a few attempts settle it.
            var (blob, queue, table) = (FreePort(), FreePort(), FreePort());
            var output = new StringBuilder();
            var process = Start(script, blob, queue, table, output, location);
            try
            {
                await WaitForPortsAsync(process, [blob, queue, table], cancellationToken);
                return new AzuriteServer(process, output, blob, queue, table, location);
            }
            catch (Exception) when (attempt < 3 && !cancellationToken.IsCancellationRequested)
            {
                await StopAsync(process);
            }
            catch (Exception ex)
            {
                await StopAsync(process);
                throw new InvalidOperationException($"Azurite did not start: {ex.Message}\n{output}", ex);
            }
        }
    }

    /// <summary>
    /// Takes storage away: stops Azurite with SIGTERM. (A SIGKILL would also lose what Azurite had not
    /// yet saved to disk, which real Azure Storage never does to an acknowledged write.)
    /// </summary>
    public async Task StopForOutageAsync()
    {
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts Azurite again on the same ports and data folder.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        var old = _process;
        _process = Start(Script, BlobPort, QueuePort, TablePort, _output, _location);
        old.Dispose();
        await WaitForPortsAsync(_process, [BlobPort, QueuePort, TablePort], cancellationToken);
    }

    private static Process Start(string script, int blob, int queue, int table, StringBuilder output, string? location)
    {
        var info = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[]
        {
            script,
            "--blobHost", "127.0.0.1", "--blobPort", blob.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--queueHost", "127.0.0.1", "--queuePort", queue.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tableHost", "127.0.0.1", "--tablePort", table.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--skipApiVersionCheck", "--disableTelemetry", "--silent",
        })
        {
            info.ArgumentList.Add(arg);
        }

        if (location is null)
        {
            info.ArgumentList.Add("--inMemoryPersistence");
        }
        else
        {
            info.ArgumentList.Add("--location");
            info.ArgumentList.Add(location);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("node could not be started.");
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;

        static void Append(StringBuilder output, string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }
    }

    private static async Task WaitForPortsAsync(Process process, int[] ports, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        foreach (var port in ports)
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"Azurite exited with code {process.ExitCode}.");
                }

                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
                    break;
                }
                catch (SocketException)
                {
                    await Task.Delay(100, timeout.Token);
                }
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task StopAsync(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        finally
        {
            process.Dispose();
        }
    }

    /// <summary>What Azurite printed, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public ValueTask DisposeAsync() => new(StopAsync(_process));
}
