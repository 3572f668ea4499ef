namespace Resso.Ml.Tests;

/// <summary>Reports on the caller's thread (<see cref="Progress{T}"/> posts to the thread pool, so a test could miss reports).</summary>
internal sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
