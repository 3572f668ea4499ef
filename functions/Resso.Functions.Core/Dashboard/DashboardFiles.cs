using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions.Core.Dashboard;

/// <summary>One file of the dashboard, as served.</summary>
/// <param name="Content">Its bytes.</param>
/// <param name="ContentType">Its media type.</param>
/// <param name="ETag">A strong validator of the content.</param>
public sealed record DashboardFile(byte[] Content, string ContentType, string ETag);

/// <summary>
/// The dashboard for labels and operators: static HTML, CSS and scripts embedded in this assembly
/// (<c>Dashboard/wwwroot</c>, and uPlot from <c>node_modules</c> as pinned in <c>package.json</c>),
/// served the same by both hosts: the self-host at <c>/dashboard/</c>, both hosts at
/// <c>/api/dashboard/</c> (the Functions app serves HTTP only under its route prefix). The page asks
/// for the key and calls the API from the browser; the files themselves hold nothing secret.
/// </summary>
public static class DashboardFiles
{
    /// <summary>The route of the dashboard's files under the API prefix, in both hosts.</summary>
    public const string Route = "/dashboard/{*path}";

    /// <summary>
    /// Scripts, styles and data only from this origin, no inline script or style, no framing, no
    /// form posts: the page reads the API with <c>fetch</c> and nothing else.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private const string ResourcePrefix = "dashboard/";

    private static readonly FrozenDictionary<string, string> ContentTypes = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".svg"] = "image/svg+xml",
        [".txt"] = "text/plain; charset=utf-8",
    }.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);

    /// <summary>Every file, by its path under the dashboard (<c>index.html</c>, <c>vendor/uPlot.iife.min.js</c>, …).</summary>
    public static FrozenDictionary<string, DashboardFile> Files { get; } = Load();

    /// <summary>Maps <see cref="Route"/> (anonymous, not an operation of the API description) under <paramref name="routes"/>.</summary>
    public static IEndpointConventionBuilder MapDashboard(this IEndpointRouteBuilder routes) =>
        routes.MapGet(Route, static (HttpContext context) => Serve(context)).AllowAnonymousFunction().ExcludeFromDescription();

    /// <summary>
    /// The file the request names after its <c>/dashboard/</c> segment (<c>index.html</c> for none);
    /// <c>…/dashboard</c> without the slash is redirected to it, so that the page's relative links resolve.
    /// </summary>
    public static IResult Serve(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var at = path.IndexOf("/dashboard", StringComparison.OrdinalIgnoreCase);
        var relative = at < 0 ? "" : path[(at + "/dashboard".Length)..];
        if (relative.Length == 0)
        {
            return TypedResults.Redirect(path + "/" + context.Request.QueryString);
        }

        relative = relative.TrimStart('/');
        if (!Files.TryGetValue(relative.Length == 0 ? "index.html" : relative, out var file))
        {
            return Problems.NotFound("dashboard-file", $"The dashboard has no file '{relative}'; it starts at {path[..at]}/dashboard/.");
        }

        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidated each time (a new build may change any file); unchanged files answer 304.
        headers.CacheControl = "no-cache";
        headers.ETag = file.ETag;
        if (context.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(tag => tag.Trim() == file.ETag)))
        {
            return TypedResults.StatusCode(StatusCodes.Status304NotModified);
        }

        return TypedResults.Bytes(file.Content, file.ContentType);
    }

    private static FrozenDictionary<string, DashboardFile> Load()
    {
        var assembly = typeof(DashboardFiles).Assembly;
        var files = new Dictionary<string, DashboardFile>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var normalized = name.Replace('\\', '/');
            if (!normalized.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var content = buffer.ToArray();
            var relative = normalized[ResourcePrefix.Length..];
            var type = ContentTypes.GetValueOrDefault(Path.GetExtension(relative), "application/octet-stream");
            files[relative] = new DashboardFile(content, type, new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..32]}\"").Tag.ToString());
        }

        return files.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
