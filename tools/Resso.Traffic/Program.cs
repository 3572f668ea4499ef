using Resso.Traffic.Cli;

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops sending and prints the summary; a second one ends the process.
    if (!cancellation.IsCancellationRequested)
    {
        e.Cancel = true;
        cancellation.Cancel();
    }
};

var command = new TrafficCommand(Console.Out, Console.Error, TimeProvider.System)
{
    InteractiveProgress = !Console.IsErrorRedirected,
};
return await command.RunAsync(args, cancellation.Token);
