namespace Resso.Testing;

/// <summary>
/// One Azurite per test assembly (<c>[assembly: AssemblyFixture(typeof(AzuriteFixture))]</c>).
/// Tests keep apart by using unique names (<see cref="UniqueName"/>, or a storage prefix).
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteServer? _server;

    public AzuriteServer Server => _server ?? throw new InvalidOperationException("Azurite has not started.");

    public string ConnectionString => Server.ConnectionString;

    /// <summary>A name no other test uses, valid as a queue, container and table name (and as a storage prefix).</summary>
    /// <param name="stem">Lowercase letters, fewer than 12, that say what the name is for.</param>
    public static string UniqueName(string stem = "t") => (stem + Guid.NewGuid().ToString("N"))[..12];

    public async ValueTask InitializeAsync() => _server = await AzuriteServer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
