using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Resso.Shared.Attribution;
using Resso.Shared.Ingestion;
using Resso.Shared.Storage;
using Resso.Testing;

namespace Resso.Functions.Tests.Attribution;

/// <summary>The repeat check of a link follow against Azurite, with a clock the test moves: the window, racing follows, the second key.</summary>
public sealed class FollowRegistrationTests(AzuriteFixture azurite)
{
    private static readonly TimeSpan Window = TimeSpan.FromHours(24);

    private async Task<(AttributionStore Store, FakeTimeProvider Time)> NewStoreAsync()
    {
        var names = new StorageNames(AzuriteFixture.UniqueName("fr"));
        await new TableClient(azurite.ConnectionString, names.ClicksTable).CreateIfNotExistsAsync();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 25, 10, 0, 0, TimeSpan.Zero));
        return (new AttributionStore(new TableServiceClient(azurite.ConnectionString), names, Options.Create(new IngestionOptions()), time), time);
    }

    [Fact]
    public async Task RegisterFollow_WithinTheWindow_IsARepeatOfTheFirstClick_AndAfterItANewClick()
    {
        var (store, time) = await NewStoreAsync();

        var first = await store.RegisterFollowAsync("o_1", "device-a", null, "k_first", "CODE000001", Window);
        time.Advance(Window - TimeSpan.FromSeconds(1));
        var repeat = await store.RegisterFollowAsync("o_1", "device-a", null, "k_repeat", "CODE000002", Window);
        var otherOffer = await store.RegisterFollowAsync("o_2", "device-a", null, "k_other", null, Window);
        time.Advance(TimeSpan.FromSeconds(1));
        var afterWindow = await store.RegisterFollowAsync("o_1", "device-a", null, "k_later", null, Window);
        var repeatOfLater = await store.RegisterFollowAsync("o_1", "device-a", null, "k_again", null, Window);

        Assert.Equal(new FollowRegistration("k_first", false, null), first);
        Assert.Equal(new FollowRegistration("k_first", true, "CODE000001"), repeat);
        Assert.Equal(new FollowRegistration("k_other", false, null), otherOffer);
        Assert.Equal(new FollowRegistration("k_later", false, null), afterWindow);
        Assert.Equal(new FollowRegistration("k_later", true, null), repeatOfLater);
    }

    [Fact]
    public async Task RegisterFollow_TwentyAtOnceFromOneDevice_OnlyOneIsTheClick()
    {
        var (store, _) = await NewStoreAsync();

        var registrations = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => store.RegisterFollowAsync("o_race", "device-r", "cookie-r", $"k_{i}", null, Window)));

        Assert.Single(registrations, r => !r.IsRepeat);
        Assert.Single(registrations.Select(r => r.ClickId).Distinct());
    }

    [Fact]
    public async Task RegisterFollow_FirstUnderTheAddressKey_IsFoundNextTimeUnderTheCookieKey()
    {
        var (store, _) = await NewStoreAsync();

        await store.RegisterFollowAsync("o_c", "address-key", "cookie-key", "k_c", "CODE000003", Window);
        var withCookie = await store.RegisterFollowAsync("o_c", "cookie-key", null, "k_other", null, Window);

        Assert.Equal(new FollowRegistration("k_c", true, "CODE000003"), withCookie);
    }
}
