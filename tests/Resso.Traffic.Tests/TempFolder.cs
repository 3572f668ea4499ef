namespace Resso.Traffic.Tests;

internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("resso-traffic-").FullName;

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
