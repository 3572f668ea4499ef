using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Resso.Shared.Storage;

/// <summary>Where the app keeps its data inside the storage account.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section (<c>Resso__Storage__…</c> as app settings).</summary>
    public const string SectionName = "Resso:Storage";

    /// <summary>
    /// Prepended to every table, queue and container name, so that several deployments or test
    /// runs can share one account without seeing each other's data.
    /// </summary>
    /// <value>Empty: the names of <see cref="StorageNames"/> as they are.</value>
    [RegularExpression(@"^([a-z][a-z0-9]{0,11})?\z", ErrorMessage = "Resso__Storage__Prefix must be empty or 1–12 lowercase letters and digits, starting with a letter.")]
    public string Prefix { get; set; } = "";
}

[OptionsValidator]
internal sealed partial class StorageOptionsValidator : IValidateOptions<StorageOptions>;
