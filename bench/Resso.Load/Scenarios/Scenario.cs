namespace Resso.Load.Scenarios;

/// <summary>Weighted request templates and the id pools their placeholders draw from.</summary>
/// <param name="Name">The name in reports.</param>
/// <param name="Requests">The templates; each request picks one at random by weight.</param>
public sealed record Scenario(string Name, IReadOnlyList<RequestTemplate> Requests)
{
    /// <summary>Where placeholders take their values.</summary>
    /// <value><see cref="IdPools.Empty"/></value>
    public IdPools Pools { get; init; } = IdPools.Empty;

    /// <summary>A scenario of one request.</summary>
    public static Scenario Single(RequestTemplate request, IdPools? pools = null) =>
        new(request.DisplayName, [request]) { Pools = pools ?? IdPools.Empty };

    /// <summary>The same scenario with <paramref name="headers"/> added to every request that does not set them itself.</summary>
    public Scenario WithHeaders(IReadOnlyList<KeyValuePair<string, string>> headers)
    {
        if (headers.Count == 0)
        {
            return this;
        }

        var requests = Requests.Select(r => r with
        {
            Headers = [.. r.Headers, .. headers.Where(h => !r.Headers.Any(own => string.Equals(own.Key, h.Key, StringComparison.OrdinalIgnoreCase)))],
        });
        return this with { Requests = [.. requests] };
    }

    /// <summary>Checks the scenario and prepares its requests against <paramref name="baseAddress"/>.</summary>
    /// <exception cref="UsageException">A template is invalid or uses a placeholder without a pool.</exception>
    public CompiledScenario Compile(Uri baseAddress) => new(this, baseAddress);
}
