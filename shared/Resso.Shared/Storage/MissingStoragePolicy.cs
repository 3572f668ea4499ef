using System.Text;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;

namespace Resso.Shared.Storage;

/// <summary>
/// In every storage client of the app: reports each answer saying that a queue, table or container
/// does not exist to <see cref="StorageRepair"/>, which re-creates it. In the pipeline rather than
/// where each caller catches its failure, because many callers never see one: a point read of a
/// missing table answers "no such entity", a missing container "no model", a receive from a missing
/// queue "no message". The answer itself goes back to the caller unchanged.
/// </summary>
internal sealed class MissingStoragePolicy(StorageRepair repair, TimeProvider timeProvider) : HttpPipelinePolicy
{
    private const string ErrorCodeHeader = "x-ms-error-code";

    public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = timeProvider.GetTimestamp();
        await ProcessNextAsync(message, pipeline);
        Observe(message, started);
    }

    public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
    {
        var started = timeProvider.GetTimestamp();
        ProcessNext(message, pipeline);
        Observe(message, started);
    }

    private void Observe(HttpMessage message, long started)
    {
        if (message.HasResponse && MissingResourceCode(message) is { } code)
        {
            // Not awaited: the caller's failure goes on as it is (a 503, a retry); the re-creation runs beside it.
            _ = repair.RequestAsync($"HTTP {message.Response.Status} {code}", started);
        }
    }

    /// <summary>The error code of an answer that names a missing queue, table or container; null for any other answer.</summary>
    internal static string? MissingResourceCode(HttpMessage message)
    {
        var response = message.Response;
        if (response.Status == 404)
        {
            if (response.Headers.TryGetValue(ErrorCodeHeader, out var code))
            {
                return StorageRepair.IsMissingResourceCode(code) ? code : null;
            }

            // Answers without the header (older service versions) carry the code in the body only.
            return BodyNames(response, tableOnly: false);
        }

        // An entity-group transaction answers 202 and tells each operation's failure inside its
        // multipart body: a transaction on a missing table is a 404 TableNotFound in there.
        return response.Status == 202 && message.Request.Uri.Path.EndsWith("$batch", StringComparison.Ordinal)
            ? BodyNames(response, tableOnly: true)
            : null;
    }

    // Only a buffered body (error answers and transaction answers are): a streamed download is never
    // read here. The code as a JSON string or an XML element's text, not as part of a longer word;
    // searched in the bytes, so that a transaction's answer on the ingestion path is not copied into a string.
    private static string? BodyNames(Response response, bool tableOnly)
    {
        if (response.ContentStream is not MemoryStream)
        {
            return null;
        }

        var body = response.Content.ToMemory().Span;
        foreach (var (code, json, xml) in tableOnly ? BodyCodes.AsSpan(0, 1) : BodyCodes)
        {
            if (body.IndexOf(json) >= 0 || body.IndexOf(xml) >= 0)
            {
                return code;
            }
        }

        return null;
    }

    private static readonly (string Code, byte[] Json, byte[] Xml)[] BodyCodes =
        [.. new[] { "TableNotFound", "QueueNotFound", "ContainerNotFound" }.Select(c => (c, Encoding.UTF8.GetBytes('"' + c + '"'), Encoding.UTF8.GetBytes('>' + c + '<')))];
}
