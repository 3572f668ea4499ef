using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Resso.Load.Scenarios;

/// <summary>A checked scenario, ready to make requests: picks a template by weight and fills it.</summary>
public sealed class CompiledScenario
{
    private readonly double[] _cumulativeWeights;

    internal CompiledScenario(Scenario scenario, Uri baseAddress)
    {
        if (scenario.Requests.Count == 0)
        {
            throw new UsageException($"the scenario '{scenario.Name}' has no requests.");
        }

        Scenario = scenario;
        Templates = [.. scenario.Requests.Select(r => new CompiledTemplate(r, scenario.Pools, baseAddress))];
        _cumulativeWeights = new double[Templates.Count];
        var total = 0.0;
        for (var i = 0; i < Templates.Count; i++)
        {
            total += Templates[i].Template.Weight;
            _cumulativeWeights[i] = total;
        }
    }

    /// <summary>The scenario as given.</summary>
    public Scenario Scenario { get; }

    /// <summary>The templates, in the scenario's order.</summary>
    public IReadOnlyList<CompiledTemplate> Templates { get; }

    /// <summary>The index of a template chosen at random by weight.</summary>
    public int Pick(Random random)
    {
        if (_cumulativeWeights.Length == 1)
        {
            return 0;
        }

        var index = Array.BinarySearch(_cumulativeWeights, random.NextDouble() * _cumulativeWeights[^1]);
        return Math.Min(index < 0 ? ~index : index + 1, _cumulativeWeights.Length - 1);
    }
}

/// <summary>One checked request template: makes a new <see cref="HttpRequestMessage"/> per request.</summary>
public sealed class CompiledTemplate
{
    private static readonly string[] ContentHeaderNames =
        ["Content-Type", "Content-Length", "Content-Encoding", "Content-Language", "Content-Location", "Content-MD5", "Content-Range", "Content-Disposition", "Expires", "Last-Modified", "Allow"];

    private readonly IdPools _pools;
    private readonly string _base;
    private readonly PlaceholderText _path;
    private readonly (string Name, PlaceholderText Value)[] _headers;
    private readonly PlaceholderText? _body;
    private readonly byte[]? _fixedBody;
    private readonly string? _contentType;
    private readonly Uri? _fixedUri;

    internal CompiledTemplate(RequestTemplate template, IdPools pools, Uri baseAddress)
    {
        Template = template;
        _pools = pools;
        var where = $"'{template.DisplayName}'";
        if (!template.Path.StartsWith('/') || template.Path.StartsWith("//", StringComparison.Ordinal))
        {
            throw new UsageException($"the path of {where} must start with a single / (a path from the root, not a URL).");
        }

        if (!double.IsFinite(template.Weight) || template.Weight <= 0)
        {
            throw new UsageException($"the weight of {where} must be a positive number.");
        }

        try
        {
            Method = HttpMethod.Parse(template.Method);
        }
        catch (FormatException)
        {
            throw new UsageException($"'{template.Method}' in {where} is not an HTTP method.");
        }

        _base = baseAddress.GetLeftPart(UriPartial.Authority);
        _path = PlaceholderText.Parse(template.Path);
        if (_path.Placeholders.Count == 0)
        {
            _fixedUri = ToUri(template.Path, where);
        }
        else
        {
            // Fills every placeholder once with an id, to find a path that is not a valid URL now rather than per request.
            _ = ToUri(_path.Fill(static _ => "x", escape: true), where);
        }

        var headers = new List<(string, PlaceholderText)>();
        using (var probe = new HttpRequestMessage())
        {
            foreach (var (name, value) in template.Headers)
            {
                if (ContentHeaderNames.Contains(name, StringComparer.OrdinalIgnoreCase))
                {
                    throw new UsageException($"the header '{name}' of {where} describes the body: set the content type instead.");
                }

                if (!probe.Headers.TryAddWithoutValidation(name, "x"))
                {
                    throw new UsageException($"'{name}' in {where} is not a valid request header name.");
                }

                headers.Add((name, PlaceholderText.Parse(value)));
            }
        }

        _headers = [.. headers];
        if (template.Body is not null)
        {
            _body = PlaceholderText.Parse(template.Body);
            _fixedBody = _body.Placeholders.Count == 0 ? Encoding.UTF8.GetBytes(template.Body) : null;
            _contentType = template.ContentType ?? "application/json";
            if (!MediaTypeHeaderValue.TryParse(_contentType, out _))
            {
                throw new UsageException($"'{template.ContentType}' in {where} is not a media type.");
            }
        }
        else if (template.ContentType is not null)
        {
            throw new UsageException($"{where} has a content type but no body.");
        }

        var missing = _path.Placeholders.Concat(_headers.SelectMany(h => h.Value.Placeholders)).Concat(_body?.Placeholders ?? [])
            .Distinct(StringComparer.Ordinal).Where(name => !pools.Contains(name)).ToList();
        if (missing.Count > 0)
        {
            var name = missing[0];
            throw new UsageException($"{{{name}}} in {where} has no id pool: give --pool {name}=<ids> (or in a mix file, \"pools\": {{ \"{name}\": … }}).");
        }
    }

    /// <summary>The template as given.</summary>
    public RequestTemplate Template { get; }

    /// <summary>The parsed method.</summary>
    public HttpMethod Method { get; }

    /// <summary>A new request with every placeholder filled from the pools.</summary>
    public HttpRequestMessage CreateRequest(Random random)
    {
        var uri = _fixedUri ?? new Uri(_base + _path.Fill(name => _pools.Pick(name, random), escape: true), UriKind.Absolute);
        var request = new HttpRequestMessage(Method, uri) { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionExact };
        foreach (var (name, value) in _headers)
        {
            request.Headers.TryAddWithoutValidation(name, value.Fill(n => _pools.Pick(n, random), escape: false));
        }

        if (_body is not null)
        {
            var bytes = _fixedBody ?? Encoding.UTF8.GetBytes(_body.Fill(n => _pools.Pick(n, random), escape: false));
            request.Content = new ByteArrayContent(bytes);
            request.Content.Headers.TryAddWithoutValidation("Content-Type", _contentType);
        }

        return request;
    }

    private Uri ToUri(string pathAndQuery, string where) =>
        Uri.TryCreate(_base + pathAndQuery, UriKind.Absolute, out var uri)
            ? uri
            : throw new UsageException($"the path of {where} does not make a valid URL.");
}
