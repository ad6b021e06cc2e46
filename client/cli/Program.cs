using System.Runtime.InteropServices;
using Bulwark.Cli;

// SIGTERM ends a command as Ctrl-C does: following a run or the posture stream stops, a connection
// being made is given up, and the process exits (143, as a shell reports a process ended by
// SIGTERM). A command that does not stop on its own within a moment (checking a large file, say)
// is ended there. The token lives as long as the process: a signal may come at any point.
var terminated = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    terminated.Cancel();
    _ = Task.Delay(TimeSpan.FromSeconds(2)).ContinueWith(_ => Environment.Exit(143), TaskScheduler.Default);
});
var code = await Cli.RunAsync(args, Console.Out, Console.Error, terminated.Token);
return terminated.IsCancellationRequested ? 143 : code;
