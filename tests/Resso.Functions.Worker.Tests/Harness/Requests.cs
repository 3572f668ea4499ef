using System.Net.Http.Json;
using System.Text.Json;
using Resso.Shared.Events;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>Requests sent alike to the self-host and to the worker.</summary>
internal static class Requests
{
    public static HttpRequestMessage Get(string path, string? key = null) => With(new HttpRequestMessage(HttpMethod.Get, path), key);

    public static HttpRequestMessage Json(HttpMethod method, string path, object body, string? key = SelfHostServer.TestKey) =>
        With(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) }, key);

    public static HttpRequestMessage Raw(HttpMethod method, string path, string body, string? key = SelfHostServer.TestKey) =>
        With(new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") }, key);

    public static object Batch(IEnumerable<SongUsedEvent> events) =>
        new { events = events.Select(e => JsonSerializer.SerializeToElement(e, EventJsonContext.Default.SongUsedEvent)).ToList() };

    private static HttpRequestMessage With(HttpRequestMessage request, string? key)
    {
        if (key is not null)
        {
            request.Headers.TryAddWithoutValidation("x-functions-key", key);
        }

        return request;
    }
}
