namespace Bulwark.Cli;

/// <summary>
/// While it lives, Ctrl-C cancels <see cref="Token"/> instead of ending the process, so that a command
/// that follows or sends something can stop and say where it stood. The command's own token (SIGTERM)
/// cancels it too; <see cref="Pressed"/> tells the two apart.
/// </summary>
internal sealed class CtrlC : IDisposable
{
    private readonly CancellationTokenSource _stop;

    public CtrlC(CancellationToken command)
    {
        _stop = CancellationTokenSource.CreateLinkedTokenSource(command);
        Console.CancelKeyPress += OnCancel;
    }

    public CancellationToken Token => _stop.Token;

    /// <summary>Ctrl-C was pressed (or <see cref="CancelAsync"/> called, or the command's token cancelled).</summary>
    public bool IsCancellationRequested => _stop.IsCancellationRequested;

    /// <summary>Ctrl-C itself was pressed.</summary>
    public bool Pressed { get; private set; }

    /// <summary>Cancels <see cref="Token"/> as Ctrl-C would, for a command that stops itself.</summary>
    public Task CancelAsync() => _stop.CancelAsync();

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        e.Cancel = true;
        Pressed = true;
        Interlocked.Exchange(ref s_lastPress, System.Diagnostics.Stopwatch.GetTimestamp());
        _stop.Cancel();
    }

    public void Dispose()
    {
        if (Pressed)
        {
            // One Ctrl-C can arrive twice: `timeout -s INT` signals the command and its process group. The second must not
            // end with 130 a command that is winding down from the first; a Ctrl-C pressed later still ends the process.
            if (Volatile.Read(ref s_echo) is null)
            {
                var echo = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGINT, context =>
                {
                    if (System.Diagnostics.Stopwatch.GetElapsedTime(Interlocked.Read(ref s_lastPress)) < EchoWindow)
                    {
                        context.Cancel = true;
                    }
                });
                if (Interlocked.CompareExchange(ref s_echo, echo, null) is not null)
                {
                    echo.Dispose();
                }
            }
        }
        Console.CancelKeyPress -= OnCancel;
        _stop.Dispose();
    }

    /// <summary>How long after a Ctrl-C another SIGINT is taken for the same one.</summary>
    private static readonly TimeSpan EchoWindow = TimeSpan.FromSeconds(1);

    private static long s_lastPress;
    private static System.Runtime.InteropServices.PosixSignalRegistration? s_echo;
}
