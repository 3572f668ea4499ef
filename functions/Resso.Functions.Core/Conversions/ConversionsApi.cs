using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Resso.Shared.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Offers;
using Resso.Shared;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Links;
using Resso.Shared.Telemetry;
using Microsoft.Extensions.DependencyInjection;

namespace Resso.Functions.Core.Conversions;

/// <summary>What <c>POST /api/conversions</c> answers.</summary>
/// <param name="ConversionId">As sent.</param>
/// <param name="Duplicate">It had been recorded before with the same values: nothing new was stored (the user's subscription state was applied again).</param>
/// <param name="Attributed">A click was found for it.</param>
/// <param name="Attribution">How, and to what.</param>
public sealed record ConversionResult(string ConversionId, bool Duplicate, bool Attributed, ConversionAttribution? Attribution);

/// <summary>The body of <c>POST /api/conversions</c>, as <see cref="ConversionsApi"/> reads it.</summary>
/// <param name="ConversionId">The idempotency key: the same conversion again changes nothing.</param>
/// <param name="UserId">The subscriber.</param>
/// <param name="Plan">The plan subscribed to.</param>
/// <param name="Amount">The amount paid in the currency's units, ≥ 0 (0 for a trial).</param>
/// <param name="Currency">ISO 4217 code, upper case.</param>
/// <param name="OccurredAt">ISO 8601 date-time with offset; at most 366 days ago and 5 minutes ahead of the server's clock.</param>
/// <param name="Trial">A free trial; absent or null: true when the amount is 0.</param>
/// <param name="ClickId">The click to attribute to, when billing knows it.</param>
/// <param name="ClaimCode">The claim code redeemed at install, when the app kept it; in either case, spaces and hyphens ignored.</param>
/// <param name="Token">A link token; it counts if it was valid when the conversion occurred.</param>
public sealed record ConversionRequest(
    [property: RegularExpression(ContractPatterns.Id)] string ConversionId,
    [property: RegularExpression(ContractPatterns.Id)] string UserId,
    [property: RegularExpression(ContractPatterns.Id)] string Plan,
    [property: Range(0, 999_999_999.99)] decimal Amount,
    [property: RegularExpression("^[A-Z]{3}$")] string Currency,
    DateTimeOffset OccurredAt,
    bool? Trial = null,
    [property: RegularExpression(ContractPatterns.Id)] string? ClickId = null,
    [property: RegularExpression(ContractPatterns.ClaimCode)] string? ClaimCode = null,
    string? Token = null);

/// <summary>
/// <c>POST /api/conversions</c> (billing, key required): a subscription happened. Attributed to the
/// click it names (<c>clickId</c>), the click behind a claim code (<c>claimCode</c>), the offer of a
/// link token valid when the conversion occurred (<c>token</c>), or else the user's last click within
/// the attribution window; kept unattributed when none. Idempotent by <c>conversionId</c>: the same
/// conversion again is <c>200</c>, another conversion under the same id is <c>409</c>.
/// </summary>
public static class ConversionsApi
{
    /// <summary>
    /// How long ago a conversion may have occurred: 366 days, so that a year-old conversion is
    /// always in. Billing reports conversions as they happen and retries for far less; anything older
    /// is an import, which this route is not for, and the attribution window is days.
    /// </summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(366);

    /// <summary>The amount a conversion must stay below, in the currency's units.</summary>
    public const decimal MaxAmount = 1_000_000_000m;

    /// <summary>How far ahead of this server's clock a conversion may be dated: 5 minutes.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    private const int MaxBodyBytes = 8 * 1024;

    // The accepted forms, as each message states them after "is required:" or "must be".
    private const string AmountForm = "the amount paid in the currency's units, zero or more (0 for a trial), e.g. 4.99";
    private const string CurrencyForm = "an ISO 4217 code in upper case, e.g. USD";
    private const string OccurredAtForm = "an ISO 8601 date and time with offset, e.g. 2026-11-24T08:00:00Z";
    private const string TokenForm = "a link token, the last segment of the offer's universal link";

    /// <summary>Maps the route (key required).</summary>
    public static IEndpointRouteBuilder MapConversionsApi(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/conversions", RecordAsync).WithName("RecordConversion").RequireFunctionKey()
            .WithTags("Conversions")
            .WithSummary("Record a subscription and attribute it")
            .WithDescription("Server to server, from billing. Attributed to the click it names (`clickId`), the click behind a claim code (`claimCode`), the offer of a link token valid when it occurred (`token`), or else the user's last click within the attribution window; kept unattributed when none. Idempotent by `conversionId`: `201` the first time, `200` for the same conversion again, `409` for other values under the same id.")
            .WithJsonBody("The conversion; at most 8 KiB.", typeof(ConversionRequest))
            .WithProblems(StatusCodes.Status400BadRequest, "The body is not JSON, or a field is invalid.", "validation", "invalid-json")
            .WithProblems(StatusCodes.Status401Unauthorized, "No key, or a wrong one.", "unauthorized")
            .WithProblems(StatusCodes.Status409Conflict, "The conversionId is recorded with other values (`conflictingFields` names them); nothing was changed.", "conversion-conflict")
            .WithProblems(StatusCodes.Status413PayloadTooLarge, "The body is larger than 8 KiB.", "payload-too-large")
            .WithProblems(StatusCodes.Status415UnsupportedMediaType, "The body is not `application/json`.", "unsupported-media-type")
            .WithProblems(StatusCodes.Status503ServiceUnavailable, "Storage did not answer; the conversion may or may not have been recorded, and retrying is safe.", "storage-unavailable")
            .WithRequestExample(Examples.ConversionRequest)
            .WithResponseExample(StatusCodes.Status201Created, Examples.Conversion);
        return routes;
    }

