using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Listeners;

namespace Resso.Functions;

public sealed class ListenerFunctions(ListenerService listeners)
{
    // The listener's own routes are anonymous at the host: the worker validates the bearer token.
    [Function("GetMyRecommendations")]
    public Task<IResult> GetMyRecommendations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/recommendations")] HttpRequest request) =>
        ListenersApi.MyRecommendationsAsync(request, listeners, request.HttpContext.RequestAborted);

    [Function("GetMyMixes")]
    public Task<IResult> GetMyMixes(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/mixes")] HttpRequest request) =>
        ListenersApi.MyMixesAsync(request, listeners, request.HttpContext.RequestAborted);

    [Function("GetMyHistory")]
    public Task<IResult> GetMyHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "me/history")] HttpRequest request) =>
        ListenersApi.MyHistoryAsync(request, listeners, request.HttpContext.RequestAborted);

    // The streaming app's backend acting for a user: keyed, checked by the host.
    [Function("GetRecommendations")]
    public Task<IResult> GetRecommendations(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "users/{userId}/recommendations")] HttpRequest request, string userId) =>
        ListenersApi.RecommendationsAsync(userId, request, listeners, request.HttpContext.RequestAborted);

    [Function("GetMixes")]
    public Task<IResult> GetMixes(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "users/{userId}/mixes")] HttpRequest request, string userId) =>
        ListenersApi.MixesAsync(userId, request, listeners, request.HttpContext.RequestAborted);

    [Function("GetHistory")]
    public Task<IResult> GetHistory(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "users/{userId}/history")] HttpRequest request, string userId) =>
        ListenersApi.HistoryAsync(userId, request, listeners, request.HttpContext.RequestAborted);

    [Function("GetSimilarSongs")]
    public Task<IResult> GetSimilarSongs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "songs/{songId}/similar")] HttpRequest request, string songId) =>
        ListenersApi.SimilarAsync(songId, request, listeners, request.HttpContext.RequestAborted);

    [Function("GetTrending")]
    public Task<IResult> GetTrending(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "trending")] HttpRequest request) =>
        ListenersApi.TrendingAsync(request, listeners, request.HttpContext.RequestAborted);
}
