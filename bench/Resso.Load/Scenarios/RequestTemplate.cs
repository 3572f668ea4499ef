namespace Resso.Load.Scenarios;

/// <summary>
/// One kind of request of a scenario. <see cref="Path"/>, header values and <see cref="Body"/> may
/// hold <c>{name}</c> placeholders, filled from the scenario's id pools per request (percent-encoded
/// in the path, as they are in headers and the body).
/// </summary>
/// <param name="Path">Path and query from the root, starting with <c>/</c>: <c>/api/songs/{song}/offer?userId={user}</c>.</param>
public sealed record RequestTemplate(string Path)
{
    /// <summary>The name in reports; defaults to the method and path.</summary>
    public string? Name { get; init; }

    /// <summary>The HTTP method.</summary>
    /// <value>GET</value>
    public string Method { get; init; } = "GET";

    /// <summary>How often this request is chosen relative to the scenario's others.</summary>
    /// <value>1</value>
    public double Weight { get; init; } = 1;

    /// <summary>Request headers, such as <c>x-functions-key</c>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    /// <summary>The body, sent as UTF-8; none when null.</summary>
    public string? Body { get; init; }

    /// <summary>The body's media type.</summary>
    /// <value>application/json when there is a body</value>
    public string? ContentType { get; init; }

    /// <summary>The name in reports.</summary>
    public string DisplayName => Name ?? $"{Method} {Path}";
}
