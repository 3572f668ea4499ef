using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http.Metadata;
using Resso.Functions.Core;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Listeners;
using Resso.Ml.Serving;
using Resso.Shared.Storage;

namespace Resso.Functions.SelfHost;

/// <summary>
/// <c>GET /</c> on the self-host: what this is, the state of this instance, requests to try with
/// real ids from what storage holds, every route of the API (from the endpoints themselves, so the
/// list cannot drift), and where the documents are. Not part of the API description.
/// </summary>
internal static class LandingPage
{
    // How many of the model's users are looked at to find an active listener for "try these".
    private const int UsersSampled = 60;

    public static void MapLandingPage(this WebApplication app) =>
        app.MapGet("/", RenderAsync).ExcludeFromDescription().WithMetadata(SelfHostOnly.Instance);

    private static async Task<IResult> RenderAsync(HttpContext context, EndpointDataSource endpoints, ModelHolder models, ListenerService listeners,
        StorageHealthProbe storage, TimeProvider clock, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var baseUrl = $"{context.Request.Scheme}://{context.Request.Host}";
        var health = await storage.CheckAsync(cancellationToken);
        var model = models.Current;
        var body = new StringBuilder();
        body.Append("<h1>Resso Functions</h1>")
            .Append("<p>The backend between a short-video app and a music streaming service: it counts “song used in a short video” events, ")
            .Append("learns what listeners like (matrix factorization), and answers deep-link subscribe offers, recommendations and mixes.</p>");
        body.Append("<p class=\"status\">")
            .Append(health.AllReachable ? "Storage answers" : "<strong>Storage does not answer</strong>")
            .Append(" · ")
            .Append(model is null
                ? "no model yet (<code>POST /api/model/retrain</code> with the key trains one)"
                : $"model <code>{HtmlPage.Encode(model.Version)}</code> ({model.Factors.UserCount.ToString("N0", CultureInfo.InvariantCulture)} listeners, {model.Factors.ItemCount.ToString("N0", CultureInfo.InvariantCulture)} songs)")
            .Append(" · <a href=\"").Append(RessoApi.RoutePrefix).Append("/health\">health</a></p>");

        body.Append("<h2>Try these</h2>");
        try
        {
            AppendTryThese(body, baseUrl, await TryTheseAsync(models, listeners, cancellationToken));
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            Log.LandingExamplesUnavailable(loggers.CreateLogger(typeof(LandingPage)), ex);
            body.Append("<p>Storage did not answer, so there are no examples with real ids right now.</p>");
        }

        body.Append("<h2>Routes</h2><table><thead><tr><th>method</th><th>route</th><th>caller</th><th>what</th></tr></thead><tbody>");
        foreach (var route in Routes(endpoints))
        {
            body.Append("<tr><td>").Append(HtmlPage.Encode(route.Method)).Append("</td><td><code>").Append(HtmlPage.Encode(route.Pattern))
                .Append("</code></td><td>").Append(route.Caller).Append("</td><td>").Append(HtmlPage.Encode(route.Summary)).Append("</td></tr>");
        }

        body.Append("</tbody></table>")
            .Append("<p><em>key</em>: <code>x-functions-key</code> (locally <code>local-dev-key</code>); ")
            .Append("<em>listener</em>: <code>Authorization: Bearer</code> with a listener's token (locally from <code>POST /api/dev/token?userId=…</code>).</p>");
        body.Append("<h2>Documents</h2><ul>")
            .Append("<li><a href=\"/dashboard/\">Dashboard</a>: the subscribe funnel, experiments, trending, the model's versions and ingestion, as charts and tables (it asks for the key)</li>")
            .Append("<li><a href=\"").Append(SelfHostApp.ReferencePath).Append("\">API reference</a> and the <a href=\"").Append(RessoApi.OpenApiPath).Append("\">OpenAPI document</a></li>")
            .Append("<li>In the repository: <code>README.md</code> (run, test, settings), <code>docs/api.md</code> (callers, keys, tokens), ")
            .Append("<code>docs/resso.http</code> (one request per route), <code>docs/ingestion.md</code>, <code>docs/offers.md</code>, ")
            .Append("<code>docs/listeners.md</code>, <code>docs/recommender.md</code>, <code>docs/reliability.md</code></li></ul>");
        body.Append("<p class=\"status\">Rendered ").Append(HtmlPage.Encode(clock.GetUtcNow().ToString("u", CultureInfo.InvariantCulture))).Append("</p>");
        return new HtmlPage(StatusCodes.Status200OK, "Resso Functions", body.ToString(), style: Style);
    }

