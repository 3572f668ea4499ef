using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Resso.Shared.Catalog;
using Resso.Traffic.Generation;

namespace Resso.Traffic.Sending;

/// <summary>What a catalog upload did.</summary>
/// <param name="Upserted">Songs the service took.</param>
/// <param name="Failed">Songs it did not take after retries.</param>
/// <param name="EndpointMissing">The service has no <c>PUT /api/songs/{songId}</c> (it answered 404 or 405); the upload stopped.</param>
public sealed record CatalogUploadResult(int Upserted, int Failed, bool EndpointMissing);

/// <summary>PUTs each song's <see cref="SongDetails"/> (camelCase JSON) to <c>/api/songs/{songId}</c>.</summary>
public sealed class CatalogUploader
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly Uri _baseAddress;
    private readonly string? _key;
    private readonly HttpRetrier _retrier;

    /// <summary>Creates the uploader for the app at <paramref name="baseAddress"/>.</summary>
    public CatalogUploader(HttpClient client, Uri baseAddress, string? key, TimeProvider time, HttpRetryOptions? retry = null)
    {
        _baseAddress = baseAddress;
        _key = key;
        _retrier = new HttpRetrier(client, time, retry ?? new HttpRetryOptions());
    }

    /// <summary>
    /// Upserts <paramref name="songs"/>, <paramref name="concurrency"/> at a time. A 404 means the
    /// route does not exist: <paramref name="warn"/> is told once and the upload stops.
    /// </summary>
    /// <exception cref="TrafficAbortedException">The key was refused.</exception>
    public async Task<CatalogUploadResult> UploadAsync(
        IEnumerable<SyntheticSong> songs,
        int concurrency,
        TrafficStats? stats = null,
        Action<string>? warn = null,
        CancellationToken cancellationToken = default)
    {
        var upserted = 0;
        var failed = 0;
        var missing = 0;
        var warnedFailure = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        try
        {
            await Parallel.ForEachAsync(
                songs,
                new ParallelOptions { MaxDegreeOfParallelism = concurrency, CancellationToken = stop.Token },
                async (song, ct) =>
                {
                    var uri = ApiRoutes.Song(_baseAddress, song.Id);
                    var body = JsonSerializer.SerializeToUtf8Bytes(song.Details, TrafficJsonContext.Default.SongDetails);
                    var outcome = await _retrier.SendAsync(
                        () =>
                        {
                            var request = new HttpRequestMessage(HttpMethod.Put, uri) { Content = new ByteArrayContent(body) };
                            request.Content.Headers.ContentType = Json;
                            HttpEventTarget.AddKey(request, _key);
                            return request;
                        },
                        ct);
                    HttpEventTarget.ThrowIfRefused(outcome, "PUT " + uri.AbsolutePath);
                    // 404: no such route; 405: the path exists for other methods only. Either way, no catalog endpoint.
                    if (outcome.Status is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
                    {
                        if (Interlocked.Exchange(ref missing, 1) == 0)
                        {
                            warn?.Invoke($"warning: PUT {uri.AbsolutePath} answered {(int)outcome.Status.GetValueOrDefault()}: the service has no catalog endpoint yet; sending events without a catalog.");
                            await stop.CancelAsync();
                        }

                        return;
                    }

                    stats?.RecordCatalog(outcome.IsSuccess);
                    if (outcome.IsSuccess)
                    {
                        Interlocked.Increment(ref upserted);
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                        if (Interlocked.Exchange(ref warnedFailure, 1) == 0)
                        {
                            warn?.Invoke($"error: PUT {uri.AbsolutePath}: {outcome.Describe()}");
                        }
                    }
                });
        }
        catch (OperationCanceledException) when (missing == 1 && !cancellationToken.IsCancellationRequested)
        {
            // Stopped on purpose: the route is missing.
        }

        if (stats is not null && missing == 1)
        {
            stats.CatalogEndpointMissing = true;
        }

        return new CatalogUploadResult(upserted, failed, missing == 1);
    }
}

/// <summary>JSON (camelCase) of the payloads this tool sends besides events, source-generated.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SongDetails))]
internal sealed partial class TrafficJsonContext : JsonSerializerContext;
