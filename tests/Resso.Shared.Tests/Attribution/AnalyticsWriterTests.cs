using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Shared.Tests.Attribution;

public sealed class AnalyticsWriterTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly AttributionKeys Keys = new("s_1", "Label", "ID", "v_1", "u_1", "ios", null, null);

    // Recording never touches storage, so an account nobody listens on is enough.
    private const string Nowhere = "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;BlobEndpoint=http://127.0.0.1:9/devstoreaccount1;";

    private readonly AttributionStore _store = new(new TableServiceClient(Nowhere), new StorageNames(""), Options.Create(new IngestionOptions()), new FakeTimeProvider(Now));

    private readonly OfferLog _offerLog = new(new BlobServiceClient(Nowhere), new StorageNames(""));

    public void Dispose() => _offerLog.Dispose();

    private AnalyticsWriter Writer(int maxPending) => new(_store, _offerLog, new FakeTimeProvider(Now), NullLogger<AnalyticsWriter>.Instance) { MaxPending = maxPending };

    [Fact]
    public void Record_OffersOfTheSameSecondAndAttribution_WaitAsOneLineWhoeverTheViewer()
    {
        var writer = Writer(maxPending: 3);

        for (var i = 0; i < 100; i++)
        {
            writer.Record(new OfferRecord(_store.NewId('o'), Now.AddMilliseconds(i * 9), "free_trial", Keys with { UserId = $"u_{i}" }));
        }

        Assert.Equal(1, writer.Pending);
        Assert.Equal(0, writer.Dropped);
    }

    [Fact]
    public void Record_BeyondMaxPending_DropsAndCountsTheRest()
    {
        var writer = Writer(maxPending: 3);

        for (var i = 0; i < 5; i++)
        {
            writer.Record(new OfferRecord(_store.NewId('o'), Now, "free_trial", Keys with { SongId = $"s_{i}" }));
        }

        // A line that already waits still counts more offers.
        writer.Record(new OfferRecord(_store.NewId('o'), Now, "free_trial", Keys with { SongId = "s_0" }));

        Assert.Equal(3, writer.Pending);
        Assert.Equal(2, writer.Dropped);
    }

    [Fact]
    public void Record_AClickThatDoesNotFitWhole_IsDroppedWhole()
    {
        var writer = Writer(maxPending: 3);
        writer.Record(new ClickRecord(_store.NewId('k'), Now, _store.NewId('o'), "store", 0, Keys)); // two rows: the click and the user's index

        writer.Record(new ClickRecord(_store.NewId('k'), Now, _store.NewId('o'), "store", 0, Keys));

        Assert.Equal(2, writer.Pending);
        Assert.Equal(2, writer.Dropped);
    }
}
