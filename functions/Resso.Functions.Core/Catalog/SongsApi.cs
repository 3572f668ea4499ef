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

/// <summary><c>PUT /api/songs/{songId}</c>: the catalog upsert.</summary>
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
        return routes;
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
            snapshot.Apply(songId, details!);
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
        if (!json.TryGetProperty("durationMs", out var duration) || duration.ValueKind != JsonValueKind.Number
            || !duration.TryGetInt32(out durationMs) || durationMs <= 0 || durationMs > EventParser.MaxSegmentEndMs)
        {
            errors["durationMs"] = [$"must be a whole number of milliseconds from 1 to {EventParser.MaxSegmentEndMs}."];
        }

        var regions = new List<string>();
        if (json.TryGetProperty("regions", out var list) && list.ValueKind != JsonValueKind.Null)
        {
            if (list.ValueKind != JsonValueKind.Array || list.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String || !Regions.IsValid(r.GetString())))
            {
                errors["regions"] = ["must be an array of ISO 3166-1 alpha-2 codes in upper case (empty: everywhere)."];
            }
            else
            {
                regions.AddRange(list.EnumerateArray().Select(r => r.GetString()!).Distinct(StringComparer.Ordinal));
            }
        }

        return errors.Count == 0 ? new SongDetails(title!, artist!, label!, durationMs, regions) : null;
    }

    private static string? Text(JsonElement json, string name, int maxLength, Dictionary<string, string[]> errors)
    {
        if (!json.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String
            || value.GetString() is not { Length: > 0 } text || text.Length > maxLength || text.Any(char.IsControl))
        {
            errors[name] = [$"must be a string of 1–{maxLength} characters without control characters."];
            return null;
        }

        return text;
    }
}
