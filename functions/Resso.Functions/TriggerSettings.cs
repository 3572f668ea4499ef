using Microsoft.Extensions.Options;
using Resso.Shared.Storage;

namespace Resso.Functions;

/// <summary>
/// The app settings the Functions host reads to bind the queue triggers
/// (<see cref="StorageOptions.SongUsedQueueExpression"/>). The host resolves them before the app
/// starts and cannot add <c>Resso__Storage__Prefix</c>: a missing setting leaves the trigger
/// indexed in error, another name leaves it listening where nothing is sent. Either way no message
/// would ever be processed, so the app refuses to start instead.
/// </summary>
internal sealed class TriggerSettings : IValidateOptions<StorageOptions>
{
    public ValidateOptionsResult Validate(string? name, StorageOptions options)
    {
        var names = new StorageNames(options.Prefix);
        var failures = new List<string>();
        Check("Resso__Storage__SongUsedQueue", options.SongUsedQueue, names.SongUsedQueue);
        Check("Resso__Storage__ModelRetrainQueue", options.ModelRetrainQueue, names.ModelRetrainQueue);
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);

        void Check(string setting, string value, string expected)
        {
            if (value != expected)
            {
                var now = value.Length == 0 ? "is not set" : $"is \"{value}\"";
                failures.Add($"{setting} {now}; the Functions host binds a queue trigger to it, and the app sends to \"{expected}\" (Resso__Storage__Prefix \"{options.Prefix}\"). Set it to \"{expected}\".");
            }
        }
    }
}
