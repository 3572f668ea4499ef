using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.SelfHost;

namespace Resso.Testing;

/// <summary>
/// The real self-host (Kestrel, real HTTP) on a free loopback port, against the given storage,
/// with its own storage prefix so tests sharing one Azurite never see each other's data.
/// </summary>
public sealed class SelfHostServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SelfHostServer(WebApplication app, Uri baseAddress, string storagePrefix)
    {
        _app = app;
        BaseAddress = baseAddress;
        StoragePrefix = storagePrefix;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri BaseAddress { get; }

    public string StoragePrefix { get; }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts the self-host with <paramref name="settings"/> over the defaults; <paramref name="services"/> may replace registrations.</summary>
    public static async Task<SelfHostServer> StartAsync(
        string connectionString,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        CancellationToken cancellationToken = default)
    {
        var prefix = AzuriteFixture.UniqueName("e");
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Resso:Storage:Prefix"] = prefix,
            ["urls"] = "http://127.0.0.1:0",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var app = SelfHostApp.Build(["--environment", "Development"], builder =>
        {
            builder.Configuration.AddInMemoryCollection(values);
            services?.Invoke(builder.Services);
        });
        await app.StartAsync(cancellationToken);
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SelfHostServer(app, new Uri(address), prefix);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
