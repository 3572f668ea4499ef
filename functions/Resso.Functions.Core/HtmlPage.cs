using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Resso.Functions.Core;

/// <summary>
/// A small HTML page with the security headers every HTML response carries: a strict content
/// security policy (scripts only with this response's nonce), no framing, no sniffing, no referrer.
/// Text is HTML-encoded; nothing from the request is echoed unencoded.
/// </summary>
public sealed class HtmlPage(int statusCode, string title, string bodyHtml, string? script = null, string? style = null) : IResult
{
    // The claim page's: one centred column with a large code.
    private const string DefaultStyle =
        "body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;text-align:center}" +
        "code{font-size:2rem;letter-spacing:.2rem}a.button{display:inline-block;margin-top:1rem;padding:.8rem 1.2rem;border-radius:.5rem;background:#111;color:#fff;text-decoration:none}";

    /// <summary>Encodes text for HTML.</summary>
    public static string Encode(string text) => WebUtility.HtmlEncode(text);

    /// <inheritdoc />
    public Task ExecuteAsync(HttpContext httpContext)
    {
        var nonce = Convert.ToBase64String(RandomNumberGenerator.GetBytes(16));
        var response = httpContext.Response;
        response.StatusCode = statusCode;
        response.ContentType = "text/html; charset=utf-8";
        response.Headers.ContentSecurityPolicy = $"default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-{nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.XFrameOptions = "DENY";
        response.Headers["Referrer-Policy"] = "no-referrer";
        response.Headers.CacheControl = "no-store";
        var scriptTag = script is null ? "" : $"<script nonce=\"{nonce}\">{script}</script>";
        return response.WriteAsync(
            $"<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">" +
            $"<title>{Encode(title)}</title><style>{style ?? DefaultStyle}</style></head>" +
            $"<body>{bodyHtml}{scriptTag}</body></html>",
            httpContext.RequestAborted);
    }
}
