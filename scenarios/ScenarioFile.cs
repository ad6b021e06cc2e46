using System.Collections.Immutable;
using Bulwark.Scenarios.Yaml;

namespace Bulwark.Scenarios;

/// <summary>
/// Loads exercise files (<c>scenarios/README.md</c>, "Exercises"): all or nothing, every error
/// located as <c>file:line:column</c> — errors inside an included topology in that file.
/// </summary>
public static class ScenarioFile
{
    /// <summary>Reads and validates the exercise file at <paramref name="path"/>; <c>include</c> paths are relative to its directory.</summary>
    public static LoadResult<ScenarioSet> Load(string path)
    {
        if (!SourceFile.TryRead(path, out var text, out var problem))
        {
            return new(null, [problem!]);
        }
        return Parse(text, path, Path.GetDirectoryName(path) ?? "");
    }

    /// <summary>
    /// Validates exercise <paramref name="text"/>; <paramref name="file"/> names it in diagnostics.
    /// <c>include</c> paths are relative to <paramref name="baseDirectory"/>, by default the
    /// directory part of <paramref name="file"/> (the current directory when it has none).
    /// </summary>
    public static LoadResult<ScenarioSet> Parse(string text, string file, string? baseDirectory = null)
    {
        var r = new YamlReader(file);
        var set = new ScenarioReader(r, baseDirectory ?? Path.GetDirectoryName(file) ?? "").Read(text);
        // The base and each variant are checked alike, so a problem they share is found more than once.
        var diagnostics = r.Diagnostics
            .Distinct()
            .OrderBy(d => d.File == file ? 0 : 1)
            .ThenBy(d => d.File, StringComparer.Ordinal)
            .ThenBy(d => d.Line)
            .ThenBy(d => d.Column)
            .ToImmutableArray();
        return diagnostics.IsEmpty && set is not null ? new(set, []) : new(null, diagnostics);
    }
}
