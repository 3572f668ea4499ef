using Azure.Storage.Queues.Models;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Events;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions;

public sealed class EventFunctions(EventParser parser, EventQueue queue, IOptions<IngestionOptions> options, StorageGuard guard, SongUsedHandler songUsed)
{
    [Function("PostEvents")]
    public async Task<IResult> PostEvents(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "events")] HttpRequest request) =>
        await EventsApi.PostEventsAsync(request, parser, queue, options, guard, request.HttpContext.RequestAborted);

    [Function("SongUsed")]
    public Task SongUsed([QueueTrigger(StorageOptions.SongUsedQueueExpression)] QueueMessage message, CancellationToken cancellationToken) =>
        songUsed.HandleAsync(message, cancellationToken);
}
