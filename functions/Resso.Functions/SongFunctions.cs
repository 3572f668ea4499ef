using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Catalog;
using Resso.Functions.Core.Listeners;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions;

public sealed class SongFunctions(SongCatalog catalog, CatalogSnapshot snapshot, StorageGuard guard)
{
    [Function("PutSong")]
    public async Task<IResult> PutSong(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "songs/{songId}")] HttpRequest request, string songId) =>
        await SongsApi.PutSongAsync(songId, request, catalog, snapshot, guard, request.HttpContext.RequestAborted);
}
