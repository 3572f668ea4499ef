using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;

namespace Resso.Shared.Tests.Attribution;

public sealed class AnalyticsWriterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 10, 0, 0, TimeSpan.Zero);
    private static readonly AttributionKeys Keys = new("s_1", "Label", "ID", "v_1", "u_1", "ios", null, null);

    // Recording never touches storage, so an account nobody listens on is enough.
    private readonly AttributionStore _store = new(
        new TableServiceClient("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:9/devstoreaccount1;"),
        new StorageNames(""), Options.Create(new IngestionOptions()), new FakeTimeProvider(Now));

    [Fact]
    public void Record_BeyondMaxPending_DropsAndCountsTheRest()
    {
        var writer = new AnalyticsWriter(_store, new FakeTimeProvider(Now), NullLogger<AnalyticsWriter>.Instance) { MaxPending = 3 };

        for (var i = 0; i < 5; i++)
        {
            writer.Record(new OfferRecord(_store.NewId('o'), Now, "free_trial", Keys));
        }

        Assert.Equal(3, writer.Pending);
        Assert.Equal(2, writer.Dropped);
    }

    [Fact]
    public void Record_AClickThatDoesNotFitWhole_IsDroppedWhole()
    {
        var writer = new AnalyticsWriter(_store, new FakeTimeProvider(Now), NullLogger<AnalyticsWriter>.Instance) { MaxPending = 3 };
        writer.Record(new ClickRecord(_store.NewId('k'), Now, _store.NewId('o'), "store", 0, Keys)); // two rows: the click and the user's index

        writer.Record(new ClickRecord(_store.NewId('k'), Now, _store.NewId('o'), "store", 0, Keys));

        Assert.Equal(2, writer.Pending);
        Assert.Equal(2, writer.Dropped);
    }
}
