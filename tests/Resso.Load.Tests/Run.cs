using Resso.Load.Cli;
using Resso.Load.Reporting;

namespace Resso.Load.Tests;

/// <summary>Runs the command as a user would, capturing stdout and stderr.</summary>
internal sealed record Run(int ExitCode, string Output, string Error)
{
    public static readonly MachineInfo TestMachine = new(2, "Test CPU", "Test OS", ".NET test", "X64", "workstation GC");

    public static async Task<Run> CommandAsync(IReadOnlyList<string> args, string? workingDirectory = null, CancellationToken cancellationToken = default)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var command = new LoadCommand(output, error, TimeProvider.System)
        {
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
            Machine = () => TestMachine,
        };
        var exitCode = await command.RunAsync(args, cancellationToken == default ? TestContext.Current.CancellationToken : cancellationToken);
        return new Run(exitCode, output.ToString(), error.ToString());
    }
}
