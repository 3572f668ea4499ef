using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Catalog;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions;

public sealed class SongFunctions(SongCatalog catalog, CatalogSnapshot snapshot, SongUsageStats usage, CatalogRollupTimer rollup, StorageGuard guard)
{
    [Function("PutSong")]
    public async Task<IResult> PutSong(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "songs/{songId}")] HttpRequest request, string songId) =>
        await SongsApi.PutSongAsync(songId, request, catalog, snapshot, guard, request.HttpContext.RequestAborted);

    [Function("GetSong")]
    public Task<IResult> GetSong(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "songs/{songId}")] HttpRequest request, string songId) =>
        SongsApi.GetSongAsync(songId, request, snapshot, usage, guard, request.HttpContext.RequestAborted);

    [Function("RunCatalogRollup")]
    public Task<IResult> RunCatalogRollup(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "catalog/rollup")] HttpRequest request) =>
        SongsApi.RollupAsync(request, rollup, request.HttpContext.RequestAborted);
}
