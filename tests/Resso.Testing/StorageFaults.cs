using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Resso.Testing;

/// <summary>
/// Simulates a process dying between storage calls: lets chosen requests reach storage and take
/// effect, then throws as if the response never came back. Plugged into every storage client of the
/// app under test.
/// </summary>
public sealed class StorageFaults : HttpPipelinePolicy
{
    private int _requests;

    /// <summary>Only requests made while armed count and may fail (start-up's own writes are left alone).</summary>
    public bool Armed { get; set; }

    /// <summary>Decides, per completed write request while armed (method, path, 1-based count), whether to throw.</summary>
    public Func<string, string, int, bool> FailAfter { get; set; } = (_, _, _) => false;

    /// <summary>
    /// Decides, per request while armed (method, path), whether to fail it with a 503 before it reaches
    /// storage: what it asked for does not happen, as when storage is down for that one call.
    /// </summary>
    public Func<string, string, bool> FailBefore { get; set; } = (_, _) => false;

    /// <summary>How many faults were injected.</summary>
    public int Injected { get; private set; }

    /// <summary>
    /// Decides, per request (method, path), whether storage never answers it, as a frozen server
    /// would: the request waits until cancelled, by its caller or by the storage client's own network
    /// timeout (whose retries then try again). Null: every request is answered.
    /// </summary>
    public Func<string, string, bool>? Hang { get; set; }

    /// <summary>Adds the policy to the Table, Queue and Blob clients that <paramref name="services"/> will create.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.ConfigureAll<TableClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.PerCall));
        services.ConfigureAll<QueueClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.PerCall));
        services.ConfigureAll<BlobClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.PerCall));

        // Where the transport would wait for the answer: inside the client's network timeout and retries.
        var hang = new HangPolicy(this);
        services.ConfigureAll<TableClientOptions>(o => o.AddPolicy(hang, HttpPipelinePosition.BeforeTransport));
        services.ConfigureAll<QueueClientOptions>(o => o.AddPolicy(hang, HttpPipelinePosition.BeforeTransport));
        services.ConfigureAll<BlobClientOptions>(o => o.AddPolicy(hang, HttpPipelinePosition.BeforeTransport));
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Refuse(message);
        await ProcessNextAsync(message, pipeline);
        Check(message);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        Refuse(message);
        ProcessNext(message, pipeline);
        Check(message);
    }

    private void Refuse(HttpMessage message)
    {
        var method = message.Request.Method.Method;
        if (Armed && FailBefore(method, message.Request.Uri.Path))
        {
            Injected++;
            throw new RequestFailedException(503, $"Injected fault: {method} {message.Request.Uri.Path} never reached storage.");
        }
    }

    private void Check(HttpMessage message)
    {
        var method = message.Request.Method.Method;
        if (!Armed || method == "GET" || message.Response.Status >= 400)
        {
            return;
        }

        var count = Interlocked.Increment(ref _requests);
        if (FailAfter(method, message.Request.Uri.Path, count))
        {
            Injected++;
            throw new RequestFailedException($"Injected fault: {method} {message.Request.Uri.Path} took effect, but its caller never heard back.");
        }
    }

    private sealed class HangPolicy(StorageFaults faults) : HttpPipelinePolicy
    {
        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (faults.Hang is { } hang && hang(message.Request.Method.Method, message.Request.Uri.Path))
            {
                await Task.Delay(Timeout.Infinite, message.CancellationToken);
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (faults.Hang is { } hang && hang(message.Request.Method.Method, message.Request.Uri.Path))
            {
                message.CancellationToken.WaitHandle.WaitOne();
                message.CancellationToken.ThrowIfCancellationRequested();
            }

            ProcessNext(message, pipeline);
        }
    }
}
