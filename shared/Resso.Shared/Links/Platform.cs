using System.Text.Json.Serialization;

namespace Resso.Shared.Links;

/// <summary>The viewer's device family: it picks the store a link falls back to. JSON: <c>ios</c>, <c>android</c>, <c>web</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Platform>))]
public enum Platform
{
    /// <summary>iPhone and iPad: the App Store.</summary>
    [JsonStringEnumMemberName("ios")]
    Ios = 0,

    /// <summary>Android: Google Play.</summary>
    [JsonStringEnumMemberName("android")]
    Android = 1,

    /// <summary>A browser: the web player.</summary>
    [JsonStringEnumMemberName("web")]
    Web = 2,
}

/// <summary>
/// Platform names as clients send them. Use this rather than <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/>,
/// which also accepts numbers such as <c>"7"</c> and yields values that are not platforms.
/// </summary>
public static class Platforms
{
    /// <summary>Reads <c>ios</c>, <c>android</c> or <c>web</c>, in any case; false for anything else.</summary>
    public static bool TryParse(string? value, out Platform platform)
    {
        if (string.Equals(value, "ios", StringComparison.OrdinalIgnoreCase))
        {
            platform = Platform.Ios;
            return true;
        }

        if (string.Equals(value, "android", StringComparison.OrdinalIgnoreCase))
        {
            platform = Platform.Android;
            return true;
        }

        if (string.Equals(value, "web", StringComparison.OrdinalIgnoreCase))
        {
            platform = Platform.Web;
            return true;
        }

        platform = default;
        return false;
    }

    /// <summary>The lower-case name of <paramref name="platform"/>, as in JSON and attribution records.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="platform"/> is not a defined value.</exception>
    public static string Name(Platform platform) => platform switch
    {
        Platform.Ios => "ios",
        Platform.Android => "android",
        Platform.Web => "web",
        _ => throw new ArgumentOutOfRangeException(nameof(platform), platform, "Not a platform."),
    };
}
