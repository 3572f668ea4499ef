using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
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
        routes.MapGet(AppleRoute, Apple).WithName("AppleAppSiteAssociation").AllowAnonymousFunction();
        routes.MapGet(AndroidRoute, Android).WithName("AndroidAssetLinks").AllowAnonymousFunction();
        return routes;
    }

    /// <summary>Maps both files at the root, as iOS and Android fetch them (the self-host; on Azure, Front Door's rewrite).</summary>
    public static IEndpointRouteBuilder MapAppAssociationAtRoot(this IEndpointRouteBuilder routes)
    {
        routes.MapGet(ApplePath, Apple).ExcludeFromDescription();
        routes.MapGet(AndroidPath, Android).ExcludeFromDescription();
        return routes;
    }

    /// <summary>The apple-app-site-association file; 404 when no iOS app is configured.</summary>
    public static IResult Apple(HttpRequest request, IOptions<AppAssociationOptions> options) =>
        Answer(request, AppleDocument(options.Value), "Resso__AppLinks__AppleAppIds");

    /// <summary>The assetlinks.json file; 404 when no Android app is configured.</summary>
    public static IResult Android(HttpRequest request, IOptions<AppAssociationOptions> options) =>
        Answer(request, AndroidDocument(options.Value), "Resso__AppLinks__AndroidPackages");

    /// <summary>
    /// Apple's format (iOS 13+: <c>appIDs</c> and <c>components</c>; iOS 12: <c>appID</c> and
    /// <c>paths</c>, one detail per app): the link paths open the app, nothing else does. Null without an app id.
    /// </summary>
    public static JsonObject? AppleDocument(AppAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ids = options.AppleAppIdList;
        if (ids.Count == 0)
        {
            return null;
        }

        var details = new JsonArray
        {
            new JsonObject
            {
                ["appIDs"] = new JsonArray([.. ids.Select(id => JsonValue.Create(id))]),
                ["components"] = new JsonArray(new JsonObject { ["/"] = LinkPathPattern, ["comment"] = "Subscribe offers for the song heard in a video" }),
            },
        };
        foreach (var id in ids)
        {
            details.Add(new JsonObject { ["appID"] = id, ["paths"] = new JsonArray(LinkPathPattern) });
        }

        return new JsonObject { ["applinks"] = new JsonObject { ["apps"] = new JsonArray(), ["details"] = details } };
    }

    /// <summary>Google's Digital Asset Links statements: each package may handle every link of the host. Null without a package.</summary>
    public static JsonArray? AndroidDocument(AppAssociationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.AndroidPackageList.Count == 0)
        {
            return null;
        }

        return new JsonArray([.. options.AndroidPackageList.Select(package => new JsonObject
        {
            ["relation"] = new JsonArray("delegate_permission/common.handle_all_urls"),
            ["target"] = new JsonObject
            {
                ["namespace"] = "android_app",
                ["package_name"] = package,
                ["sha256_cert_fingerprints"] = new JsonArray([.. options.AndroidCertFingerprintList.Select(f => JsonValue.Create(f))]),
            },
        })]);
    }

    [GeneratedRegex("^[A-Z0-9]{10}\\.[A-Za-z0-9][A-Za-z0-9.-]*$")]
    internal static partial Regex AppleAppId();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)+$")]
    internal static partial Regex AndroidPackage();

    [GeneratedRegex("^([0-9A-F]{2}:){31}[0-9A-F]{2}$")]
    internal static partial Regex Fingerprint();

    // Apple's CDN and Android's verifier want JSON, no redirect, answered directly.
    private static IResult Answer(HttpRequest request, JsonNode? document, string setting)
    {
        if (document is null)
        {
            return Problems.NotFound("app-association", $"No app is associated with this host: {setting} is not set.");
        }

        request.HttpContext.Response.Headers.CacheControl = $"public, max-age={(int)CacheFor.TotalSeconds}";
        return TypedResults.Text(document.ToJsonString(), "application/json");
    }
}
