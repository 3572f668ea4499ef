using Azure;
using Azure.Core;

namespace Resso.Traffic.Storage;

/// <summary>Storage client settings and error messages of this tool.</summary>
internal static class StorageErrors
{
    /// <summary>The app's storage retry budget: short, so an unreachable account is reported in seconds.</summary>
    public static T WithShortRetry<T>(T options)
        where T : ClientOptions
    {
        options.Retry.Mode = RetryMode.Exponential;
        options.Retry.MaxRetries = 3;
        options.Retry.Delay = TimeSpan.FromMilliseconds(200);
        options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(30);
        return options;
    }

    /// <summary>One line for a storage failure (the SDK's own messages span many lines); null for other exceptions.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        RequestFailedException failed => FirstLine(failed.Message),
        AggregateException { InnerExceptions: [RequestFailedException last, ..] } all =>
            $"storage did not answer after {all.InnerExceptions.Count} tries: {FirstLine(last.Message)}",
        _ => null,
    };

    private static string FirstLine(string message)
    {
        var end = message.IndexOfAny(['\r', '\n']);
        return end < 0 ? message : message[..end];
    }
}
