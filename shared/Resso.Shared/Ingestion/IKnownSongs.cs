namespace Resso.Shared.Ingestion;

/// <summary>
/// What an instance already knows to be in the catalog without a storage call (its published
/// catalog snapshot and the changes it has applied), so that counting events does not write a
/// placeholder, nor record a catalog change, for a song that has an entry already.
/// </summary>
public interface IKnownSongs
{
    /// <summary>True when the catalog is known to have an entry (with details or a placeholder) for <paramref name="songId"/>.</summary>
    bool IsKnown(string songId);
}
