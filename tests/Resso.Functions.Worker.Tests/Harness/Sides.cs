using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>One host under comparison: answers requests, and counts what was posted.</summary>
internal interface ISide
{
    Task<HttpAnswer> SendAsync(HttpRequestMessage request);

    /// <summary>Returns once <paramref name="expected"/> events are counted (the host's queue function ran).</summary>
    Task DrainAsync(long expected);

    /// <summary>Writes the buffered analytics (offers shown, links followed) to storage.</summary>
    Task FlushAsync();
}

/// <summary>The self-host over real HTTP; redirects are answers, not followed.</summary>
internal sealed class SelfHostSide(SelfHostServer host) : ISide, IDisposable
{
    private readonly HttpClient _client = new(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };

    public void Dispose() => _client.Dispose();

    public Task FlushAsync() => host.Get<AnalyticsWriter>().FlushAsync();

    public async Task<HttpAnswer> SendAsync(HttpRequestMessage request)
    {
        using var response = await _client.SendAsync(request);
        return await HttpAnswer.FromAsync(response);
    }

    public async Task DrainAsync(long expected)
    {
        // The self-host's own queue listener counts them; wait for it, bounded.
        var store = host.Get<InteractionStore>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await store.CountEventsAsync() < expected)
        {
            await Task.Delay(100, deadline.Token);
        }
    }
}

/// <summary>The worker, its requests addressed to <paramref name="baseAddress"/> (the self-host's, so that absolute URLs in answers compare).</summary>
internal sealed class WorkerSide(WorkerHost worker, string connectionString, Uri baseAddress) : ISide
{
    public Task<HttpAnswer> SendAsync(HttpRequestMessage request) => worker.SendAsync(request, baseAddress);

    public Task FlushAsync() => worker.Get<AnalyticsWriter>().FlushAsync();

    public async Task DrainAsync(long expected)
    {
        var delivered = await WorkerQueues.DeliverAllAsync(worker, connectionString, worker.Names.SongUsedQueue, "SongUsed");
        var counted = await worker.Get<InteractionStore>().CountEventsAsync();
        Assert.True(counted == expected, $"{counted} of {expected} events counted after {delivered} messages delivered to SongUsed.");
    }
}
