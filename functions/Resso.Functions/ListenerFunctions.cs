using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Listeners;

namespace Resso.Functions;

public sealed class ListenerFunctions(ListenerService listeners)
{
    [Function("GetRecommendations")]
    public Task<IResult> GetRecommendations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/{userId}/recommendations")] HttpRequest request, string userId) =>
        ListenersApi.RecommendationsAsync(userId, request, listeners, request.HttpContext.RequestAborted);

    [Function("GetMixes")]
    public Task<IResult> GetMixes(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "users/{userId}/mixes")] HttpRequest request, string userId) =>
        ListenersApi.MixesAsync(userId, request, listeners, request.HttpContext.RequestAborted);

    [Function("GetSimilarSongs")]
    public IResult GetSimilarSongs(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "songs/{songId}/similar")] HttpRequest request, string songId) =>
        ListenersApi.Similar(songId, request, listeners);

    [Function("GetTrending")]
    public Task<IResult> GetTrending(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "trending")] HttpRequest request) =>
        ListenersApi.TrendingAsync(request, listeners, request.HttpContext.RequestAborted);
}
