using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Resso.Functions.Core.Catalog;
using Resso.Shared.Ingestion;

namespace Resso.Functions;

public sealed class SongFunctions(SongCatalog catalog)
{
    [Function("PutSong")]
    public async Task<IResult> PutSong(
        [HttpTrigger(AuthorizationLevel.Function, "put", Route = "songs/{songId}")] HttpRequest request, string songId) =>
        await SongsApi.PutSongAsync(songId, request, catalog, request.HttpContext.RequestAborted);
}
