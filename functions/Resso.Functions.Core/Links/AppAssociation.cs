using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using Resso.Functions.Core.Contract;
using Resso.Functions.Core.Hosting;

namespace Resso.Functions.Core.Links;

/// <summary>
/// The apps allowed to open universal links (<c>Resso__AppLinks__…</c>): the iOS app ids named in
/// <c>apple-app-site-association</c> and the Android packages and signing-certificate fingerprints
/// named in <c>assetlinks.json</c>. Without them iOS and Android open links in the browser.
/// </summary>
public sealed class AppAssociationOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:AppLinks";

    /// <summary>iOS app ids, <c>{TeamId}.{BundleId}</c>, comma-separated, e.g. <c>ABCDE12345.com.resso.app</c>.</summary>
    /// <value>Empty.</value>
    public string AppleAppIds { get; set; } = "";

    /// <summary>Android application ids (package names), comma-separated, e.g. <c>com.resso.app</c>.</summary>
    /// <value>Empty.</value>
    public string AndroidPackages { get; set; } = "";

    /// <summary>
    /// SHA-256 fingerprints of the Android signing certificates, comma-separated, each 32 bytes as
    /// upper-case hex pairs joined by colons (<c>keytool -list -v</c> prints them; with Play App
    /// Signing, the one in the Play Console's "App signing" page).
    /// </summary>
    /// <value>Empty.</value>
    public string AndroidCertFingerprints { get; set; } = "";

    /// <summary>The iOS app ids.</summary>
    public IReadOnlyList<string> AppleAppIdList => Split(AppleAppIds);

    /// <summary>The Android packages.</summary>
    public IReadOnlyList<string> AndroidPackageList => Split(AndroidPackages);

    /// <summary>The Android certificate fingerprints.</summary>
    public IReadOnlyList<string> AndroidCertFingerprintList => Split(AndroidCertFingerprints);

    private static string[] Split(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>Each app id, package and fingerprint in the form Apple and Google require.</summary>
internal sealed partial class AppAssociationOptionsValidator : IValidateOptions<AppAssociationOptions>
{
    public ValidateOptionsResult Validate(string? name, AppAssociationOptions options)
    {
        var errors = new List<string>();
        errors.AddRange(options.AppleAppIdList.Where(id => !AppAssociation.AppleAppId().IsMatch(id))
            .Select(id => $"Resso__AppLinks__AppleAppIds: \"{id}\" is not {{TeamId}}.{{BundleId}} (ten upper-case letters or digits, a dot, the bundle id), e.g. ABCDE12345.com.resso.app."));
        errors.AddRange(options.AndroidPackageList.Where(p => !AppAssociation.AndroidPackage().IsMatch(p))
            .Select(p => $"Resso__AppLinks__AndroidPackages: \"{p}\" is not an Android application id (at least two dot-separated segments, each a letter then letters, digits or _), e.g. com.resso.app."));
        errors.AddRange(options.AndroidCertFingerprintList.Where(f => !AppAssociation.Fingerprint().IsMatch(f))
            .Select(f => $"Resso__AppLinks__AndroidCertFingerprints: \"{f}\" is not a SHA-256 fingerprint (32 upper-case hex pairs joined by colons, as keytool prints it)."));
        if (options.AndroidPackageList.Count > 0 != options.AndroidCertFingerprintList.Count > 0)
        {
            errors.Add("Resso__AppLinks__AndroidPackages and Resso__AppLinks__AndroidCertFingerprints: set both or neither (Android verifies the package by its signing certificate).");
        }

        return errors.Count > 0 ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
    }
}

/// <summary>
/// <c>/.well-known/apple-app-site-association</c> and <c>/.well-known/assetlinks.json</c>, built from
/// <see cref="AppAssociationOptions"/>, so that iOS and Android open links of the link host
/// (<c>https://{LinkHost}/api/l/{token}</c>) in the app. The Functions host serves HTTP functions
/// only under <c>/api</c>, so both hosts serve them at <c>/api/well-known/…</c> too, where a proxy in
/// front of the link host (Azure Front Door in <c>infra/</c>) rewrites <c>/.well-known/…</c> to.
/// </summary>
public static partial class AppAssociation
{
    /// <summary>The paths that are links, as Apple's components and Android's intent filters match them.</summary>
    public const string LinkPathPattern = "/api/l/*";

    /// <summary>The well-known paths at the root of the link host.</summary>
    public const string ApplePath = "/.well-known/apple-app-site-association", AndroidPath = "/.well-known/assetlinks.json";

    /// <summary>The same under the route prefix, where the Functions host can serve them.</summary>
    public const string AppleRoute = "/well-known/apple-app-site-association", AndroidRoute = "/well-known/assetlinks.json";

    private static readonly TimeSpan CacheFor = TimeSpan.FromHours(1);

    /// <summary>Maps both files under the route prefix (both hosts).</summary>
    public static IEndpointRouteBuilder MapAppAssociationApi(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(AppleRoute, Apple).WithName("AppleAppSiteAssociation").AllowAnonymousFunction()
            .WithTags("Links")
            .WithSummary("The apple-app-site-association file of the link host")
            .WithDescription("The iOS apps (`Resso__AppLinks__AppleAppIds`) that may open universal links (`/api/l/*`). iOS fetches it at `/.well-known/apple-app-site-association`; Front Door rewrites that path here on Azure.")
            .WithJsonResponse<AppleAppSiteAssociation>(StatusCodes.Status200OK, "Apple's format: `applinks.details` with `appIDs` and `components`.")
            .WithResponseExample(StatusCodes.Status200OK, Examples.AppleAssociation)
            .WithProblems(StatusCodes.Status404NotFound, "No iOS app is configured.", "app-association-not-found")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited");
        routes.MapGet(AndroidRoute, Android).WithName("AndroidAssetLinks").AllowAnonymousFunction()
            .WithTags("Links")
            .WithSummary("The assetlinks.json file of the link host")
            .WithDescription("The Android packages and signing-certificate fingerprints (`Resso__AppLinks__…`) that may open links of the host. Android fetches it at `/.well-known/assetlinks.json`; Front Door rewrites that path here on Azure.")
            .WithJsonResponse<AssetLinkStatement[]>(StatusCodes.Status200OK, "Digital Asset Links statements: `delegate_permission/common.handle_all_urls` for each package.")
            .WithResponseExample(StatusCodes.Status200OK, Examples.AssetLinks)
            .WithProblems(StatusCodes.Status404NotFound, "No Android app is configured.", "app-association-not-found")
            .WithProblems(StatusCodes.Status429TooManyRequests, "Too many requests from this client.", "rate-limited");
        return routes;
    }

    /// <summary>The apple-app-site-association file; 404 when no iOS app is configured.</summary>
    public static IResult Apple(HttpRequest request, IOptions<AppAssociationOptions> options) =>
        Answer(request, AppleDocument(options.Value), "Resso__AppLinks__AppleAppIds");

    /// <summary>The assetlinks.json file; 404 when no Android app is configured.</summary>
    public static IResult Android(HttpRequest request, IOptions<AppAssociationOptions> options) =>
        Answer(request, AndroidDocument(options.Value), "Resso__AppLinks__AndroidPackages");

    /// <summary>
    /// Apple's format (iOS 13 and later: <c>appIDs</c> and <c>components</c>): the link paths open
    /// the app, nothing else does. Null without an app id.
    /// </summary>
    public static AppleAppSiteAssociation? AppleDocument(AppAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = options.AppleAppIdList;
        return ids.Count == 0
            ? null
            : new AppleAppSiteAssociation(new AppleAppLinks([new AppleAppLinkDetail(ids, [new AppleComponent(LinkPathPattern, "Subscribe offers for the song heard in a video")])]));
    }

    /// <summary>Google's Digital Asset Links statements: each package may handle every link of the host. Null without a package.</summary>
    public static IReadOnlyList<AssetLinkStatement>? AndroidDocument(AppAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AndroidPackageList.Count == 0
            ? null
            : [.. options.AndroidPackageList.Select(package => new AssetLinkStatement(
                [AssetLinkStatement.HandleAllUrls],
                new AssetLinkTarget("android_app", package, options.AndroidCertFingerprintList)))];
    }

    [GeneratedRegex("^[A-Z0-9]{10}\\.[A-Za-z0-9][A-Za-z0-9.-]*$")]
    internal static partial Regex AppleAppId();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+$")]
    internal static partial Regex AndroidPackage();

    [GeneratedRegex("^([0-9A-F]{2}:){31}[0-9A-F]{2}$")]
    internal static partial Regex Fingerprint();

    // Apple's CDN and Android's verifier want JSON, no redirect, answered directly.
    private static IResult Answer<T>(HttpRequest request, T? document, string setting)
        where T : class
    {
        if (document is null)
        {
            return Problems.NotFound("app-association", $"No app is associated with this host: {setting} is not set.");
        }

        request.HttpContext.Response.Headers.CacheControl = $"public, max-age={(int)CacheFor.TotalSeconds}";
        return TypedResults.Json(document, contentType: "application/json");
    }
}

/// <summary>The <c>apple-app-site-association</c> file.</summary>
/// <param name="Applinks">Universal links.</param>
public sealed record AppleAppSiteAssociation(AppleAppLinks Applinks);

/// <summary>Which apps open which paths.</summary>
/// <param name="Details">One entry per set of apps.</param>
public sealed record AppleAppLinks(IReadOnlyList<AppleAppLinkDetail> Details);

/// <summary>Apps and the paths they open.</summary>
/// <param name="AppIDs">App ids, <c>{TeamId}.{BundleId}</c>.</param>
/// <param name="Components">The URL patterns they open.</param>
public sealed record AppleAppLinkDetail([property: JsonPropertyName("appIDs")] IReadOnlyList<string> AppIDs, IReadOnlyList<AppleComponent> Components);

/// <summary>A path pattern (<c>*</c> any characters, <c>?</c> one).</summary>
/// <param name="Path">The pattern, under the key <c>/</c>.</param>
/// <param name="Comment">What it is, for people.</param>
public sealed record AppleComponent([property: JsonPropertyName("/")] string Path, string Comment);

/// <summary>A Digital Asset Links statement of <c>assetlinks.json</c>.</summary>
/// <param name="Relation">What the target may do.</param>
/// <param name="Target">The Android app.</param>
public sealed record AssetLinkStatement(IReadOnlyList<string> Relation, AssetLinkTarget Target)
{
    /// <summary>The relation that lets an app open the host's links.</summary>
    public const string HandleAllUrls = "delegate_permission/common.handle_all_urls";
}

/// <summary>An Android app, by package and signing certificates.</summary>
/// <param name="Namespace">Always <c>android_app</c>.</param>
/// <param name="PackageName">The application id.</param>
/// <param name="Sha256CertFingerprints">SHA-256 fingerprints of its signing certificates.</param>
public sealed record AssetLinkTarget(
    string Namespace,
    [property: JsonPropertyName("package_name")] string PackageName,
    [property: JsonPropertyName("sha256_cert_fingerprints")] IReadOnlyList<string> Sha256CertFingerprints);
