using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Resso.Functions.Core.Listeners;

/// <summary>
/// The bounds of each instance's cache of full catalog entries (titles, artist names, top segment,
/// neighbours) for the songs it serves (app settings <c>Resso__Catalog__Cache__*</c>). What ranking
/// needs of every song is in the compact snapshot instead, whatever the size of the catalog.
/// </summary>
public sealed class CatalogCacheOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Resso:Catalog:Cache";

    /// <summary>
    /// Entries kept (including songs found missing); the least recently used goes first beyond it.
    /// An answer reads its songs' misses in one batch, so this should hold at least a few answers' songs.
    /// </summary>
    /// <value>100,000.</value>
    [Range(100, 10_000_000)]
    public int MaxEntries { get; set; } = 100_000;

    /// <summary>
    /// Approximate bytes kept (strings at two bytes a character plus a fixed cost per object); the
    /// least recently used goes first beyond it. An entry with 20 neighbours is about 2.5 KB.
    /// </summary>
    /// <value>128 MiB.</value>
    [Range(64 * 1024, 64L * 1024 * 1024 * 1024)]
    public long MaxBytes { get; set; } = 128L * 1024 * 1024;
}

[OptionsValidator]
internal sealed partial class CatalogCacheOptionsValidator : IValidateOptions<CatalogCacheOptions>;
