using System.Collections.Immutable;

namespace Bulwark;

/// <summary>A validated alliance topology: what a topology file describes, with every reference resolved to a full id.</summary>
/// <param name="Name">Optional display name.</param>
/// <param name="Domains">The domains, in file order.</param>
/// <remarks>Serialized as a <see cref="TopologyWire"/>.</remarks>
[Immutable]
public sealed record TopologyDefinition(string Name, ImmutableArray<DomainDefinition> Domains)
{
    /// <summary>Every node of every domain, in file order.</summary>
    public IEnumerable<NodeDefinition> AllNodes =>
        Domains.SelectMany(d => d.Segments).SelectMany(s => s.Nodes);

    /// <summary>Every segment of every domain, in file order.</summary>
    public IEnumerable<SegmentDefinition> AllSegments => Domains.SelectMany(d => d.Segments);
}

/// <summary>An allied domain: a nation, the NATO enterprise or an industry partner.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.domain-def")]
public sealed record DomainDefinition(
    string Id,
    string Name,
    DomainKind Kind,
    ImmutableArray<SegmentDefinition> Segments,
    ImmutableArray<SharingAgreement> Sharing);

/// <summary>A network segment; <see cref="Id"/> is the full id <c>DOM/seg</c>, links are full ids too.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.segment-def")]
public sealed record SegmentDefinition(
    string Id,
    Sector Sector,
    ImmutableArray<string> Links,
    ImmutableArray<NodeDefinition> Nodes);

/// <summary>An infrastructure node; <see cref="Id"/> and dependency members are full ids <c>DOM/seg/node</c>.</summary>
/// <param name="Id">Full id.</param>
/// <param name="Kind">What the node is.</param>
/// <param name="Owner">Who runs it.</param>
/// <param name="Criticality">1–5; its weight in capability. Default 3.</param>
/// <param name="Services">Services it provides.</param>
/// <param name="Dependencies">Groups that must all hold for the node to be operational.</param>
/// <param name="Exposures">ATT&amp;CK techniques it is exposed to.</param>
/// <param name="Detection">Chance per tick that a compromise is detected, 0–1. Default 0.1.</param>
/// <param name="Hardening">Scales exploitability down, 0–1. Default 0.</param>
[GenerateSerializer, Immutable, Alias("bulwark.node-def")]
public sealed record NodeDefinition(
    string Id,
    NodeKind Kind,
    Owner Owner,
    int Criticality,
    ImmutableArray<string> Services,
    ImmutableArray<DependencyGroup> Dependencies,
    ImmutableArray<Exposure> Exposures,
    double Detection,
    double Hardening)
{
    /// <summary>The exploitability of the node's first exposure to <paramref name="technique"/>; null if it is not exposed.</summary>
    public double? ExploitabilityOf(string technique)
    {
        foreach (var exposure in Exposures)
        {
            if (exposure.Technique == technique)
            {
                return exposure.Exploitability;
            }
        }
        return null;
    }
}

/// <summary>A group of dependencies: all of them, or any one of them, must be operational.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.dependency-group")]
public sealed record DependencyGroup(DependencyMode Mode, ImmutableArray<string> Nodes);

/// <summary>Exposure of a node to an ATT&amp;CK technique (<c>T1190</c>, <c>T1078.002</c>).</summary>
[GenerateSerializer, Immutable, Alias("bulwark.exposure")]
public sealed record Exposure(string Technique, double Exploitability);

/// <summary>A domain passes its indicators to <see cref="Partner"/> after <see cref="Delay"/>.</summary>
[GenerateSerializer, Immutable, Alias("bulwark.sharing")]
public sealed record SharingAgreement(string Partner, TimeSpan Delay, Tlp Tlp);
