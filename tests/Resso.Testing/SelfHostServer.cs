using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Resso.Functions.Core.Hosting;
using Resso.Functions.SelfHost;
using Resso.Shared.Storage;

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
        KeyedClient = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        KeyedClient.DefaultRequestHeaders.Add("x-functions-key", TestKey);
    }

    /// <summary>The write key every test host accepts.</summary>
    public const string TestKey = "test-key";

    public Uri BaseAddress { get; }

    public string StoragePrefix { get; }

    public HttpClient Client { get; }

    /// <summary>A client that sends <see cref="TestKey"/> with every request: the streaming app's backend, or an operator.</summary>
    public HttpClient KeyedClient { get; }

    /// <summary>A client that sends a development access token naming <paramref name="userId"/> (the caller disposes it).</summary>
    public HttpClient ListenerClient(string userId)
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", ListenerAuthentication.CreateDevelopmentToken(userId, DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));
        return client;
    }

    public IServiceProvider Services => _app.Services;

    /// <summary>Resolves a service of the running app.</summary>
    public T Get<T>()
        where T : notnull => _app.Services.GetRequiredService<T>();

    /// <summary>Starts the self-host with <paramref name="settings"/> over the defaults; <paramref name="services"/> may replace registrations.</summary>
    public static async Task<SelfHostServer> StartAsync(
        string connectionString,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        string? storagePrefix = null,
        bool waitForStorage = true,
        CancellationToken cancellationToken = default)
    {
        var prefix = storagePrefix ?? AzuriteFixture.UniqueName("e");
        var values = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = connectionString,
            ["Resso:Storage:Prefix"] = prefix,
            ["urls"] = "http://127.0.0.1:0",
            ["Resso:Api:Keys"] = TestKey,
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
        if (waitForStorage)
        {
            await app.Services.GetRequiredService<StorageProvisioner>().WaitUntilReadyAsync(cancellationToken).WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        }

        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new SelfHostServer(app, new Uri(address), prefix);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        KeyedClient.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
