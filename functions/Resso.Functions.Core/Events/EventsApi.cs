using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;

namespace Resso.Functions.Core.Events;

/// <summary>The answer to an accepted batch.</summary>
/// <param name="Accepted">Events enqueued.</param>
/// <param name="Messages">Queue messages they took.</param>
public sealed record EventsAccepted(int Accepted, int Messages);

/// <summary><c>POST /api/events</c>: "song used in short video" events from the short-video app.</summary>
public static class EventsApi
{
    // Some messages may have been enqueued before storage stopped answering; a retry enqueues them
    // again, and the processor counts each (userId, eventId) once.
    private const string EnqueueMayHaveHappened =
        "Some of the events may have been accepted; retrying the whole request is safe: each event is counted once by its userId and eventId.";

    /// <summary>Maps the route (key required).</summary>
    public static IEndpointRouteBuilder MapEventsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/events", PostEventsAsync).WithName("PostEvents").RequireFunctionKey()
            .WithTags("Events")
            .WithSummary("Ingest \"song used in short video\" events")
            .WithDescription("One event, or a batch `{\"events\":[…]}` of at most 500 (`Resso__Ingestion__MaxEventsPerRequest`) in at most 1 MiB. All or nothing: one invalid event and none is accepted, each problem named by index and field (`events[3].userId`). Accepted events are enqueued durably and counted exactly once per (userId, eventId), however often they are sent.")
            .WithJsonBody("One event, or `{\"events\":[…]}`.", typeof(SongUsedEvent), typeof(SongUsedBatch))
            .WithProblems(StatusCodes.Status400BadRequest, "The body is not JSON, or some events are invalid (`errors` names each field; none were accepted).", "validation", "invalid-json")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status413PayloadTooLarge, "The body is larger than the limit.", "payload-too-large")
            .WithProblems(StatusCodes.Status415UnsupportedMediaType, "The body is not `application/json`.", "unsupported-media-type")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; some events may have been accepted, and retrying the whole request is safe.", "storage-unavailable")
            .WithRequestExample(new SongUsedBatch([Examples.Event]))
            .WithResponseExample(StatusCodes.Status202Accepted, new EventsAccepted(1, 1));
        return routes;
    }

    /// <summary>
    /// Validates every event (all or nothing: one invalid event and nothing is enqueued, with each
    /// problem named by index and field), then enqueues them packed into as few messages as fit.
    /// </summary>
    public static async Task<Results<Accepted<EventsAccepted>, ValidationProblem, ProblemHttpResult>> PostEventsAsync(
        HttpRequest request, EventParser parser, EventQueue queue, IOptions<IngestionOptions> options, StorageGuard guard, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, options.Value.MaxRequestBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var parsed = parser.Parse(document!.RootElement, out var isBatch);
            if (!parsed.IsValid)
            {
                return Problems.Validation(parsed.AllErrors(isBatch), "Some events are invalid; none were accepted.");
            }

            var events = parsed.Valid.Select(v => v.Event).ToList();
            try
            {
                var messages = await guard.ExecuteAsync(ct => new ValueTask<int>(queue.EnqueueAsync(events, ct)), cancellationToken);
                return TypedResults.Accepted((string?)null, new EventsAccepted(events.Count, messages));
            }
            catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
            {
                return Problems.StorageUnavailable(request.HttpContext.Response, ex, EnqueueMayHaveHappened);
            }
        }
    }
}
