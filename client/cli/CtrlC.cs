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
        _stop.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _stop.Dispose();
    }
}
