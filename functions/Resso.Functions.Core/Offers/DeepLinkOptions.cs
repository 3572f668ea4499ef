using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Resso.Functions.Core.Offers;

/// <summary>Where links send people who do not have the app open (<c>Resso__Links__…</c>, next to the signing keys).</summary>
public sealed class DeepLinkOptions
{
    /// <summary>The configuration section (shared with the link keys).</summary>
    public const string SectionName = "Resso:Links";

    /// <summary>The App Store page of the streaming app.</summary>
    [Required, Url]
    public string IosStoreUrl { get; set; } = "https://apps.apple.com/app/resso/id1482906000";

    /// <summary>The Play Store page; the claim code is added as its install referrer.</summary>
    [Required, Url]
    public string AndroidStoreUrl { get; set; } = "https://play.google.com/store/apps/details?id=com.moonvideo.android.resso";

    /// <summary>The web player; songs open at <c>{WebPlayerUrl}/track/{songId}?t={startMs}</c>.</summary>
    [Required, Url]
    public string WebPlayerUrl { get; set; } = "https://www.resso.com";

    /// <summary>How long a claim code can be redeemed after the store redirect.</summary>
    /// <value>7 days.</value>
    public TimeSpan ClaimLifetime { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How far back a conversion without an explicit click looks for the user's last click: from
    /// 0 to 366 days (bounded so that looking back from the oldest accepted conversion stays within
    /// the calendar).
    /// </summary>
    /// <value>7 days.</value>
    [Range(typeof(TimeSpan), "00:00:00", "366.00:00:00", ErrorMessage = "Resso__Links__AttributionWindow must be from 00:00:00 to 366.00:00:00.")]
    public TimeSpan AttributionWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long after a click further follows of the same offer's link by the same device are
    /// repeats: counted as follows, not as clicks, and leaving last-click attribution alone. A
    /// device is known by the cookie the link host sets on the redirect, else by its address
    /// (IPv6 by /64) and User-Agent. From 1 minute to 30 days.
    /// </summary>
    /// <value>24 hours.</value>
    [Range(typeof(TimeSpan), "00:01:00", "30.00:00:00", ErrorMessage = "Resso__Links__ClickWindow must be from 00:01:00 to 30.00:00:00.")]
    public TimeSpan ClickWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>The hosts redirects may go to: those of the configured store and player URLs.</summary>
    public IReadOnlyList<string> RedirectHosts() =>
        [.. new[] { IosStoreUrl, AndroidStoreUrl, WebPlayerUrl }.Select(u => new Uri(u).Host).Distinct(StringComparer.OrdinalIgnoreCase)];
}

[OptionsValidator]
internal sealed partial class DeepLinkOptionsValidator : IValidateOptions<DeepLinkOptions>;
