using System.Collections.Concurrent;
using System.Text;
using System.Text.RegularExpressions;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.DependencyInjection;

namespace Resso.Benchmarks;

/// <summary>
/// Records every storage request the app under test makes, as Azure's scalability targets count
/// them: table entities written per (table, partition) — each entity of an entity-group transaction
/// counts —, queue messages put per queue, and requests per service. Only requests that storage
/// accepted count. Plugged into every storage client the app creates.
/// </summary>
/// <param name="services">The service behind each port of the storage under test ("table", "queue", "blob").</param>
internal sealed partial class StorageWriteRecorder(IReadOnlyDictionary<int, string> services) : HttpPipelinePolicy
{
    private readonly ConcurrentDictionary<(string Table, string Partition), int> _entities = new();
    private readonly ConcurrentDictionary<string, int> _messagesPut = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _requests = new(StringComparer.Ordinal);

    /// <summary>Only requests made while recording count (start-up's provisioning is left out).</summary>
    public bool Recording { get; set; }

    /// <summary>Entities written, per table and partition.</summary>
    public IReadOnlyDictionary<(string Table, string Partition), int> Entities => _entities;

    /// <summary>Messages put, per queue.</summary>
    public IReadOnlyDictionary<string, int> MessagesPut => _messagesPut;

    /// <summary>Requests per kind: "table read", "table write" (a transaction is one), "queue", "blob".</summary>
    public IReadOnlyDictionary<string, int> Requests => _requests;

    /// <summary>Adds the recorder to the Table, Queue and Blob clients that <paramref name="services"/> will create.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.ConfigureAll<TableClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.BeforeTransport));
        services.ConfigureAll<QueueClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.BeforeTransport));
        services.ConfigureAll<BlobClientOptions>(o => o.AddPolicy(this, HttpPipelinePosition.BeforeTransport));
    }

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var body = Recording ? Buffer(message) : null;
        await ProcessNextAsync(message, pipeline);
        Record(message, body);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var body = Recording ? Buffer(message) : null;
        ProcessNext(message, pipeline);
        Record(message, body);
    }

    // Reads the body once and sends the copy, so that a stream-backed body is not read twice.
    private static string? Buffer(HttpMessage message)
    {
        if (message.Request.Content is not { } content)
        {
            return null;
        }

        using var stream = new MemoryStream();
        content.WriteTo(stream, message.CancellationToken);
        var bytes = stream.ToArray();
        message.Request.Content = RequestContent.Create(bytes);
        return Encoding.UTF8.GetString(bytes);
    }

    private void Record(HttpMessage message, string? body)
    {
        if (!Recording || message.Response.Status >= 400)
        {
            return;
        }

        var uri = message.Request.Uri.ToUri();
        var service = services.GetValueOrDefault(uri.Port, "other");
        var method = message.Request.Method.Method;
        _requests.AddOrUpdate(service != "table" ? service : method == "GET" ? "table read" : "table write", 1, static (_, n) => n + 1);
        // The path after the account: /devstoreaccount1/{resource}/…
        var segments = Uri.UnescapeDataString(uri.AbsolutePath).Split('/', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToArray();
        switch (service)
        {
            case "queue" when method == "POST" && segments is [var queue, "messages"]:
                _messagesPut.AddOrUpdate(queue, 1, static (_, n) => n + 1);
                break;
            case "table" when method != "GET" && segments is ["$batch"] && body is not null:
                foreach (var part in body.Split("--changeset", StringSplitOptions.RemoveEmptyEntries))
                {
                    if (SubRequest().Match(part) is { Success: true } line && line.Groups[1].Value != "GET")
                    {
                        AddEntity(line.Groups[2].Value, part);
                    }
                }

                break;
            case "table" when method != "GET" && segments is [var resource]:
                AddEntity(resource, body ?? "");
                break;
        }
    }

    // resource: "table" (an insert: the keys are in the body) or "table(PartitionKey='p',RowKey='r')".
    private void AddEntity(string resource, string part)
    {
        resource = Uri.UnescapeDataString(resource);
        var open = resource.IndexOf('(', StringComparison.Ordinal);
        var table = open < 0 ? resource : resource[..open];
        if (table == "Tables")
        {
            return;
        }

        var partition = KeyInUrl().Match(resource) is { Success: true } u ? u.Groups[1].Value.Replace("''", "'", StringComparison.Ordinal)
            : KeyInBody().Match(part) is { Success: true } b ? b.Groups[1].Value
            : "?";
        _entities.AddOrUpdate((table, partition), 1, static (_, n) => n + 1);
    }

    // In a $batch body: the request line of one operation, with its URL's last segment.
    [GeneratedRegex(@"^(POST|PUT|MERGE|PATCH|DELETE|GET) \S*/([^/\s?]+)(?:\?\S*)? HTTP/1\.1", RegexOptions.Multiline)]
    private static partial Regex SubRequest();

    [GeneratedRegex(@"PartitionKey='((?:[^']|'')*)'")]
    private static partial Regex KeyInUrl();

    [GeneratedRegex("\"PartitionKey\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"")]
    private static partial Regex KeyInBody();
}
