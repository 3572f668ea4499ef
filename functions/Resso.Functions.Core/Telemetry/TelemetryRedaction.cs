using System.Diagnostics;
using OpenTelemetry;

namespace Resso.Functions.Core.Telemetry;

/// <summary>
/// Strips what would carry secrets or personal ids from every span before it is exported. Paths hold
/// link tokens (<c>/api/l/{token}</c>), claim codes and user ids, queries hold <c>userId</c> and
/// <c>code</c> (a function key), and storage URLs hold partition and row keys (user ids) and blob
/// names: a server span's <c>url.path</c> becomes its route template (<c>http.route</c>), or goes when
/// no route matched; queries go; a full URL keeps its scheme and host only.
/// </summary>
public sealed class TelemetryRedaction : BaseProcessor<Activity>
{
    /// <summary>The tags that hold a path or a query, and go unless replaced.</summary>
    public static readonly string[] PathTags = ["url.path", "url.query", "http.target"];

    /// <summary>The tags that hold a whole URL, cut to its scheme and host.</summary>
    public static readonly string[] UrlTags = ["url.full", "http.url"];

    /// <inheritdoc />
    public override void OnEnd(Activity data) => Redact(data);

    /// <summary>Redacts <paramref name="activity"/>'s tags in place.</summary>
    public static void Redact(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        var route = activity.GetTagItem("http.route") as string;
        foreach (var tag in PathTags)
        {
            if (activity.GetTagItem(tag) is not null)
            {
                // Setting a tag to null removes it.
                activity.SetTag(tag, tag == "url.path" ? route : null);
            }
        }

        foreach (var tag in UrlTags)
        {
            if (activity.GetTagItem(tag) is { } value)
            {
                activity.SetTag(tag, Uri.TryCreate(value.ToString(), UriKind.Absolute, out var uri) ? uri.GetLeftPart(UriPartial.Authority) : null);
            }
        }
    }
}