    /// <summary>
    /// 201 when recorded now; 200 when it had been, with the same values (the stored record); 409 when
    /// the id is recorded with other values; 400 for invalid fields.
    /// </summary>
    public static async Task<Results<Created<ConversionResult>, Ok<ConversionResult>, ValidationProblem, ProblemHttpResult>> RecordAsync(
        HttpRequest request, AttributionStore attribution, SongCatalog catalog, LinkSigner signer, OfferService offers,
        IOptions<DeepLinkOptions> options, TimeProvider timeProvider, StorageGuard guard, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, MaxBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var errors = new Dictionary<string, string[]>();
            var body = document!.RootElement;
            if (body.ValueKind != JsonValueKind.Object)
            {
                return Problems.Validation(new Dictionary<string, string[]> { [""] = ["The body must be an object: {conversionId, userId, plan, amount, currency, occurredAt, trial?, clickId?, claimCode?, token?}."] });
            }

            var conversionId = Id(body, "conversionId", required: true, errors);
            var userId = Id(body, "userId", required: true, errors);
            var plan = Id(body, "plan", required: true, errors);
            var amount = Amount(body, errors);
            var currency = Currency(body, errors);
            var occurredAt = OccurredAt(body, timeProvider.GetUtcNow(), errors);
            var trial = !body.TryGetProperty("trial", out var tr) || tr.ValueKind == JsonValueKind.Null
                ? amount == 0
                : tr.ValueKind is JsonValueKind.True or JsonValueKind.False ? tr.GetBoolean() : Error<bool>(errors, "trial", "must be true or false.");
            var clickId = Id(body, "clickId", required: false, errors);
            // As the app kept it, which may be as the listener typed it: the claim is found whatever the case.
            var claimCode = body.TryGetProperty("claimCode", out var cc) && cc.ValueKind != JsonValueKind.Null
                ? cc.ValueKind == JsonValueKind.String && ClaimCodes.Normalize(cc.GetString()) is { } normalized ? normalized : Error<string>(errors, "claimCode", ClaimCodes.Problem)
                : null;
            var token = body.TryGetProperty("token", out var tk) && tk.ValueKind != JsonValueKind.Null
                ? tk.ValueKind == JsonValueKind.String ? tk.GetString() : Error<string>(errors, "token", $"must be a string, not {Kind(tk)}: {TokenForm}.")
                : null;
            if (errors.Count > 0)
            {
                return Problems.Validation(errors);
            }

            try
            {
                var recording = await guard.ExecuteAsync(async ct =>
                {
                    var attributionFound = await AttributeAsync(userId!, occurredAt, clickId, claimCode, token, attribution, catalog, signer, options.Value, ct);
                    return await attribution.RecordConversionAsync(new ConversionRecord(conversionId!, userId!, plan!, amount, currency!, occurredAt, trial, attributionFound), ct);
                }, cancellationToken);
                if (recording.Outcome == ConversionOutcome.Conflict)
                {
                    return Problems.Conflict(
                        "conversion-conflict",
                        "This conversionId is recorded with other values.",
                        $"Conversion '{conversionId}' is recorded with another {string.Join(", ", recording.ConflictingFields)}; nothing was changed.",
                        [new("conflictingFields", recording.ConflictingFields)]);
                }

                offers.ForgetSubscription(userId!);
                var stored = recording.Conversion;
                var duplicate = recording.Outcome == ConversionOutcome.Duplicate;
                var result = new ConversionResult(stored.ConversionId, duplicate, stored.Attribution is not null, stored.Attribution);
                if (!duplicate)
                {
                    request.HttpContext.RequestServices.GetRequiredService<RessoMetrics>().Conversions.Add(
                        1,
                        new KeyValuePair<string, object?>(RessoTelemetry.Tags.Attributed, result.Attributed),
                        new KeyValuePair<string, object?>(RessoTelemetry.Tags.AttributedBy, stored.Attribution?.Method ?? "none"));
                }

                return duplicate ? TypedResults.Ok(result) : TypedResults.Created((string?)null, result);
            }
            catch (Exception ex) when (StorageGuard.IsStorageFailure(ex, cancellationToken))
            {
                return Problems.StorageUnavailable(request.HttpContext.Response, ex, Problems.RetrySafe);
            }
        }
    }

    private static async Task<ConversionAttribution?> AttributeAsync(
        string userId, DateTimeOffset occurredAt, string? clickId, string? claimCode, string? token,
        AttributionStore attribution, SongCatalog catalog, LinkSigner signer, DeepLinkOptions options, CancellationToken cancellationToken)
    {
        if (clickId is not null && await attribution.GetClickAsync(clickId, cancellationToken) is { } click)
        {
            return new ConversionAttribution("click", click.ClickId, click.OfferId, click.Keys);
        }

        if (claimCode is not null && await attribution.GetClaimAsync(claimCode, cancellationToken) is { } claim)
        {
            return new ConversionAttribution("claim", claim.ClickId, claim.OfferId, claim.Keys);
        }

        // A token counts if it was valid when the conversion happened.
        if (token is not null && signer.Verify(token, occurredAt).Claims is { } claims)
        {
            var song = await catalog.GetAsync(claims.SongId, cancellationToken);
            return new ConversionAttribution("token", "", claims.OfferId, OfferService.KeysOf(claims, song?.Details));
        }

        return await attribution.GetLastClickAsync(userId, occurredAt - options.AttributionWindow, cancellationToken) is { } last && last.ClickedAt <= occurredAt.AddMinutes(5)
            ? new ConversionAttribution("last_click", last.ClickId, last.OfferId, last.Keys)
            : null;
    }

    private static decimal Amount(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("amount", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return Error<decimal>(errors, "amount", $"is required: {AmountForm}.");
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            return Error<decimal>(errors, "amount", $"must be a number, not {Kind(value)}: {AmountForm}.");
        }

        // A number beyond decimal's range (1e400, -1e400) is out of bounds on one side or the other.
        var inRange = value.TryGetDecimal(out var amount);
        if (inRange ? amount < 0 : value.GetRawText().StartsWith('-'))
        {
            return Error<decimal>(errors, "amount", "must be zero or more (0 for a trial): the amount paid in the currency's units, e.g. 4.99.");
        }

        return inRange && amount < MaxAmount
            ? amount
            : Error<decimal>(errors, "amount", $"must be less than {MaxAmount:0}: the amount paid in the currency's units, e.g. 4.99.");
    }

    private static string? Currency(JsonElement body, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("currency", out var value) || value.ValueKind == JsonValueKind.Null
            || (value.ValueKind == JsonValueKind.String && value.GetString() is ""))
        {
            return Error<string>(errors, "currency", $"is required: {CurrencyForm}.");
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Error<string>(errors, "currency", $"must be a string, not {Kind(value)}: {CurrencyForm}.");
        }

        // The shape only: no list of codes is kept, so a well-formed code nobody issues is accepted as sent.
        return value.GetString() is { Length: 3 } code && code.All(char.IsAsciiLetterUpper)
            ? code
            : Error<string>(errors, "currency", $"must be {CurrencyForm}.");
    }

    private static DateTimeOffset OccurredAt(JsonElement body, DateTimeOffset now, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty("occurredAt", out var value) || value.ValueKind == JsonValueKind.Null
            || (value.ValueKind == JsonValueKind.String && value.GetString() is ""))
        {
            return Error<DateTimeOffset>(errors, "occurredAt", $"is required: {OccurredAtForm}.");
        }

        if (value.ValueKind != JsonValueKind.String || !value.TryGetDateTimeOffset(out var at) || !value.GetString()!.Contains('T', StringComparison.Ordinal))
        {
            return Error<DateTimeOffset>(errors, "occurredAt", $"must be {OccurredAtForm}.");
        }

        if (at > now + MaxClockSkew)
        {
            return Error<DateTimeOffset>(errors, "occurredAt", $"is in the future (more than {MaxClockSkew.TotalMinutes:0} minutes after the server's clock).");
        }

        // With the attribution window bounded too (DeepLinkOptions), occurredAt minus the window stays within the calendar.
        if (at < now - MaxAge)
        {
            return Error<DateTimeOffset>(errors, "occurredAt", $"is more than {MaxAge.TotalDays:0} days ago; older conversions are not accepted.");
        }

        return at;
    }

    private static string? Id(JsonElement body, string name, bool required, Dictionary<string, string[]> errors)
    {
        if (!body.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return required ? Error<string>(errors, name, Ids.Required) : null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            return Error<string>(errors, name, $"must be a string, not {Kind(value)}: {Ids.Form}.");
        }

        return Ids.IsValid(value.GetString())
            ? value.GetString()
            : Error<string>(errors, name, Ids.Problem);
    }

    private static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Number => "a number",
        JsonValueKind.String => "a string",
        JsonValueKind.Array => "an array",
        _ => "an object",
    };

    private static T? Error<T>(Dictionary<string, string[]> errors, string name, string message)
    {
        errors[name] = [message];
        return default;
    }
}
