using System.Net.Http.Json;
using System.Text.Json;
using Resso.Functions.Core.Hosting;
using Resso.Shared.Events;
using Resso.Testing;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>Requests sent alike to the self-host and to the worker.</summary>
internal static class Requests
{
    public static HttpRequestMessage Get(string path, string? key = null) => With(new HttpRequestMessage(HttpMethod.Get, path), key);

    public static HttpRequestMessage Delete(string path, string? key = SelfHostServer.TestKey) => With(new HttpRequestMessage(HttpMethod.Delete, path), key);

    public static HttpRequestMessage Json(HttpMethod method, string path, object body, string? key = SelfHostServer.TestKey) =>
        With(new HttpRequestMessage(method, path) { Content = JsonContent.Create(body) }, key);

    public static HttpRequestMessage Raw(HttpMethod method, string path, string body, string? key = SelfHostServer.TestKey) =>
        With(new HttpRequestMessage(method, path) { Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json") }, key);

    /// <summary>A request (GET unless <paramref name="method"/> says) carrying a development access token naming <paramref name="userId"/>.</summary>
    public static HttpRequestMessage AsListener(string path, string userId, HttpMethod? method = null)
    {
        var request = new HttpRequestMessage(method ?? HttpMethod.Get, path);
        request.Headers.Authorization = new("Bearer", ListenerAuthentication.CreateDevelopmentToken(userId, DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));
        return request;
    }

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
