using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Listeners;
using Resso.Shared;
using Resso.Shared.Catalog;
using Resso.Shared.Events;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Functions.Core.Catalog;

/// <summary>The body of <c>PUT /api/songs/{songId}</c>, as <see cref="SongsApi"/> reads it.</summary>
/// <param name="Title">1–200 characters, no control characters.</param>
/// <param name="Artist">1–200 characters, no control characters.</param>
/// <param name="Label">The record label, 1–100 characters, no control characters.</param>
/// <param name="DurationMs">Length in milliseconds, 1 to 3,600,000.</param>
/// <param name="Regions">ISO 3166-1 alpha-2 codes where the song may be recommended; absent, null or empty: everywhere.</param>
public sealed record SongUpsert(
    [property: StringLength(200, MinimumLength = 1)] string Title,
    [property: StringLength(200, MinimumLength = 1)] string Artist,
    [property: StringLength(100, MinimumLength = 1)] string Label,
    [property: Range(1, EventParser.MaxSegmentEndMs)] int DurationMs,
    IReadOnlyList<string>? Regions = null);

/// <summary><c>GET /api/songs/{songId}</c>: a catalog entry with its use.</summary>
/// <param name="SongId">The song.</param>
/// <param name="Placeholder">True when the song was only seen in events: the catalog has no details yet.</param>
/// <param name="Details">Title, artist, label, duration and the regions where it may be played (empty: everywhere); null for a placeholder.</param>
/// <param name="TopSegment">The part of the song videos use most (from the roll-up), if known.</param>
/// <param name="Usage">Its use over the last seven days, in all and per region.</param>
public sealed record SongResponse(string SongId, bool Placeholder, SongDetails? Details, Segment? TopSegment, SongUsage Usage);

/// <summary>
/// The catalog's routes: <c>PUT /api/songs/{songId}</c> (the upsert), <c>GET /api/songs/{songId}</c>
/// (the entry with its use) and <c>POST /api/catalog/rollup</c> (the roll-up, now).
/// </summary>
public static class SongsApi
{
    private const int MaxBodyBytes = 16 * 1024;

