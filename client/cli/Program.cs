using System.Runtime.InteropServices;
using Bulwark.Cli;

// SIGTERM ends a command as Ctrl-C does: following a run or the posture stream stops, and the
// process exits (143, as a shell reports a process ended by SIGTERM). Without this, the Orleans
// client's host took the signal for itself and the command went on polling.
using var terminated = new CancellationTokenSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    terminated.Cancel();
});
var code = await Cli.RunAsync(args, Console.Out, Console.Error, terminated.Token);
return terminated.IsCancellationRequested ? 143 : code;
