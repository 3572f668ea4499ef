namespace Resso.Shared.Ingestion;

/// <summary>Told which users have newly counted events, right after a message is processed (for fold-in and caches).</summary>
public interface IUserActivityObserver
{
    /// <summary>Called once per processed message with the users whose events it counted. Must return quickly.</summary>
    void OnEventsCounted(IReadOnlyCollection<string> userIds);
}
