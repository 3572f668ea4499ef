using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Resso.Shared.Storage;

namespace Resso.Functions.Core;

/// <summary>
/// RFC 9457 problem responses with a stable <c>type</c> per error, so clients branch on the type,
/// not on the wording.
/// </summary>
public static class Problems
{
    /// <summary>The prefix of every problem type.</summary>
    public const string TypePrefix = "urn:resso:problem:";

    /// <summary>400: the body is not JSON the API can read.</summary>
    public static ProblemHttpResult InvalidJson(string detail) => Problem(StatusCodes.Status400BadRequest, "invalid-json", "The body is not valid JSON.", detail);

    /// <summary>400: fields are invalid; <paramref name="errors"/> names each.</summary>
    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string title = "The request has invalid fields.") =>
        TypedResults.ValidationProblem(errors, title: title, type: TypePrefix + "validation");

    /// <summary>401: no key or a wrong one.</summary>
    public static ProblemHttpResult Unauthorized(string detail) => Problem(StatusCodes.Status401Unauthorized, "unauthorized", "A valid key is required.", detail);

    /// <summary>404: the thing does not exist.</summary>
    public static ProblemHttpResult NotFound(string what, string detail) => Problem(StatusCodes.Status404NotFound, what + "-not-found", "Not found.", detail);

    /// <summary>413: the body is larger than the route accepts.</summary>
    public static ProblemHttpResult TooLarge(long limit) => Problem(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The body is too large.", $"At most {limit} bytes are accepted.");

    /// <summary>415: the body is not JSON.</summary>
    public static ProblemHttpResult UnsupportedMediaType() => Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body must be application/json.", null);

    /// <summary>503 with <c>Retry-After</c>: storage is not answering (or the circuit is open); nothing was stored.</summary>
    public static ProblemHttpResult StorageUnavailable(HttpResponse response, Exception exception)
    {
        var retryAfter = StorageGuard.RetryAfter(exception);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage is not answering; nothing was stored. Retry after the time in Retry-After.", null);
    }

    private static ProblemHttpResult Problem(int status, string type, string title, string? detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: TypePrefix + type);
}
