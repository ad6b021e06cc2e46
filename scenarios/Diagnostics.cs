using System.Collections.Immutable;
using System.Globalization;
using System.Text;

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
    /// <summary>UTF-8 that refuses a byte sequence it cannot decode rather than putting U+FFFD in its place.</summary>
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The first byte that is not UTF-8, located by line and column (in characters) of the text before it.</summary>
    private static Diagnostic NotUtf8(string path, byte[] bytes)
    {
        var chars = new char[bytes.Length];
        System.Text.Unicode.Utf8.ToUtf16(bytes, chars, out var valid, out var written, replaceInvalidSequences: false);
        var before = chars.AsSpan(0, written);
        var line = 1 + before.Count('\n');
        var column = before.Length - (before.LastIndexOf('\n') + 1) + 1;
        return new Diagnostic(path, line, column,
            $"the file is not UTF-8: byte 0x{bytes[Math.Min(valid, bytes.Length - 1)]:X2} cannot be read; save the file as UTF-8");
    }

    /// <summary>The largest file read: far more than any topology or exercise, and millions of observations.</summary>
    public const int MaxBytes = 512 << 20;

    /// <summary>The file's text, or a <c>file:1:1: cannot read the file: …</c> diagnostic.</summary>
    /// <remarks>
    /// At most <see cref="MaxBytes"/> are read: a device given by mistake (<c>/dev/zero</c>) would otherwise be
    /// read until memory runs out.
    /// </remarks>
    public static bool TryRead(string path, out string text, out Diagnostic? problem) => TryRead(path, MaxBytes, out text, out problem);

    /// <summary>As <see cref="TryRead(string, out string, out Diagnostic?)"/>, reading at most <paramref name="maxBytes"/>.</summary>
    public static bool TryRead(string path, int maxBytes, out string text, out Diagnostic? problem)
    {
        text = "";
        if (Directory.Exists(path))
        {
            // File.ReadAllText calls this "access denied".
            problem = new Diagnostic(path, 1, 1, "cannot read the file: it is a directory");
            return false;
        }
        try
        {
            if (ReadAtMost(path, maxBytes) is not { } bytes)
            {
                problem = new Diagnostic(path, 1, 1, string.Create(CultureInfo.InvariantCulture, $"cannot read the file: it is larger than {maxBytes / (double)(1 << 20):0.##} MB"));
                return false;
            }
            try
            {
                text = Strict.GetString(bytes);
            }
            catch (DecoderFallbackException)
            {
                text = "";
                problem = NotUtf8(path, bytes);
                return false;
            }
            // A byte-order mark is not part of the text.
            if (text.Length > 0 && text[0] == '\uFEFF')
            {
                text = text[1..];
            }
            problem = null;
            return true;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            text = "";
            problem = new Diagnostic(path, 1, 1, "cannot read the file: there is no such file");
            return false;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            text = "";
            problem = new Diagnostic(path, 1, 1, "cannot read the file: " + e.Message);
            return false;
        }
    }

    /// <summary>The file's bytes, or null when it has more than <paramref name="limit"/>; a file that gives no length (a device) is read up to the limit.</summary>
    private static byte[]? ReadAtMost(string path, int limit)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        var known = stream.CanSeek ? stream.Length : 0;
        if (known > limit)
        {
            return null;
        }
        var buffer = new byte[known > 0 ? known + 1 : 1 << 16];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (buffer.Length > limit)
                {
                    return null;
                }
                Array.Resize(ref buffer, (int)Math.Min((long)buffer.Length * 2, limit + 1L));
            }
            var read = stream.Read(buffer, length, buffer.Length - length);
            if (read == 0)
            {
                break;
            }
            length += read;
        }
        if (length > limit)
        {
            return null;
        }
        Array.Resize(ref buffer, length);
        return buffer;
    }
}
