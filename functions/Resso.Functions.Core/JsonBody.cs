using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Resso.Shared.Events;

namespace Resso.Functions.Core;

/// <summary>
/// Reads a JSON request body under a size limit, strictly (no duplicate properties, shallow
/// nesting): either a document or the problem to answer.
/// </summary>
public static class JsonBody
{
    /// <summary>The document, or the 413/415/400 problem to answer instead.</summary>
    public static async Task<(JsonDocument? Document, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, int maxBytes, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, Problems.TooLarge(maxBytes));
        }

        if (request.ContentType is not { } contentType || !contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase))
        {
            return (null, Problems.UnsupportedMediaType());
        }

        // Content-Length may be absent (chunked): count while reading.
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, Problems.TooLarge(maxBytes));
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return (EventParser.ParseDocument(buffer.GetBuffer().AsMemory(0, (int)buffer.Length)), null);
        }
        catch (JsonException ex)
        {
            return (null, Problems.InvalidJson(ex.Message));
        }
    }
}
