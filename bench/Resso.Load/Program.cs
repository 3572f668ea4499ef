using Resso.Load.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the load and prints what was measured; a second one ends the process.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

return await new LoadCommand(Console.Out, Console.Error, TimeProvider.System).RunAsync(args, cancellation.Token);
