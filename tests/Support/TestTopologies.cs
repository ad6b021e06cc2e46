using Bulwark.Scenarios;

namespace Bulwark.Tests.Support;

/// <summary>Small topologies whose posture can be worked out by hand.</summary>
public static class TestTopologies
{
    /// <summary>grid needs feed and tel, tel needs grid: a cycle, fed from outside by feed.</summary>
    public const string Cycle = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: feed, kind: power-substation, owner: civilian}
                  - {id: grid, kind: scada, owner: civilian, depends: [{all-of: [feed, tel]}]}
                  - {id: tel, kind: router, owner: civilian, depends: [{all-of: [grid]}]}
        """;

    /// <summary>
    /// Two domains, seven nodes, total weight 22. A/mil/c2 (5) needs A/power/sub-1 (4) and either
    /// B cable (3 each); A/mil/ws (1) needs c2; B/telecom/router (2) needs A/power/sub-2 (4).
    /// </summary>
    public const string CrossDomain = """
        name: cross-domain
        domains:
          - id: A
            name: Alpha
            kind: nation
            segments:
              - id: power
                sector: energy
                nodes:
                  - {id: sub-1, kind: power-substation, owner: civilian, criticality: 4}
                  - {id: sub-2, kind: power-substation, owner: civilian, criticality: 4}
              - id: mil
                sector: military
                links: [power]
                nodes:
                  - id: c2
                    kind: server
                    owner: military
                    criticality: 5
                    depends:
                      - all-of: [power/sub-1]
                      - any-of: [B/telecom/cable-1, B/telecom/cable-2]
                  - {id: ws, kind: workstation, owner: military, criticality: 1, depends: [{all-of: [c2]}]}
          - id: B
            kind: industry
            segments:
              - id: telecom
                sector: telecom
                nodes:
                  - {id: cable-1, kind: cable, owner: industry, criticality: 3}
                  - {id: cable-2, kind: cable, owner: industry, criticality: 3}
                  - {id: router, kind: router, owner: industry, criticality: 2, depends: [{any-of: [A/power/sub-2]}]}
        """;

    /// <summary>
    /// A dependency cycle with a way out: power needs scada or backup, scada needs telecom,
    /// telecom needs power.
    /// </summary>
    public const string PowerCycle = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: power, kind: power-substation, owner: civilian, depends: [{any-of: [scada, backup]}]}
                  - {id: scada, kind: scada, owner: civilian, depends: [{all-of: [telecom]}]}
                  - {id: telecom, kind: router, owner: civilian, depends: [{all-of: [power]}]}
                  - {id: backup, kind: power-plant, owner: civilian}
        """;

    /// <summary>
    /// A cycle with no way out: a and b need each other, a also needs feed, ws needs b. Once feed
    /// has failed, nothing outside the cycle can restart it.
    /// </summary>
    public const string ClosedCycle = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: feed, kind: power-plant, owner: civilian, criticality: 2}
                  - {id: a, kind: power-substation, owner: civilian, criticality: 3, depends: [{all-of: [feed, b]}]}
                  - {id: b, kind: scada, owner: civilian, criticality: 4, depends: [{all-of: [a]}]}
                  - {id: ws, kind: workstation, owner: civilian, criticality: 1, depends: [{all-of: [b]}]}
        """;

    /// <summary>
    /// A cycle with a way out: a needs b, and b needs a or feed. With a and feed down, b is held
    /// down; a reported back is then held down by b until feed comes back and frees them both.
    /// </summary>
    public const string CycleWithWayOut = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: feed, kind: power-plant, owner: civilian, criticality: 2}
                  - {id: a, kind: power-substation, owner: civilian, criticality: 3, depends: [{all-of: [b]}]}
                  - {id: b, kind: scada, owner: civilian, criticality: 4, depends: [{any-of: [a, feed]}]}
        """;

    /// <summary>
    /// A cycle fed twice: a needs feed1, feed2 and b; b needs a. With both feeds down, a and b are
    /// down; with one back, a is still held down rightly; with both back, only the cycle holds it.
    /// </summary>
    public const string CycleFedTwice = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: feed1, kind: power-plant, owner: civilian, criticality: 2}
                  - {id: feed2, kind: power-plant, owner: civilian, criticality: 2}
                  - {id: a, kind: power-substation, owner: civilian, criticality: 3, depends: [{all-of: [feed1, feed2, b]}]}
                  - {id: b, kind: scada, owner: civilian, criticality: 4, depends: [{all-of: [a]}]}
        """;

    /// <summary>
    /// Two loops in one cycle: a needs feed and b, b needs a or d; c needs b, d needs c. Loop a-b is fed from outside,
    /// loop c-d only through b, and b can run on either loop.
    /// </summary>
    public const string TwoLoops = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: feed, kind: power-plant, owner: civilian}
                  - {id: a, kind: power-substation, owner: civilian, depends: [{all-of: [feed, b]}]}
                  - {id: b, kind: scada, owner: civilian, depends: [{any-of: [a, d]}]}
                  - {id: c, kind: router, owner: civilian, depends: [{all-of: [b]}]}
                  - {id: d, kind: server, owner: civilian, depends: [{all-of: [c]}]}
        """;

    /// <summary>A ring of five: each node needs the next, the last the first.</summary>
    public const string Ring = """
        domains:
          - id: A
            kind: nation
            segments:
              - id: s
                sector: energy
                nodes:
                  - {id: n1, kind: server, owner: civilian, depends: [{all-of: [n2]}]}
                  - {id: n2, kind: server, owner: civilian, depends: [{all-of: [n3]}]}
                  - {id: n3, kind: server, owner: civilian, depends: [{all-of: [n4]}]}
                  - {id: n4, kind: server, owner: civilian, depends: [{all-of: [n5]}]}
                  - {id: n5, kind: server, owner: civilian, depends: [{all-of: [n1]}]}
        """;

    public static TopologyDefinition Parse(string yaml) => TopologyFile.Parse(yaml, "test.yaml").GetValueOrThrow();

    public static string LibraryPath(string file = "alliance.topology.yaml") =>
        Path.Combine(AppContext.BaseDirectory, "library", file);

    public static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Bulwark.slnx")))
        {
            dir = dir.Parent;
        }
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found above " + AppContext.BaseDirectory);
    }
}