    /// <summary>Real ids from storage: the top song of the week, and an active listener of the model with their latest event.</summary>
    private static async Task<Examples> TryTheseAsync(ModelHolder models, ListenerService listeners, CancellationToken cancellationToken)
    {
        var trending = await listeners.TrendingAsync(null, TimeSpan.FromDays(7), 1, cancellationToken);
        HistoryResponse? listener = null;
        if (models.Current is { } model)
        {
            // Spread over the model's users rather than its first few, and keep the most active.
            var users = model.Factors.Users;
            var step = Math.Max(1, users.Count / UsersSampled);
            var sampled = Enumerable.Range(0, Math.Min(UsersSampled, users.Count)).Select(i => users[i * step % users.Count]).Distinct(StringComparer.Ordinal);
            var histories = new System.Collections.Concurrent.ConcurrentBag<HistoryResponse>();
            await Parallel.ForEachAsync(sampled, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (user, ct) =>
                histories.Add(await listeners.HistoryAsync(user, 1, cancellationToken: ct)));
            listener = histories.Where(h => h.Items.Count > 0).OrderByDescending(h => h.Total).ThenBy(h => h.UserId, StringComparer.Ordinal).FirstOrDefault();
        }

        return new Examples(trending.Items.FirstOrDefault(), listener);
    }

    private static void AppendTryThese(StringBuilder body, string baseUrl, Examples examples)
    {
        if (examples.TopSong is null && examples.Listener is null)
        {
            body.Append("<p>Storage holds no events yet. <code>./run.sh</code> seeds a demo world when storage is empty; ")
                .Append("or send events with <code>POST /api/events</code>.</p>");
            return;
        }

        body.Append("<ul class=\"try\">");
        if (examples.TopSong is { } song)
        {
            var name = song.Title is null ? song.SongId : $"{song.Title} by {song.Artist}";
            Link(body, $"{RessoApi.RoutePrefix}/trending?window=7d&count=10", "the week's trending songs");
            Link(body, $"{RessoApi.RoutePrefix}/songs/{Uri.EscapeDataString(song.SongId)}", $"{name}: its catalog entry and use");
            Link(body, $"{RessoApi.RoutePrefix}/songs/{Uri.EscapeDataString(song.SongId)}/similar?count=10", $"songs like {name}");
        }

        if (examples.Listener is { Items: [var latest, ..] } listener)
        {
            var user = Uri.EscapeDataString(listener.UserId);
            Link(body, $"{RessoApi.RoutePrefix}/songs/{Uri.EscapeDataString(latest.SongId)}/offer?videoId={Uri.EscapeDataString(latest.VideoId)}&region={latest.Region}&platform=ios",
                $"the subscribe offer for {latest.Title ?? latest.SongId}, heard in video {latest.VideoId}");
            Command(body, $"curl -s '{baseUrl}{RessoApi.RoutePrefix}/users/{user}/mixes' -H '{ApiKeys.HeaderName}: local-dev-key'",
                $"the mixes of {listener.UserId} ({listener.Total.ToString(CultureInfo.InvariantCulture)} events), as the streaming app's backend asks");
            Command(body, $"TOKEN=$(curl -s -X POST '{baseUrl}{RessoApi.RoutePrefix}/dev/token?userId={user}'); curl -s '{baseUrl}{RessoApi.RoutePrefix}/me/recommendations?count=5' -H \"Authorization: Bearer $TOKEN\"",
                $"{listener.UserId}'s recommendations, as the listener's app asks");
        }

        body.Append("</ul>");

        static void Link(StringBuilder body, string path, string what) =>
            body.Append("<li><a href=\"").Append(HtmlPage.Encode(path)).Append("\"><code>GET ").Append(HtmlPage.Encode(path)).Append("</code></a><br>")
                .Append(HtmlPage.Encode(what)).Append("</li>");

        static void Command(StringBuilder body, string command, string what) =>
            body.Append("<li><pre>").Append(HtmlPage.Encode(command)).Append("</pre>").Append(HtmlPage.Encode(what)).Append("</li>");
    }

    private static IEnumerable<(string Method, string Pattern, string Caller, string Summary)> Routes(EndpointDataSource endpoints) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.StartsWith(RessoApi.RoutePrefix + "/", StringComparison.Ordinal))
            .Select(e => (
                Method: string.Join(", ", e.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"]),
                Pattern: e.RoutePattern.RawText!,
                Caller: e.Metadata.GetMetadata<ListenerAuthenticationMetadata>() is not null ? "listener"
                    : e.Metadata.OfType<FunctionAuthorization>().LastOrDefault() == FunctionAuthorization.Function ? "key" : "anyone",
                Summary: e.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary
                    ?? (e.Metadata.GetMetadata<SelfHostOnly>() is not null ? "self-host only" : "")))
            .OrderBy(r => r.Pattern, StringComparer.Ordinal)
            .ThenBy(r => r.Method, StringComparer.Ordinal);

    private sealed record Examples(SongItem? TopSong, HistoryResponse? Listener);

    private const string Style =
        "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;line-height:1.45}" +
        "table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #ddd;vertical-align:top}" +
        "code,pre{font-family:ui-monospace,monospace}pre{white-space:pre-wrap;background:#f4f4f4;padding:.4rem;margin:.2rem 0}" +
        ".try li{margin-bottom:.6rem}.status{color:#555}";
}
