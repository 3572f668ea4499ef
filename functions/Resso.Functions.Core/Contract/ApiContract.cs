using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Resso.Functions.Core.Health;
using Resso.Functions.Core.Hosting;
using Resso.Functions.Core.Listeners;
using Resso.Functions.Core.Model;
using Resso.Functions.Core.Offers;
using Resso.Shared.Attribution;
using Resso.Shared.Events;

namespace Resso.Functions.Core.Contract;

/// <summary>How one security scheme applies: its id in the document, the scheme, and the endpoints that carry it.</summary>
/// <param name="Id">The key under <c>components.securitySchemes</c>.</param>
/// <param name="Scheme">A fresh scheme each call.</param>
/// <param name="AppliesTo">Whether an endpoint with this metadata requires the scheme.</param>
public sealed record ApiSecurity(string Id, Func<OpenApiSecurityScheme> Scheme, Func<IReadOnlyList<object>, bool> AppliesTo);

/// <summary>
/// The OpenAPI 3.1 document of the public API, generated from the endpoints themselves
/// (<see cref="RessoApi.MapRessoApi"/>) and the metadata they declare
/// (<see cref="ApiMetadataExtensions"/>): the self-host serves it at <see cref="RessoApi.OpenApiPath"/>,
/// the build writes it for the Azure Functions app, and <c>docs/openapi.json</c> is its committed copy.
/// </summary>
public static class ApiContract
{
    /// <summary>The document's title.</summary>
    public const string Title = "Resso Functions API";

    /// <summary>The contract's version: raise it when the API changes in a way clients notice.</summary>
    public const string Version = "1.0";

    /// <summary>The server the document names: the local address of either host.</summary>
    public const string Server = "http://127.0.0.1:7071";

    /// <summary>The header that carries a function key.</summary>
    public const string KeyHeader = ApiKeys.HeaderName;

