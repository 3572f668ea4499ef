using System.Globalization;

namespace Resso.Testing;

/// <summary>The body of <c>POST /api/conversions</c>, as billing sends it (serialized camelCase).</summary>
/// <param name="ConversionId">Billing's id, the idempotency key.</param>
/// <param name="UserId">The subscriber.</param>
/// <param name="Plan">The plan bought.</param>
/// <param name="Amount">What was paid.</param>
/// <param name="Currency">ISO 4217.</param>
/// <param name="OccurredAt">As sent: text, so that a test can send what no DateTimeOffset holds.</param>
/// <param name="Trial">A free trial; left out when null.</param>
/// <param name="ClickId">The click to attribute it to; left out when null.</param>
public sealed record ConversionBody(
    string ConversionId,
    string UserId,
    string Plan,
    decimal Amount,
    string Currency,
    string OccurredAt,
    bool? Trial = null,
    string? ClickId = null);

/// <summary>Test-data builder for conversions: valid by default, change only what a test is about.</summary>
public static class Conversions
{
    /// <summary>A paid monthly plan in Indonesia, just now; the conversion id unique unless given.</summary>
    public static ConversionBody Valid(string? conversionId = null, string userId = "u_1") =>
        new(
            conversionId ?? $"c_{Guid.NewGuid():N}",
            userId,
            "premium-monthly",
            54990m,
            "IDR",
            At(DateTimeOffset.UtcNow.AddMinutes(-1)));

    /// <summary><paramref name="at"/> as billing writes it: ISO 8601 with offset.</summary>
    public static string At(DateTimeOffset at) => at.ToString("O", CultureInfo.InvariantCulture);
}
