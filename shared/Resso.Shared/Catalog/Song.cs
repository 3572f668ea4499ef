namespace Resso.Shared.Catalog;

/// <summary>
/// A catalog entry: what <c>PUT /api/songs/{songId}</c> takes (without the id, which is in the route).
/// </summary>
/// <param name="Title">Display title.</param>
/// <param name="Artist">Display artist; also what mixes cap per artist.</param>
/// <param name="Label">The record label, for attribution.</param>
/// <param name="DurationMs">Length of the song in milliseconds.</param>
/// <param name="Regions">ISO 3166-1 alpha-2 regions where the song may be played; empty means everywhere.</param>
public sealed record SongDetails(string Title, string Artist, string Label, int DurationMs, IReadOnlyList<string> Regions);