    /// <summary>Maps the route (key required).</summary>
    public static IEndpointRouteBuilder MapSongsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPut("/songs/{songId}", PutSongAsync).WithName("PutSong").RequireFunctionKey()
            .WithTags("Catalog")
            .WithSummary("Create or replace a song in the catalog")
            .WithDescription("Offers show the title and artist, reports group by the label, and `regions` limits where the song is recommended (empty: everywhere). `201` when the song is new (or was only a placeholder from events), `200` when replaced.")
            .WithPath("songId", ApiSchemas.Id, "The song's id, as events name it.")
            .WithJsonBody("The song's details; at most 16 KiB.", typeof(SongUpsert))
            .WithProblems(StatusCodes.Status400BadRequest, "The body is not JSON, or a field is invalid.", "validation", "invalid-json")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status413PayloadTooLarge, "The body is larger than 16 KiB.", "payload-too-large")
            .WithProblems(StatusCodes.Status415UnsupportedMediaType, "The body is not `application/json`.", "unsupported-media-type")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; the upsert may or may not have happened, and retrying is safe.", "storage-unavailable")
            .WithRequestExample(Examples.SongUpsert)
            .WithResponseExample(StatusCodes.Status201Created, Examples.Song)
            .WithResponseExample(StatusCodes.Status200OK, Examples.Song);
        routes.MapGet("/songs/{songId}", GetSongAsync).WithName("GetSong").AllowAnonymousFunction()
            .WithTags("Catalog")
            .WithSummary("A song: its catalog entry and its use")
            .WithDescription("Title, artist, label, duration and playable regions (`details`, null for a song only seen in events so far), the most used segment (from the roll-up), and the last seven days' events and uses (videos created with it), in all and per region.")
            .WithPath("songId", ApiSchemas.Id, "The song.")
            .WithHeader("If-None-Match", () => ApiSchemas.Text(), "An ETag of an earlier answer: `304` without a body when it still holds.")
            .WithJsonResponse<SongResponse>(StatusCodes.Status200OK, "The song, with an `ETag` and `Cache-Control: public, max-age=60`.")
            .WithResponse(StatusCodes.Status304NotModified, "The answer named by `If-None-Match` still holds.")
            .WithProblems(StatusCodes.Status400BadRequest, "The song id is invalid.", "validation")
            .WithProblems(StatusCodes.Status404NotFound, "The catalog has never heard of the song.", "song-not-found")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; retrying is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.SongWithUsage);
        routes.MapPost("/catalog/rollup", RollupAsync).WithName("RunCatalogRollup").RequireFunctionKey()
            .WithTags("Catalog")
            .WithSummary("Run the catalog roll-up now")
            .WithDescription("What the hourly roll-up does: each song's most used segment over the last week, and co-occurrence neighbours (similar songs for songs the model does not know). It then publishes a new catalog snapshot, which this instance loads before answering and every other instance within seconds. One roll-up at a time per instance: another call meanwhile gets `409`.")
            .WithJsonResponse<CatalogRollupResult>(StatusCodes.Status200OK, "What the roll-up did: songs looked at, top segments written, songs given neighbours, and how long it took.")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status409Conflict, "A roll-up is running on this instance; try again when it is done.", "rollup-running")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; the roll-up may be partly done, and running it again is safe.", "storage-unavailable")
            .WithResponseExample(StatusCodes.Status200OK, Examples.Rollup);
        return routes;
    }

    /// <summary>The song's entry and use; 404 when the catalog has never heard of it, <c>details</c> null for a placeholder.</summary>
    public static async Task<IResult> GetSongAsync(
        string songId, HttpRequest request, CatalogSnapshot snapshot, SongUsageStats usage, StorageGuard guard, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!Ids.IsValid(songId))
        {
            return Problems.Validation(new Dictionary<string, string[]> { ["songId"] = [Ids.Problem] });
        }

        SongResponse? answer;
        try
        {
            answer = await guard.ExecuteAsync(
                static async (s, ct) =>
                {
                    // The snapshot's overlay has this instance's upserts at once; a miss is read from storage (and cached).
                    await s.snapshot.WaitUntilLoadedAsync(ct);
                    if (await s.snapshot.GetAsync(s.songId, ct) is not { } entry)
                    {
                        return null;
                    }

                    return new SongResponse(s.songId, entry.IsPlaceholder, entry.Details, entry.TopSegment, await s.usage.GetAsync(s.songId, ct));
                },
                (snapshot, usage, songId),
                cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.ReadOnly);
        }

        return answer is null
            ? Problems.NotFound("song", $"The catalog has never heard of song '{songId}'.")
            : new CachedJson(answer, ListenerService.CacheFor, isPrivate: false);
    }

    /// <summary>Runs the catalog roll-up now; <c>409</c> while one runs on this instance.</summary>
    public static async Task<IResult> RollupAsync(HttpRequest request, CatalogRollupTimer rollup, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(rollup);
        CatalogRollupResult? result;
        try
        {
            // Not under the storage guard's deadline: a roll-up reads every counted event and takes as long as that takes.
            result = await rollup.TryRunAsync(cancellationToken);
        }
        catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
        {
            return Problems.StorageUnavailable(request.HttpContext.Response, ex, "The roll-up may be partly done; running it again is safe.");
        }

        return result is null
            ? Problems.Conflict("rollup-running", "A roll-up is running.", "A catalog roll-up is running on this instance; try again when it is done.")
            : TypedResults.Ok(result);
    }

    /// <summary>Creates or replaces a song's details: <c>201</c> when new (or a placeholder until now), else <c>200</c>.</summary>
    public static async Task<Results<Created<SongDetails>, Ok<SongDetails>, ValidationProblem, ProblemHttpResult>> PutSongAsync(
        string songId, HttpRequest request, SongCatalog catalog, CatalogSnapshot snapshot, StorageGuard guard, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            if (!Ids.IsValid(songId))
            {
                errors["songId"] = [Ids.Problem];
            }

            var details = Read(document!.RootElement, errors);
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            bool created;
            try
            {
                created = await guard.ExecuteAsync(static (s, ct) => new ValueTask<bool>(s.catalog.UpsertAsync(s.songId, s.details!, ct)), (catalog, songId, details), cancellationToken);
            }
            catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
            {
                // An upsert: repeating it with the same details stores the same song.
                return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.RetrySafe);
            }

            // This instance's answers show the new details from the next request; others' within seconds.
            await snapshot.ApplyAsync(songId, details!, cancellationToken);
            return created
                ? TypedResults.Created($"{RessoApi.RoutePrefix}/songs/{songId}", details)
                : TypedResults.Ok(details);
        }
    }

    private static SongDetails? Read(JsonElement json, Dictionary<string, string[]> errors)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            errors[""] = ["The body must be an object: {title, artist, label, durationMs, regions}."];
            return null;
        }

        var title = Text(json, "title", 200, errors);
        var artist = Text(json, "artist", 200, errors);
        var label = Text(json, "label", 100, errors);
        int durationMs = 0;
        var durationForm = $"a whole number of milliseconds from 1 to {EventParser.MaxSegmentEndMs}";
        if (!json.TryGetProperty("durationMs", out var duration) || duration.ValueKind == JsonValueKind.Null)
        {
            errors["durationMs"] = [$"is required: {durationForm}."];
        }
        else if (duration.ValueKind != JsonValueKind.Number || !duration.TryGetInt32(out durationMs) || durationMs <= 0 || durationMs > EventParser.MaxSegmentEndMs)
        {
            errors["durationMs"] = [$"must be {durationForm}."];
        }

        var regions = new List<string>();
        if (json.TryGetProperty("regions", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array)
            {
                errors["regions"] = ["must be an array of ISO 3166-1 alpha-2 country codes in upper case, e.g. [\"ID\", \"US\"] (empty: everywhere)."];
            }
            else
            {
                // Each bad item under its own key, as model binding names them, so the message can say which.
                var index = 0;
                foreach (var item in list.EnumerateArray())
                {
                    var problem = item.ValueKind == JsonValueKind.String && item.GetString() is { Length: > 0 } region ? Regions.Problem(region) : $"must be {Regions.Form}.";
                    if (problem is null)
                    {
                        regions.Add(item.GetString()!);
                    }
                    else
                    {
                        errors[$"regions[{index}]"] = [problem];
                    }

                    index++;
                }

                regions = [.. regions.Distinct(StringComparer.Ordinal)];
            }
        }

        return errors.Count == 0 ? new SongDetails(title!, artist!, label!, durationMs, regions) : null;
    }

    private static string? Text(JsonElement json, string name, int maxLength, Dictionary<string, string[]> errors)
    {
        var form = $"a string of 1–{maxLength} characters without control characters";
        if (!json.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null
            || (value.ValueKind == JsonValueKind.String && value.GetString() is ""))
        {
            errors[name] = [$"is required: {form}."];
            return null;
        }

        if (value.ValueKind != JsonValueKind.String || value.GetString() is not { } text || text.Length > maxLength || text.Any(char.IsControl))
        {
            errors[name] = [$"must be {form}."];
            return null;
        }

        return text;
    }
}
