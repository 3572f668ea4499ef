using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;

namespace Resso.Functions.Core.Contract;

/// <summary>
/// A parameter the handler reads itself (from <see cref="HttpRequest.Query"/> or a header), or a
/// constraint on a route parameter the generator sees only as a string: declared on the endpoint
/// so that the document states it.
/// </summary>
/// <param name="Name">As sent.</param>
/// <param name="In">Query, header or path.</param>
/// <param name="Schema">A fresh schema each call (schemas are mutable, and one may end up in several documents).</param>
/// <param name="Description">What it does, defaults included.</param>
/// <param name="Required">The request fails validation without it.</param>
public sealed record ApiParameter(string Name, ParameterLocation In, Func<OpenApiSchema> Schema, string Description, bool Required = false);

/// <summary>The problem types (<c>urn:resso:problem:…</c>) a route answers with <paramref name="Status"/>, and when.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Description">When it happens.</param>
/// <param name="Types">The <c>type</c> values, without the prefix.</param>
public sealed record ApiProblems(int Status, string Description, IReadOnlyList<string> Types);

/// <summary>A non-JSON answer (a redirect, an HTML page, CSV), or a JSON answer the handler writes itself.</summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="Description">When it happens.</param>
/// <param name="ContentType">Its media type; null for an answer without a body.</param>
/// <param name="Headers">Response headers worth stating, with their descriptions.</param>
public sealed record ApiResponse(int Status, string Description, string? ContentType = null, IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>An example of the request body (<paramref name="Status"/> null) or of the answer with <paramref name="Status"/>.</summary>
/// <param name="Status">The answer's status; null for the request body.</param>
/// <param name="Value">Serialized as the API serializes it (web defaults, the enums' own converters).</param>
public sealed record ApiExample(int? Status, object Value)
{
    /// <summary>The example as JSON.</summary>
    public JsonNode ToJson() => JsonSerializer.SerializeToNode(Value, Value.GetType(), JsonSerializerOptions.Web)!;
}

/// <summary>
/// A request body the handler parses itself: the schema of <paramref name="Types"/> (one of them
/// when several), with its description.
/// </summary>
/// <param name="Types">The accepted shapes.</param>
/// <param name="Description">What the body is, and its limits.</param>
public sealed record ApiBody(IReadOnlyList<Type> Types, string Description);

/// <summary>Declares what the OpenAPI generator cannot see in a handler's signature.</summary>
public static class ApiMetadataExtensions
{
    /// <summary>A query parameter the handler reads from the request.</summary>
    public static RouteHandlerBuilder WithQuery(this RouteHandlerBuilder builder, string name, Func<OpenApiSchema> schema, string description, bool required = false) =>
        builder.WithMetadata(new ApiParameter(name, ParameterLocation.Query, schema, description, required));

    /// <summary>A request header the handler reads.</summary>
    public static RouteHandlerBuilder WithHeader(this RouteHandlerBuilder builder, string name, Func<OpenApiSchema> schema, string description) =>
        builder.WithMetadata(new ApiParameter(name, ParameterLocation.Header, schema, description));

    /// <summary>The constraints and description of a route parameter.</summary>
    public static RouteHandlerBuilder WithPath(this RouteHandlerBuilder builder, string name, Func<OpenApiSchema> schema, string description) =>
        builder.WithMetadata(new ApiParameter(name, ParameterLocation.Path, schema, description, Required: true));

    /// <summary>A JSON body the handler parses itself; several types mean any one of them.</summary>
    public static RouteHandlerBuilder WithJsonBody(this RouteHandlerBuilder builder, string description, params Type[] types) =>
        builder.WithMetadata(new ApiBody(types, description));

    /// <summary>The problem+json answers with <paramref name="status"/> and the types they carry.</summary>
    public static RouteHandlerBuilder WithProblems(this RouteHandlerBuilder builder, int status, string description, params string[] types) =>
        builder.WithMetadata(new ApiProblems(status, description, types))
            .WithMetadata(new ProducesResponseTypeMetadata(status, status == StatusCodes.Status400BadRequest ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails), ["application/problem+json"]));

    /// <summary>A JSON answer of type <typeparamref name="T"/> that the handler writes itself (as an <see cref="IResult"/>).</summary>
    public static RouteHandlerBuilder WithJsonResponse<T>(this RouteHandlerBuilder builder, int status, string description) =>
        builder.WithMetadata(new ProducesResponseTypeMetadata(status, typeof(T), ["application/json"])).WithMetadata(new ApiResponse(status, description, "application/json"));

    /// <summary>An answer that is not JSON, or has no body.</summary>
    public static RouteHandlerBuilder WithResponse(this RouteHandlerBuilder builder, int status, string description, string? contentType = null, IReadOnlyDictionary<string, string>? headers = null) =>
        builder.WithMetadata(new ApiResponse(status, description, contentType, headers));

    /// <summary>An example of the request body.</summary>
    public static RouteHandlerBuilder WithRequestExample(this RouteHandlerBuilder builder, object value) =>
        builder.WithMetadata(new ApiExample(null, value));

    /// <summary>An example of the answer with <paramref name="status"/>.</summary>
    public static RouteHandlerBuilder WithResponseExample(this RouteHandlerBuilder builder, int status, object value) =>
        builder.WithMetadata(new ApiExample(status, value));
}
