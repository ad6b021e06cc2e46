using System.Collections.Immutable;

namespace Bulwark.Scenarios;

/// <summary>A problem in a scenario or topology file, at a 1-based line and column.</summary>
public sealed record Diagnostic(string File, int Line, int Column, string Message)
{
    /// <summary><c>file:line:column: message</c>.</summary>
    public override string ToString() => $"{File}:{Line}:{Column}: {Message}";
}

/// <summary>The outcome of loading a file: a value when there were no diagnostics, else every diagnostic.</summary>
public sealed record LoadResult<T>(T? Value, ImmutableArray<Diagnostic> Diagnostics) where T : class
{
    /// <summary>True when the file loaded without errors.</summary>
    public bool Succeeded => Diagnostics.IsEmpty && Value is not null;

    /// <summary>The value, or a <see cref="ScenarioFileException"/> carrying every diagnostic.</summary>
    public T GetValueOrThrow() => Succeeded ? Value! : throw new ScenarioFileException(Diagnostics);
}

/// <summary>A file did not load; <see cref="Diagnostics"/> says every reason.</summary>
public sealed class ScenarioFileException(ImmutableArray<Diagnostic> diagnostics, string consequence = "nothing was loaded")
    : Exception(string.Join(Environment.NewLine, diagnostics))
{
    /// <summary>Every problem found, in file order.</summary>
    public ImmutableArray<Diagnostic> Diagnostics { get; } = diagnostics;

    /// <summary>What the problems kept from happening, said after them: <c>nothing was loaded</c>, <c>nothing was reported</c>.</summary>
    public string Consequence { get; } = consequence;
}

/// <summary>Reading a file whose failure is reported like any other problem in it.</summary>
public static class SourceFile
{
    /// <summary>The file's text, or a <c>file:1:1: cannot read the file: …</c> diagnostic.</summary>
    public static bool TryRead(string path, out string text, out Diagnostic? problem)
    {
        if (Directory.Exists(path))
        {
            // File.ReadAllText calls this "access denied".
            text = "";
            problem = new Diagnostic(path, 1, 1, "cannot read the file: it is a directory");
            return false;
        }
        try
        {
            text = File.ReadAllText(path);
            problem = null;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            text = "";
            problem = new Diagnostic(path, 1, 1, "cannot read the file: " + e.Message);
            return false;
        }
    }
}
