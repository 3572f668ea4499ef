using Microsoft.Extensions.DependencyInjection;
using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Shared;
using Resso.Ml.Mixes;
using Resso.Shared.Events;
using Resso.Shared.Telemetry;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// What listeners see. A listener's own data, for the listener named by a bearer token
/// (<see cref="ListenerAuthentication"/>): <c>GET /api/me/recommendations?count&amp;region&amp;excludeUsed</c>,
/// <c>GET /api/me/mixes?region</c>, <c>GET /api/me/history?count</c>. The same for the streaming
/// app's backend acting for a user, with a key: <c>GET /api/users/{userId}/…</c>. Anonymous:
/// <c>GET /api/songs/{songId}/similar?count</c> and <c>GET /api/trending?region&amp;window&amp;count</c>.
/// Answers carry an ETag and <c>Cache-Control</c>, and a matching <c>If-None-Match</c> gets 304.
/// </summary>
public static class ListenersApi
{
    /// <summary>The default and largest <c>count</c>.</summary>
    public const int DefaultCount = 20, MaxCount = 100;

    /// <summary>Maps the routes.</summary>
    public static IEndpointRouteBuilder MapListenersApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/me/recommendations", MyRecommendationsAsync).WithName("GetMyRecommendations").RequireListener()
            .WithSummary("The caller's top songs, with a reason each")
            .WithDescription("For the listener the bearer token names. Ranked by the published model, excluding songs the listener used; an unknown listener gets trending in the region (`personalized` false).")
            .Recommendations()
            .Listener<RecommendationsResponse>(Examples.Recommendations, isPrivate: true, caller: Caller.Listener);
        routes.MapGet("/me/mixes", MyMixesAsync).WithName("GetMyMixes").RequireListener()
            .WithSummary("The caller's named mixes")
            .WithDescription("For the listener the bearer token names. For you, From your videos, Because you used…, Trending in…: 20–50 tracks each, stable through the day.")
            .WithQuery("region", ApiSchemas.Region, "Only songs available in this region.")
            .Listener<MixesResponse>(Examples.Mixes, isPrivate: true, caller: Caller.Listener);
        routes.MapGet("/me/history", MyHistoryAsync).WithName("GetMyHistory").RequireListener()
            .WithSummary("The caller's counted events, newest first")
            .WithDescription("For the listener the bearer token names, with each song's title and artist, and how many events are counted in all; paged with `next`/`before`.")
            .WithQuery("count", ApiSchemas.Count, "How many events per page.")
            .WithQuery("before", () => ApiSchemas.Text(200), "The `next` of the previous page: the events after it (older). Absent: the newest.")
            .Listener<HistoryResponse>(Examples.History, isPrivate: true, caller: Caller.Listener);
        routes.MapGet("/users/{userId}/recommendations", RecommendationsAsync).WithName("GetRecommendations").RequireFunctionKey()
            .WithSummary("Top songs for a listener, for the streaming app's backend")
            .WithDescription("As `GET /api/me/recommendations`, for the user named in the path, with the backend's key.")
            .WithPath("userId", ApiSchemas.Id, "The listener.")
            .Recommendations()
            .Listener<RecommendationsResponse>(Examples.Recommendations, isPrivate: true, caller: Caller.Backend);
        routes.MapGet("/users/{userId}/mixes", MixesAsync).WithName("GetMixes").RequireFunctionKey()
            .WithSummary("A listener's named mixes, for the streaming app's backend")
            .WithDescription("As `GET /api/me/mixes`, for the user named in the path, with the backend's key.")
            .WithPath("userId", ApiSchemas.Id, "The listener.")
            .WithQuery("region", ApiSchemas.Region, "Only songs available in this region.")
            .Listener<MixesResponse>(Examples.Mixes, isPrivate: true, caller: Caller.Backend);
        routes.MapGet("/users/{userId}/history", HistoryAsync).WithName("GetHistory").RequireFunctionKey()
            .WithSummary("A listener's counted events, for the streaming app's backend")
            .WithDescription("As `GET /api/me/history`, for the user named in the path, with the backend's key.")
            .WithPath("userId", ApiSchemas.Id, "The listener.")
            .WithQuery("count", ApiSchemas.Count, "How many events per page.")
            .WithQuery("before", () => ApiSchemas.Text(200), "The `next` of the previous page: the events after it (older). Absent: the newest.")
            .Listener<HistoryResponse>(Examples.History, isPrivate: true, caller: Caller.Backend);
        routes.MapGet("/songs/{songId}/similar", SimilarAsync).WithName("GetSimilarSongs").AllowAnonymousFunction()
            .WithSummary("Songs similar to a song")
            .WithDescription("Neighbours by the model's song factors, or by co-occurrence for songs the model does not know (an empty list for a song the catalog knows that has none yet).")
            .WithPath("songId", ApiSchemas.Id, "The song.")
            .WithQuery("count", ApiSchemas.Count, "How many songs.")
            .WithProblems(StatusCodes.Status404NotFound, "Neither the model nor the catalog knows the song.", "song-not-found")
            .Listener<SimilarResponse>(Examples.Similar, isPrivate: false, storage: false);
        routes.MapGet("/trending", TrendingAsync).WithName("GetTrending").AllowAnonymousFunction()
            .WithSummary("Trending songs")
            .WithDescription("Time-decayed popularity over the window; worldwide without a region.")
            .WithQuery("region", ApiSchemas.Region, "Only this region.")
            .WithQuery("window", () => ApiSchemas.Enum("1h", "24h", "7d").WithDefault("24h"), "The window (also `1d` for 24h, `1w` for 7d).")
            .WithQuery("count", ApiSchemas.Count, "How many songs.")
            .Listener<TrendingResponse>(Examples.Trending, isPrivate: false);
        return routes;
    }

    /// <summary>The caller's recommendations (<see cref="RecommendationsAsync"/> for the listener the token names).</summary>
    public static Task<IResult> MyRecommendationsAsync(HttpRequest request, ListenerService listeners, CancellationToken cancellationToken) =>
        ForListenerAsync(request, userId => RecommendationsAsync(userId, request, listeners, cancellationToken));

    /// <summary>The caller's mixes (<see cref="MixesAsync"/> for the listener the token names).</summary>
    public static Task<IResult> MyMixesAsync(HttpRequest request, ListenerService listeners, CancellationToken cancellationToken) =>
        ForListenerAsync(request, userId => MixesAsync(userId, request, listeners, cancellationToken));

    /// <summary>The caller's history (<see cref="HistoryAsync"/> for the listener the token names).</summary>
    public static Task<IResult> MyHistoryAsync(HttpRequest request, ListenerService listeners, CancellationToken cancellationToken) =>
        ForListenerAsync(request, userId => HistoryAsync(userId, request, listeners, cancellationToken));

    /// <summary>
    /// Runs <paramref name="answer"/> for the listener the request's bearer token names; 401 without
    /// a valid token. The answer varies by token, so shared caches must not serve it to anyone else.
    /// </summary>
    public static async Task<IResult> ForListenerAsync(HttpRequest request, Func<string, Task<IResult>> answer)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(answer);
        var caller = await ListenerAuthentication.AuthenticateAsync(request.HttpContext);
        if (caller.UserId is not { } userId)
        {
            return caller.Refusal ?? ListenerAuthentication.Required(request.HttpContext);
        }

        request.HttpContext.Response.Headers.Vary = "Authorization";
        return await answer(userId);
    }

    /// <summary>
    /// A page of the user's counted events, newest first (<c>count</c> of them, default 20, at most
    /// 100), with the total; <c>before</c> is the previous page's <c>next</c>.
    /// </summary>
    public static async Task<IResult> HistoryAsync(string userId, HttpRequest request, ListenerService listeners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Id(userId, "userId", errors);
        var count = Count(request, errors);
        HistoryCursor? before = null;
        if (request.Query["before"].ToString() is { Length: > 0 } cursor && !HistoryCursor.TryParse(cursor, out before))
        {
            errors["before"] = ["must be the `next` of a previous page of this history."];
        }

        return errors.Count > 0
            ? Problems.Validation(errors)
            : await AnswerAsync(request, route: null, ct => listeners.HistoryAsync(userId, count, before, ct), isPrivate: true, cancellationToken);
    }

    /// <summary>Top songs for the user; an unknown user gets trending in their region, marked as not personalised.</summary>
    public static async Task<IResult> RecommendationsAsync(string userId, HttpRequest request, ListenerService listeners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Id(userId, "userId", errors);
        var count = Count(request, errors);
        var region = Region(request, errors);
        var excludeUsed = true;
        if (request.Query["excludeUsed"].ToString() is { Length: > 0 } text && !bool.TryParse(text, out excludeUsed))
        {
            errors["excludeUsed"] = ["must be true or false."];
        }

        return errors.Count > 0
            ? Problems.Validation(errors)
            : await AnswerAsync(request, "recommendations", ct => listeners.RecommendAsync(userId, count, region, excludeUsed, ct), isPrivate: true, cancellationToken);
    }

    /// <summary>The user's named mixes of 20–50 tracks, stable through the day.</summary>
    public static async Task<IResult> MixesAsync(string userId, HttpRequest request, ListenerService listeners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Id(userId, "userId", errors);
        var region = Region(request, errors);
        return errors.Count > 0
            ? Problems.Validation(errors)
            : await AnswerAsync(request, "mixes", ct => listeners.MixesAsync(userId, region, ct), isPrivate: true, cancellationToken);
    }

    /// <summary>
    /// Neighbours of a song (none yet for a song the catalog knows without neighbours or factors);
    /// 404 for a song neither the model nor the catalog knows.
    /// </summary>
    public static async Task<IResult> SimilarAsync(string songId, HttpRequest request, ListenerService listeners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Id(songId, "songId", errors);
        var count = Count(request, errors);
        if (errors.Count > 0)
        {
            return Problems.Validation(errors);
        }

        var started = Clock(request).GetTimestamp();
        var answer = await listeners.SimilarAsync(songId, count, cancellationToken);
        RecordRanking(request, "similar", started);
        return answer is { } similar
            ? new CachedJson(similar, ListenerService.CacheFor, isPrivate: false)
            : Problems.NotFound("song", $"Neither the model nor the catalog knows song '{songId}'.");
    }

    /// <summary>Time-decayed popularity; worldwide without a region.</summary>
    public static async Task<IResult> TrendingAsync(HttpRequest request, ListenerService listeners, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var count = Count(request, errors);
        var region = Region(request, errors);
        var window = TimeSpan.FromHours(24);
        if (request.Query["window"].ToString() is { Length: > 0 } text && !TrendingScorer.TryParseWindow(text, out window))
        {
            errors["window"] = ["must be 1h, 24h or 7d."];
        }

        return errors.Count > 0
            ? Problems.Validation(errors)
            : await AnswerAsync(request, "trending", ct => listeners.TrendingAsync(region, window, count, ct), isPrivate: false, cancellationToken);
    }

    // What every listener route declares: the answer, its caching, bad input, rate limits and storage failures.
    private static RouteHandlerBuilder Listener<T>(this RouteHandlerBuilder builder, T example, bool isPrivate, bool storage = true, Caller caller = Caller.Anyone)
        where T : notnull
    {
        _ = caller switch
        {
            Caller.Listener => builder.WithProblems(StatusCodes.Status401Unauthorized, "No valid bearer token (`WWW-Authenticate: Bearer`); the detail names the failed check.", "unauthenticated"),
            Caller.Backend => builder.WithProblems(StatusCodes.Status401Unauthorized, "No valid key.", "unauthorized"),
            _ => builder,
        };
        builder.WithTags("Listeners")
            .WithHeader("If-None-Match", () => ApiSchemas.Text(), "An ETag of an earlier answer: `304` without a body when it still holds.")
            .WithJsonResponse<T>(StatusCodes.Status200OK, $"The answer, with an `ETag` and `Cache-Control: {(isPrivate ? "private" : "public")}, max-age=60`.")
            .WithResponse(StatusCodes.Status304NotModified, "The answer named by `If-None-Match` still holds.")
            .WithProblems(StatusCodes.Status400BadRequest, "A parameter is invalid (`errors` names each).", "validation")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithResponseExample(StatusCodes.Status200OK, example);
        return storage
            ? builder.WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            : builder;
    }

    private static RouteHandlerBuilder Recommendations(this RouteHandlerBuilder builder) =>
        builder.WithQuery("count", ApiSchemas.Count, "How many songs.")
            .WithQuery("region", ApiSchemas.Region, "Only songs available in this region.")
            .WithQuery("excludeUsed", () => ApiSchemas.Boolean(true), "Leave out songs the listener already used.");

    private enum Caller
    {
        Anyone,
        Listener,
        Backend,
    }

    // A null route is not a ranking (history), so it is not timed as one.
    // The answer's storage calls run under the guard's deadline: compute must use the token it is
    // handed (the guard cancels it at the deadline), not the request's, or a storage account that
    // never answers holds the request for the storage client's two minutes of timeouts and retries.
    private static async Task<IResult> AnswerAsync<T>(HttpRequest request, string? route, Func<CancellationToken, Task<T>> compute, bool isPrivate, CancellationToken cancellationToken)
        where T : notnull
    {
        var guard = request.HttpContext.RequestServices.GetRequiredService<StorageGuard>();
        try
        {
            var started = Clock(request).GetTimestamp();
            var answer = await guard.ExecuteAsync(static (c, ct) => new ValueTask<T>(c(ct)), compute, cancellationToken);
            if (route is not null)
            {
                RecordRanking(request, route, started);
            }

            return new CachedJson(answer, ListenerService.CacheFor, isPrivate);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }
    }

    // Answers only (bad input and storage failures are not rankings); cached answers count too, as a listener waits for them.
    private static void RecordRanking(HttpRequest request, string route, long started)
    {
        var duration = request.HttpContext.RequestServices.GetRequiredService<RessoMetrics>().RankingDuration;
        if (duration.Enabled)
        {
            duration.Record(Clock(request).GetElapsedTime(started).TotalSeconds, new KeyValuePair<string, object?>(RessoTelemetry.Tags.Route, route));
        }
    }

    private static TimeProvider Clock(HttpRequest request) => request.HttpContext.RequestServices.GetRequiredService<TimeProvider>();

    private static void Id(string id, string name, Dictionary<string, string[]> errors)
    {
        if (!Ids.IsValid(id))
        {
            errors[name] = [Ids.Problem];
        }
    }

    private static int Count(HttpRequest request, Dictionary<string, string[]> errors) =>
        QueryValues.WholeNumber(request, "count", DefaultCount, MaxCount, errors);

    private static string? Region(HttpRequest request, Dictionary<string, string[]> errors)
    {
        if (request.Query["region"].ToString() is not { Length: > 0 } region)
        {
            return null;
        }

        if (Regions.Problem(region) is { } problem)
        {
            errors["region"] = [problem];
        }

        return region;
    }
}
