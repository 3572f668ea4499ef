using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Resso.Functions.Core;

/// <summary>
/// A JSON answer with an <c>ETag</c> (a hash of the body) and <c>Cache-Control</c>; a request whose
/// <c>If-None-Match</c> names that ETag gets <c>304 Not Modified</c> without the body. Answers
/// served again from a cache are the same object, so their encoding is kept with them (weakly:
/// it goes when the answer leaves the cache) and a cache hit costs no serialization or hashing.
/// </summary>
public sealed class CachedJson(object value, TimeSpan maxAge, bool isPrivate) : IResult
{
    private sealed record Encoded(byte[] Body, string ETag);

    private static readonly ConditionalWeakTable<object, Encoded> Encodings = [];

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var (body, etag) = Encodings.GetValue(value, static v =>
        {
            var bytes = JsonSerializer.SerializeToUtf8Bytes(v, v.GetType(), JsonSerializerOptions.Web);
            return new Encoded(bytes, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes).AsSpan(0, 16))}\"");
        });
        var response = httpContext.Response;
        response.Headers.ETag = etag;
        response.Headers.CacheControl = $"{(isPrivate ? "private" : "public")}, max-age={(int)maxAge.TotalSeconds}";
        if (httpContext.Request.Headers.IfNoneMatch.Any(v => v is not null && (v == "*" || v.Split(',').Any(tag => tag.Trim() == etag || tag.Trim() == "W/" + etag))))
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json; charset=utf-8";
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, httpContext.RequestAborted);
    }
}
