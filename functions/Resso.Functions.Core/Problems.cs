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

    /// <summary>403: the caller is known but may not do this.</summary>
    public static ProblemHttpResult Forbidden(string detail) => Problem(StatusCodes.Status403Forbidden, "forbidden", "Not allowed for this caller.", detail);

    /// <summary>404: the thing does not exist.</summary>
    public static ProblemHttpResult NotFound(string what, string detail) => Problem(StatusCodes.Status404NotFound, what + "-not-found", "Not found.", detail);

    /// <summary>413: the body is larger than the route accepts.</summary>
    public static ProblemHttpResult TooLarge(long limit) => Problem(StatusCodes.Status413PayloadTooLarge, "payload-too-large", "The body is too large.", $"At most {limit} bytes are accepted.");

    /// <summary>415: the body is not JSON.</summary>
    public static ProblemHttpResult UnsupportedMediaType() => Problem(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type", "The body must be application/json.", null);

    /// <summary>The 503 detail of a route that only reads.</summary>
    public const string ReadOnly = "Nothing was changed; retrying the request is safe.";

    /// <summary>
    /// The 503 detail of an idempotent write: storage may have applied it before its answer was lost,
    /// and a retry of the same request changes nothing more.
    /// </summary>
    public const string RetrySafe = "The request may or may not have taken effect; retrying it is safe.";

    /// <summary>
    /// 503 with <c>Retry-After</c>: storage is not answering (or the circuit is open).
    /// <paramref name="effect"/> tells the client what the request may have done and whether
    /// retrying is safe (<see cref="ReadOnly"/>, <see cref="RetrySafe"/> or the route's own words);
    /// never that nothing was stored unless nothing could have been.
    /// </summary>
    public static ProblemHttpResult StorageUnavailable(HttpResponse response, Exception exception, string effect)
    {
        var retryAfter = StorageGuard.RetryAfter(exception);
        response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Problem(StatusCodes.Status503ServiceUnavailable, "storage-unavailable", "Storage is not answering. Retry after the time in Retry-After.", effect);
    }

    /// <summary>409: the request conflicts with what is stored; <paramref name="extensions"/> say how.</summary>
    public static ProblemHttpResult Conflict(string type, string title, string detail, IEnumerable<KeyValuePair<string, object?>>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status409Conflict, title: title, type: TypePrefix + type, extensions: extensions);

    private static ProblemHttpResult Problem(int status, string type, string title, string? detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title, type: TypePrefix + type);
}
