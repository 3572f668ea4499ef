using System.Text;
using Microsoft.AspNetCore.Http;

namespace Resso.Functions.Worker.Tests.Harness;

/// <summary>An HTTP answer: status, the headers clients act on, and the body.</summary>
internal sealed record HttpAnswer(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The headers compared between hosts.</summary>
    public static readonly string[] Compared = ["Content-Type", "Location", "Retry-After", "Cache-Control"];

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public static HttpAnswer From(HttpContext http)
    {
        var headers = Compared.Where(h => http.Response.Headers.ContainsKey(h))
            .ToDictionary(h => h, h => http.Response.Headers[h].ToString(), StringComparer.OrdinalIgnoreCase);
        http.Response.Body.Position = 0;
        using var reader = new StreamReader(http.Response.Body, Encoding.UTF8, leaveOpen: true);
        return new HttpAnswer(http.Response.StatusCode, headers, reader.ReadToEnd());
    }

    public static async Task<HttpAnswer> FromAsync(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var name in Compared)
        {
            if (response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values))
            {
                headers[name] = string.Join(",", values);
            }
        }

        return new HttpAnswer((int)response.StatusCode, headers, await response.Content.ReadAsStringAsync());
    }

    public override string ToString() =>
        $"{Status} [{string.Join("; ", Headers.Select(h => $"{h.Key}: {h.Value}"))}] {(Body.Length > 300 ? Body[..300] + "…" : Body)}";
}
