using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Resso.Shared.Links;

/// <summary>
/// Signing keys and hosts of deep links (<c>Resso__Links__…</c>). The keys themselves are checked
/// by <see cref="LinkKeyRing.FromOptions"/>, which also knows whether the host runs in Development.
/// </summary>
public sealed class LinkOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Links";

    /// <summary>The id, in <see cref="Keys"/>, of the key that signs new links.</summary>
    /// <value>None: required.</value>
    [Required(ErrorMessage = "Resso__Links__SigningKeyId is required: the id in Resso__Links__Keys of the key that signs new links.")]
    public string SigningKeyId { get; set; } = "";

    /// <summary>
    /// Key id → secret, base64, at least 32 bytes decoded. Key ids are 1–16 characters of
    /// <c>[A-Za-z0-9_-]</c> and travel in every token. Links verify with any key listed here; remove a
    /// key to retire it (its links then fail as <see cref="LinkVerificationStatus.UnknownKey"/>).
    /// </summary>
    /// <value>Empty: at least one key is required.</value>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Host name of universal links, <c>https://{LinkHost}/api/l/{token}</c>, for example <c>links.resso.example</c>.</summary>
    /// <value>None: required.</value>
    [Required(ErrorMessage = "Resso__Links__LinkHost is required: the host name of universal links, for example links.resso.example.")]
    public string LinkHost { get; set; } = "";

    /// <summary>How long a link works after the offer is served.</summary>
    /// <value>7 days.</value>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <inheritdoc/>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(LinkHost) && !LinkUris.IsHostName(LinkHost))
        {
            yield return new ValidationResult(
                $"Resso__Links__LinkHost must be a bare DNS host name such as links.resso.example (no scheme, port or path); got '{LinkHost}'.",
                [nameof(LinkHost)]);
        }

        if (LinkLifetime < TimeSpan.FromMinutes(1) || LinkLifetime > LinkClaims.MaxLifetime)
        {
            yield return new ValidationResult(
                $"Resso__Links__LinkLifetime must be between 00:01:00 and {LinkClaims.MaxLifetime.TotalDays}.00:00:00; got {LinkLifetime}.",
                [nameof(LinkLifetime)]);
        }
    }
}

[OptionsValidator]
internal sealed partial class LinkOptionsValidator : IValidateOptions<LinkOptions>;