    /// <summary>
    /// Which endpoints require which scheme, by their metadata. Another scheme is one more line, e.g.
    /// <c>new("bearer", static () => new() { Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT" }, static m => m.OfType&lt;ListenerAuthorization&gt;().Any())</c>.
    /// </summary>
    public static IReadOnlyList<ApiSecurity> Security { get; } =
    [
        new(
            "functionKey",
            static () => new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = KeyHeader,
                Description = "A function key, as Azure Functions checks it (AuthorizationLevel.Function). The self-host accepts the keys in Resso__Api__Keys, also as ?code=.",
            },
            static metadata => metadata.OfType<FunctionAuthorization>().LastOrDefault() == FunctionAuthorization.Function),
        new(
            "listenerToken",
            static () => new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "A listener's access token from the streaming app's identity provider (issuer Resso__Auth__Issuer, audience Resso__Auth__Audience); its subject is the user id. Locally, POST /api/dev/token?userId=… issues one (Development only).",
            },
            static metadata => metadata.OfType<ListenerAuthenticationMetadata>().Any()),
    ];

    private const string Description = """
        The backend between a short-video app and a music streaming service: it ingests "song used in short video" events,
        serves signed deep-link subscribe offers for the song heard in a video, follows those links, redeems claim codes
        after an install, records and attributes subscriptions, reports the funnel, and serves listeners recommendations,
        mixes, similar songs and trending charts.

        Errors are RFC 9457 `application/problem+json` with a stable `type` (`urn:resso:problem:…`): branch on the type,
        not the wording. Write and admin routes need a key in `x-functions-key`; a listener's own routes (`/api/me/…`) need
        the listener's bearer token; other reads are anonymous and rate-limited per client (`429` with `Retry-After`). When storage does not answer, routes answer `503` with `Retry-After` and say in
        `detail` whether retrying is safe.
        """;

    // Constraints the hand-written validators apply to properties of body types that live below the host (Shared).
    private static readonly Dictionary<(Type Type, string Property), Func<OpenApiSchema>> PropertyConstraints = new()
    {
        [(typeof(SongUsedEvent), "eventId")] = ApiSchemas.Id,
        [(typeof(SongUsedEvent), "userId")] = ApiSchemas.Id,
        [(typeof(SongUsedEvent), "songId")] = ApiSchemas.Id,
        [(typeof(SongUsedEvent), "videoId")] = ApiSchemas.Id,
        [(typeof(SongUsedEvent), "region")] = ApiSchemas.Region,
        [(typeof(Segment), "startMs")] = ApiSchemas.Milliseconds,
        [(typeof(Segment), "endMs")] = ApiSchemas.Milliseconds,

        // Strings the answers hold one of a fixed set of (written by the code, not by an enum).
        [(typeof(OfferTerms), "kind")] = static () => ApiSchemas.Enum("open_in_app", "free_trial", "subscribe", "listen_free"),
        [(typeof(ConversionAttribution), "method")] = static () => ApiSchemas.Enum("click", "claim", "token", "last_click"),
        [(typeof(HealthReport), "status")] = static () => ApiSchemas.Enum("healthy", "degraded", "unhealthy"),
        [(typeof(ModelHealth), "status")] = static () => ApiSchemas.Enum("healthy", "none", "unknown", "degraded"),
        [(typeof(ModelStatus), "status")] = static () => ApiSchemas.Enum("healthy", "degraded"),
        [(typeof(SimilarResponse), "source")] = static () => ApiSchemas.Enum("model", "co_occurrence"),
        [(typeof(TrendingResponse), "window")] = static () => ApiSchemas.Enum("1h", "24h", "7d"),
    };

    /// <summary>The name of the document file the build writes and the Azure Functions app serves.</summary>
    public const string FileName = "openapi.json";

    /// <summary>
    /// The document the build wrote into <paramref name="directory"/> (<see cref="FileName"/>), as
    /// the Azure Functions app serves it: the worker cannot run the generator at request time.
    /// </summary>
    public static IResult DocumentFile(string directory) =>
        TypedResults.PhysicalFile(Path.Combine(directory, FileName), "application/json; charset=utf-8");

    /// <summary>Registers the generator with the transformers that complete the document.</summary>
    public static IServiceCollection AddRessoOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer(static (document, _, _) =>
            {
                document.Info = new OpenApiInfo { Title = Title, Version = Version, Description = Description };
                document.Servers = [new OpenApiServer { Url = Server, Description = "Either host, run locally (./run.sh, or func start)." }];
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                foreach (var security in Security)
                {
                    document.Components.SecuritySchemes[security.Id] = security.Scheme();
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer(TransformOperationAsync);
            options.AddSchemaTransformer(static (schema, context, _) =>
            {
                TransformSchema(schema, context.JsonTypeInfo, context.JsonPropertyInfo);
                return Task.CompletedTask;
            });
        });

    private static async Task TransformOperationAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata.ToList();

        // The handlers' XML docs speak to maintainers; the endpoint's own summary and description to clients.
        if (metadata.OfType<IEndpointSummaryMetadata>().LastOrDefault() is { } summary)
        {
            operation.Summary = summary.Summary;
        }

        if (metadata.OfType<IEndpointDescriptionMetadata>().LastOrDefault() is { } endpointDescription)
        {
            operation.Description = endpointDescription.Description;
        }

        foreach (var declared in metadata.OfType<ApiParameter>())
        {
            operation.Parameters ??= [];
            var existing = operation.Parameters.OfType<OpenApiParameter>().FirstOrDefault(p => p.Name == declared.Name && p.In == declared.In);
            if (existing is null)
            {
                existing = new OpenApiParameter { Name = declared.Name, In = declared.In };
                operation.Parameters.Add(existing);
            }

            existing.Schema = declared.Schema();
            existing.Description = declared.Description;
            existing.Required = declared.Required;
        }

        if (metadata.OfType<ApiBody>().LastOrDefault() is { } body)
        {
            var schemas = new List<IOpenApiSchema>();
            foreach (var type in body.Types)
            {
                schemas.Add(await ReferenceAsync(type, body.Types, context, cancellationToken));
            }

            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = body.Description,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/json"] = new() { Schema = schemas.Count == 1 ? schemas[0] : new OpenApiSchema { OneOf = schemas } },
                },
            };
        }

        operation.Responses ??= [];
        foreach (var declared in metadata.OfType<ApiResponse>())
        {
            var response = Response(operation, declared.Status);
            response.Description = declared.Description;
            if (declared.ContentType is { } contentType && !response.Content!.ContainsKey(contentType))
            {
                response.Content[contentType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }

            foreach (var (name, description) in declared.Headers ?? new Dictionary<string, string>())
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers[name] = new OpenApiHeader { Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
            }
        }

        foreach (var problems in metadata.OfType<ApiProblems>())
        {
            var response = Response(operation, problems.Status);
            response.Description = $"{problems.Description} Problem types: {string.Join(", ", problems.Types.Select(t => $"`{Problems.TypePrefix}{t}`"))}.";
            if (problems.Status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
            {
                response.Headers ??= new Dictionary<string, IOpenApiHeader>();
                response.Headers["Retry-After"] = new OpenApiHeader { Description = "Seconds to wait before retrying.", Schema = new OpenApiSchema { Type = JsonSchemaType.Integer } };
            }
        }

        foreach (var example in metadata.OfType<ApiExample>())
        {
            var content = example.Status is { } status ? Response(operation, status).Content : operation.RequestBody?.Content;
            if (content is not null && content.TryGetValue("application/json", out var media))
            {
                media.Example = example.ToJson();
            }
        }

        foreach (var security in Security.Where(s => s.AppliesTo(metadata)))
        {
            operation.Security ??= [];
            operation.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(security.Id, context.Document)] = [] });
        }
    }

    private static OpenApiResponse Response(OpenApiOperation operation, int status)
    {
        var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (operation.Responses!.TryGetValue(key, out var existing) && existing is OpenApiResponse response)
        {
            response.Content ??= new Dictionary<string, OpenApiMediaType>();
            return response;
        }

        response = new OpenApiResponse { Content = new Dictionary<string, OpenApiMediaType>() };
        operation.Responses[key] = response;
        return response;
    }

    // The schema of a body type as a reference to its component, created on first use. A body type
    // holding a list of an earlier one (a batch of events) refers to that one's component rather than
    // repeating it inline, so that clients get one type for both.
    private static async Task<IOpenApiSchema> ReferenceAsync(Type type, IReadOnlyList<Type> bodyTypes, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var id = type.Name;
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(id) != true)
        {
            var schema = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
            foreach (var property in type.GetProperties())
            {
                if (property.PropertyType is { IsGenericType: true } list && list.GetGenericArguments() is [var element]
                    && bodyTypes.Contains(element) && element != type
                    && schema.Properties is { } properties && properties.TryGetValue(JsonNamingPolicy.CamelCase.ConvertName(property.Name), out var listed)
                    && listed is OpenApiSchema { Type: JsonSchemaType.Array } array)
                {
                    array.Items = new OpenApiSchemaReference(element.Name, document);
                }
            }

            document.AddComponent(id, schema);
        }

        return new OpenApiSchemaReference(id, document);
    }

    // Records are written whole: every constructor parameter without a default is always present
    // (null where nullable), and nothing else is. Objects with extension data (problem details) stay open.
    private static void TransformSchema(OpenApiSchema schema, JsonTypeInfo type, JsonPropertyInfo? property)
    {
        // The web defaults would read numbers from strings, so the generator allows both; but the API
        // writes numbers as numbers, and its own parsers read bodies by hand and want JSON numbers.
        if (schema.Type is { } kind && (kind & (JsonSchemaType.Integer | JsonSchemaType.Number)) != 0 && (kind & JsonSchemaType.String) != 0)
        {
            schema.Type = kind & ~JsonSchemaType.String;
            schema.Pattern = null;
        }

        // An enum without a converter is written as its number: say which numbers.
        if ((Nullable.GetUnderlyingType(type.Type) ?? type.Type) is { IsEnum: true } enumType && schema.Enum is not { Count: > 0 }
            && schema.Type is { } enumKind && (enumKind & JsonSchemaType.Integer) != 0)
        {
            schema.Enum = [.. Enum.GetValues(enumType).Cast<object>().Select(v => (JsonNode)JsonValue.Create(Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)))];
        }

        if (property is not null && property.DeclaringType is { } declaring && PropertyConstraints.TryGetValue((declaring, property.Name), out var constraint))
        {
            var constrained = constraint();
            schema.Pattern = constrained.Pattern;
            schema.MinLength = constrained.MinLength;
            schema.MaxLength = constrained.MaxLength;
            schema.Minimum = constrained.Minimum;
            schema.Maximum = constrained.Maximum;
            schema.Enum = constrained.Enum;
            schema.Description ??= constrained.Description;
        }

        if (type.Kind != JsonTypeInfoKind.Object || type.Properties.Count == 0 || type.Properties.Any(p => p.IsExtensionData))
        {
            return;
        }

        schema.AdditionalPropertiesAllowed = false;
        schema.Required ??= new HashSet<string>();
        foreach (var p in type.Properties.Where(p => p.AssociatedParameter is { HasDefaultValue: false } || p.IsRequired))
        {
            schema.Required.Add(p.Name);
        }
    }
}
