using Resso.Traffic.Cli;
using Resso.Traffic.Sending;
using Resso.Traffic.Storage;

namespace Resso.Traffic.Tests;

/// <summary>Runs the command as a user would, capturing stdout and stderr.</summary>
internal sealed record Run(int ExitCode, string Output, string Error)
{
    public static async Task<Run> CommandAsync(
        IReadOnlyList<string> args,
        TimeProvider? time = null,
        Func<string, string, IStorageEmptinessProbe>? probe = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new TrafficCommand(output, error, time ?? TimeProvider.System)
        {
            HttpRetry = new HttpRetryOptions { BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) },
            BacklogPollInterval = TimeSpan.FromMilliseconds(50),
            DemoPollInterval = TimeSpan.FromMilliseconds(200),
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            Environment = name => environment?.GetValueOrDefault(name),
            EmptinessProbe = probe ?? ((_, _) => throw new InvalidOperationException("no probe in this test")),
        };
        var exitCode = await command.RunAsync(args, TestContext.Current.CancellationToken);
        return new Run(exitCode, output.ToString(), error.ToString());
    }
}

/// <summary>An emptiness check that answers as told and remembers what it was made with.</summary>
internal sealed class FakeProbe(bool empty) : IStorageEmptinessProbe
{
    public string? Connection { get; private set; }

    public string? Prefix { get; private set; }

    public int Checks { get; private set; }

    public string Description => "fake interactions";

    public Func<string, string, IStorageEmptinessProbe> Factory => (connection, prefix) =>
    {
        Connection = connection;
        Prefix = prefix;
        return this;
    };

    public Task<bool> IsEmptyAsync(CancellationToken cancellationToken = default)
    {
        Checks++;
        return Task.FromResult(empty);
    }
}
