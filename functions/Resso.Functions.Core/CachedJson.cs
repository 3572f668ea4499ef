using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Resso.Functions.Core;

/// <summary>
/// A JSON answer with an <c>ETag</c> (a hash of the body) and <c>Cache-Control</c>; a request whose
/// <c>If-None-Match</c> names that ETag gets <c>304 Not Modified</c> without the body.
/// </summary>
public sealed class CachedJson(object value, TimeSpan maxAge, bool isPrivate) : IResult
{
    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), JsonSerializerOptions.Web);
        var etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 16))}\"";
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
