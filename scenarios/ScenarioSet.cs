using System.Collections.Immutable;

namespace Bulwark.Scenarios;

/// <summary>
/// A loaded exercise file: the base scenario and each of its variants, every one resolved to a
/// full, validated <see cref="ScenarioDefinition"/>.
/// </summary>
/// <param name="Base">The scenario as written, with <see cref="ScenarioDefinition.Variant"/> null.</param>
/// <param name="Variants">The variants by name (ordinal order); each has its name in <see cref="ScenarioDefinition.Variant"/>.</param>
public sealed record ScenarioSet(ScenarioDefinition Base, ImmutableSortedDictionary<string, ScenarioDefinition> Variants)
{
    /// <summary>
    /// <see cref="Base"/> when <paramref name="variant"/> is null, else the named variant.
    /// Throws <see cref="ArgumentException"/> naming the variants there are when there is no such variant.
    /// </summary>
    public ScenarioDefinition Get(string? variant)
    {
        if (variant is null)
        {
            return Base;
        }
        if (Variants.TryGetValue(variant, out var definition))
        {
            return definition;
        }
        var known = Variants.IsEmpty ? "no variants" : string.Join(", ", Variants.Keys);
        throw new ArgumentException($"unknown variant '{variant}'; the scenario has: {known}", nameof(variant));
    }
}
