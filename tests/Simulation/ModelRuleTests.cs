using Bulwark.Grains.Simulation;
using Bulwark.Scenarios;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// The model's rules on small scenarios where every chance is 0 or 1 and every delay fixed, so
/// each journal line and metric is known in advance.
/// </summary>
public sealed class ModelRuleTests
{
    private const string Header = """
        name: rule
        seed: 1
        duration: 1h
        tick: 1m
        """;

    // Two nodes of one segment, both exposed to T1190 with exploitability 1 and never detected.
    private const string Pair = """
        topology:
          domains:
            - id: A
              kind: nation
              segments:
                - id: s
                  sector: government
                  nodes:
                    - {id: a, kind: server, owner: military, detection: 0, exposures: [{technique: T1190, exploitability: 1}]}
                    - {id: b, kind: server, owner: military, detection: 0, exposures: [{technique: T1190, exploitability: 1}]}
        adversary:
          spread-delay: {min: 10m, max: 10m}
        """;

    private static (RunReport Report, List<string> Lines) Run(string body, string? variant = null)
    {
        var scenario = ScenarioFile.Parse(Header + "\n" + body, "rule.yaml").GetValueOrThrow().Get(variant);
        var lines = new List<string>();
        var report = new ReferenceEngine(scenario).Run((_, tick) => lines.AddRange(tick.Select(l => l.ToString())));
        return (report, lines);
    }

    [Fact]
    public void Run_AttemptDueWhileTheSourceIsClean_IsMadeAfterItsNextCompromise()
    {
        var (_, lines) = Run(Pair + "\n" + """
            injects:
              - {id: c1, time: 0s, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
              - {id: r1, time: 5m, target: A/s/a, kind: restore}
              - {id: c2, time: 20m, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
            """);

        // The attempt due at 11 finds a restored; b was never tried, so a's second compromise tries it.
        Assert.DoesNotContain(lines, l => l.StartsWith("12 ", StringComparison.Ordinal));
        Assert.Equal([
            "1 A/s spread A/s/a attempts=1",
            "21 A/s spread A/s/a attempts=1",
            "32 A/s/b compromised T1190 by A/s/a",
            "33 A/s spread A/s/b attempts=1",
            // b's attempt on a, which is still compromised: not a defence.
            "44 A/s/a already-compromised T1190 from A/s/b",
        ], lines.Where(l => l.Contains(" spread ", StringComparison.Ordinal) || l.Contains("A/s/b compromised", StringComparison.Ordinal)
            || l.Contains("already-compromised", StringComparison.Ordinal) || l.Contains("repelled", StringComparison.Ordinal)));
    }

    [Fact]
    public void Run_SourceIsolatedByControllers_DoesNotSpread()
    {
        var (report, lines) = Run(Pair + "\n" + """
            injects:
              - {id: c1, time: 0s, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
              - {id: iso, time: 1m, target: A/s/a, kind: isolate}
            """);

        Assert.DoesNotContain(lines, l => l.Contains("A/s/b compromised", StringComparison.Ordinal));
        Assert.Equal(1, report.Alliance.TotalCompromised);
    }

    [Fact]
    public void Run_SourceDownWhenItsAttemptIsDue_AttacksWhenItComesBack()
    {
        var (_, lines) = Run(Pair + "\n" + """
            injects:
              - {id: c1, time: 0s, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
              - {id: w1, time: 1m, target: A/s/a, kind: wiper, parameters: {duration: 30m}}
            """);

        // Due at 11 while a is wiped (1 to 31); made when the wipe ends, landing a tick later.
        Assert.Equal([
            "31 A/s/a disruption-ended wiper inject:w1",
            "31 A/s/a status down->compromised operational=yes",
            "32 A/s/b compromised T1190 by A/s/a",
        ], lines.Where(l => l.StartsWith("31 ", StringComparison.Ordinal) || l.StartsWith("32 A/s/b compromised", StringComparison.Ordinal)));
    }

    [Fact]
    public void Run_RestoreBetweenCompromises_ContainsTheSecondAfterItsOwnDelay()
    {
        var (report, lines) = Run("""
            topology:
              domains:
                - id: A
                  kind: nation
                  segments:
                    - id: s
                      sector: government
                      nodes:
                        - {id: a, kind: server, owner: military, detection: 1}
            playbooks:
              default: {contain-after: 10m, recover-after: 4h, raise-alert-on-indicator: false}
            injects:
              - {id: c1, time: 0s, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
              - {id: r1, time: 5m, target: A/s/a, kind: restore}
              - {id: c2, time: 8m, target: A/s/a, kind: compromise, parameters: {technique: T1078}}
            """);

        // The containment scheduled for the first compromise (at 11) does nothing to the second.
        Assert.Equal(["1 A/s/a detected T1190", "9 A/s/a detected T1078", "19 A/s/a contained T1078"],
            lines.Where(l => l.Contains("A/s/a detected ", StringComparison.Ordinal) || l.Contains("A/s/a contained ", StringComparison.Ordinal)));
        // Isolated from 19 to the end at 60: 41 minutes of one node of weight 1.
        Assert.Equal(41.0 / 60, report.Alliance.ResilienceLossHours, 12);
        Assert.Equal(11.0 / 60, report.Alliance.MttcHours!.Value, 12);
    }

    [Fact]
    public void Run_RestoreOfAContainedNode_LeavesThePeakRight()
    {
        var (report, _) = Run("""
            topology:
              domains:
                - id: A
                  kind: nation
                  segments:
                    - id: s
                      sector: government
                      nodes:
                        - {id: a, kind: server, owner: military, detection: 1}
                        - {id: b, kind: server, owner: military, detection: 0}
                        - {id: c, kind: server, owner: military, detection: 0}
            playbooks:
              default: {contain-after: 1m, recover-after: 1h}
            injects:
              - {id: ca, time: 0s, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
              - {id: ra, time: 5m, target: A/s/a, kind: restore}
              - {id: ca2, time: 7m, target: A/s/a, kind: compromise, parameters: {technique: T1078}}
              - {id: cb, time: 10m, target: A/s/b, kind: compromise, parameters: {technique: T1190}}
              - {id: cc, time: 10m, target: A/s/c, kind: compromise, parameters: {technique: T1190}}
            """);

        // a: contained at 2, restored at 5 (no longer counted twice), compromised again at 7 and
        // contained at 9; b and c from 10 on. Three nodes were compromised, a twice.
        Assert.Equal((2, 3), (report.Alliance.PeakCompromised, report.Alliance.TotalCompromised));
    }

    [Fact]
    public void Run_DomainThatHeardOfATechnique_StillSharesItsOwnDetection()
    {
        var (report, lines) = Run("""
            topology:
              domains:
                - id: B
                  kind: nation
                  sharing: [{partner: A, delay: 1m}]
                  segments:
                    - {id: s, sector: government, nodes: [{id: b1, kind: server, owner: military, detection: 1}]}
                - id: A
                  kind: nation
                  sharing: [{partner: C, delay: 1m}]
                  segments:
                    - {id: s, sector: government, nodes: [{id: a1, kind: server, owner: military, detection: 1}]}
                - id: C
                  kind: nation
                  segments:
                    - {id: s, sector: government, nodes: [{id: c1, kind: server, owner: military, detection: 0}]}
            playbooks:
              default: {contain-after: 1h, recover-after: 1h, raise-alert-on-indicator: false}
            injects:
              - {id: cb, time: 0s, target: B/s/b1, kind: compromise, parameters: {technique: T1190}}
              - {id: ca, time: 10m, target: A/s/a1, kind: compromise, parameters: {technique: T1190}}
            """);

        Assert.Equal([
            "2 B indicator T1190 detected on B/s/b1",
            "2 B shared T1190 with A+1(amber)",
            "3 A indicator T1190 shared by B",
            "12 A shared T1190 with C+1(amber)",
            "13 C indicator T1190 shared by A",
        ], lines.Where(l => l.Contains(" indicator ", StringComparison.Ordinal) || l.Contains(" shared ", StringComparison.Ordinal)));
        // Propagation from the first detection (at 1): A at 3, C at 13.
        Assert.Equal(12.0 / 60, report.Alliance.IndicatorPropagationMaxHours!.Value, 12);
    }

    [Theory]
    [InlineData("red", false)]
    [InlineData("amber-strict", false)]
    [InlineData("amber", true)]
    [InlineData("green", true)]
    [InlineData("clear", true)]
    public void Run_HubReceivingUnderTlp_PassesOnOnlyWhatTheLabelAllows(string tlp, bool passedOn)
    {
        var (report, lines) = Run($$$"""
            topology:
              domains:
                - id: X
                  kind: nation
                  sharing: [{partner: N, delay: 1m, tlp: {{{tlp}}}}]
                  segments:
                    - {id: s, sector: government, nodes: [{id: x1, kind: server, owner: military, detection: 1}]}
                - id: N
                  kind: nato-enterprise
                  sharing: [{partner: Y, delay: 1m, tlp: clear}]
                  segments:
                    - {id: s, sector: military, nodes: [{id: n1, kind: server, owner: military}]}
                - id: Y
                  kind: nation
                  segments:
                    - {id: s, sector: government, nodes: [{id: y1, kind: server, owner: military}]}
            playbooks:
              default: {contain-after: 1h, recover-after: 1h, raise-alert-on-indicator: false}
            injects:
              - {id: cx, time: 0s, target: X/s/x1, kind: compromise, parameters: {technique: T1190}}
            """);

        var label = tlp == "red" ? "RED" : "AMBER+STRICT";
        Assert.Equal(passedOn
            ? ["3 N indicator T1190 shared by X", $"3 N shared T1190 with Y+1({tlp})", "4 Y indicator T1190 shared by N"]
            : ["3 N indicator T1190 shared by X", $"3 N withheld T1190 received from X under TLP:{label}: not passed on"],
            lines.Where(l => l.StartsWith("3 N ", StringComparison.Ordinal) || l.StartsWith("4 ", StringComparison.Ordinal)));
        // The report's timeline shows what was held back.
        Assert.Equal(passedOn ? 0 : 1, report.Timeline.Count(e => e.Kind == "withheld"));
    }

    [Fact]
    public void Run_LossExactlyAtItsLimit_PassesTheObjective()
    {
        var (report, _) = Run("""
            topology:
              domains:
                - id: P
                  kind: nation
                  segments:
                    - id: energy
                      sector: energy
                      nodes:
                        - {id: p, kind: power-substation, owner: civilian, criticality: 1}
                        - {id: q, kind: server, owner: civilian, criticality: 1, depends: [{all-of: [p]}]}
                - id: M
                  kind: nation
                  segments:
                    - id: mil
                      sector: military
                      nodes:
                        - {id: r, kind: server, owner: military, criticality: 2, depends: [{all-of: [P/energy/q]}]}
            injects:
              - {id: rw, time: 0s, target: P/energy/p, kind: ransomware, parameters: {duration: 10m}}
            objectives:
              - {id: loss, check: alliance resilience loss <= 10m}
              - {id: energy, check: no node of sector energy down longer than 10m}
              - {id: back, check: M recovers to 95% within 10m}
            """);

        // Weight 4: p down 0–10, q degraded 1–11, r degraded 2–12: 10 + 10 + 20 = 40 weight-minutes, 10 minutes.
        Assert.Equal(10.0 / 60, report.Alliance.ResilienceLossHours, 15);
        Assert.Equal([("loss", true), ("energy", true), ("back", true)], report.Objectives.Select(o => (o.Id, o.Passed)));
    }

    [Fact]
    public void Run_ShortDipThenDeeperFall_RecoversOnlyWhenBackForGood()
    {
        var (report, _) = Run("""
            topology:
              domains:
                - id: A
                  kind: nation
                  segments:
                    - id: one
                      sector: government
                      nodes: [{id: n1, kind: server, owner: civilian}]
                    - id: two
                      sector: government
                      nodes: [{id: n2, kind: server, owner: civilian}, {id: n3, kind: server, owner: civilian}]
                    - id: rest
                      sector: government
                      nodes:
                        - {id: n4, kind: server, owner: civilian}
                        - {id: n5, kind: server, owner: civilian}
                        - {id: n6, kind: server, owner: civilian}
                        - {id: n7, kind: server, owner: civilian}
                        - {id: n8, kind: server, owner: civilian}
                        - {id: n9, kind: server, owner: civilian}
                        - {id: n10, kind: server, owner: civilian}
            injects:
              - {id: blip, time: 0s, target: A/one, kind: ddos, parameters: {duration: 5m}}
              - {id: fall, time: 10m, target: A/two, kind: ransomware, parameters: {duration: 20m}}
            objectives:
              - {id: back20, check: A recovers to 95% within 20m}
              - {id: back30, check: A recovers to 95% within 30m}
            """);

        // Q is 0.9 from 0 to 5 and 0.8 from 10 to 30: back for good at 30, not at 5.
        var a = report.Domains.Single(d => d.Scope == "A");
        Assert.Equal((0.5, true), (a.TimeToRecover95Hours!.Value, a.Recovered95));
        Assert.Equal([("back20", false, "recovered to 95% in 0.5 h"), ("back30", true, "recovered to 95% in 0.5 h")],
            report.Objectives.Select(o => (o.Id, o.Passed, o.Actual)));
    }

    [Fact]
    public void Run_AttemptOfARestoredCompromise_IsNotMadeByTheNext()
    {
        var (_, lines) = Run("""
            topology:
              domains:
                - id: A
                  kind: nation
                  segments:
                    - id: s
                      sector: government
                      nodes:
                        - {id: a, kind: server, owner: military, detection: 0, exposures: [{technique: T1190, exploitability: 1}, {technique: T1078, exploitability: 1}]}
                        - {id: b, kind: server, owner: military, detection: 0, exposures: [{technique: T1190, exploitability: 1}]}
            adversary:
              spread-delay: {min: 10m, max: 10m}
            injects:
              - {id: c1, time: 0s, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
              - {id: r1, time: 5m, target: A/s/a, kind: restore}
              - {id: c2, time: 8m, target: A/s/a, kind: compromise, parameters: {technique: T1078}}
            """);

        // The T1190 attempt due at 11 belonged to the restored compromise; the second one's tool set (T1078) finds b not exposed.
        Assert.Equal(["1 A/s spread A/s/a attempts=1", "9 A/s spread A/s/a attempts=0"],
            lines.Where(l => l.Contains(" spread ", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines, l => l.Contains("A/s/b compromised", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("3m20s", true)]
    [InlineData("3m19s", false)]
    public void Run_LossAThirdOfAMinuteOff_IsJudgedExactly(string limit, bool passed)
    {
        var (report, _) = Run($$$"""
            topology:
              domains:
                - id: P
                  kind: nation
                  segments:
                    - id: energy
                      sector: energy
                      nodes: [{id: p, kind: server, owner: civilian}, {id: q, kind: server, owner: civilian}, {id: r, kind: server, owner: civilian}]
            injects:
              - {id: rw, time: 0s, target: P/energy/p, kind: ransomware, parameters: {duration: 10m}}
            objectives:
              - {id: loss, check: alliance resilience loss <= {{{limit}}}}
            """);

        // One of three equal nodes down for 10 minutes: 200 seconds of loss.
        Assert.Equal(passed, Assert.Single(report.Objectives).Passed);
    }

    [Fact]
    public void Run_RestrictedCopyAfterTheHubPassedTheTechniqueOn_IsStillJournalledWithheld()
    {
        var (_, lines) = Run("""
            topology:
              domains:
                - id: A
                  kind: nation
                  sharing: [{partner: N, delay: 1m, tlp: green}]
                  segments:
                    - {id: s, sector: government, nodes: [{id: a1, kind: server, owner: military, detection: 1}]}
                - id: N
                  kind: nato-enterprise
                  sharing: [{partner: R, delay: 1m, tlp: amber}]
                  segments:
                    - {id: s, sector: military, nodes: [{id: n1, kind: server, owner: military}]}
                - id: R
                  kind: nation
                  sharing: [{partner: N, delay: 5m, tlp: red}]
                  segments:
                    - {id: s, sector: government, nodes: [{id: r1, kind: server, owner: military, detection: 1}]}
            playbooks:
              default: {contain-after: 1h, recover-after: 1h, raise-alert-on-indicator: false}
            injects:
              - {id: ca, time: 0s, target: A/s/a1, kind: compromise, parameters: {technique: T1190}}
              - {id: cr, time: 0s, target: R/s/r1, kind: compromise, parameters: {technique: T1190}}
            """);

        // N passes A's copy on to R under the stricter label (amber); R's own, sent to N under RED, is held back, and says so.
        Assert.Equal([
            "2 A shared T1190 with N+1(green)",
            "2 R shared T1190 with N+5(red)",
            "3 N shared T1190 with R+1(amber)",
            "7 N withheld T1190 received from R under TLP:RED: not passed on",
        ], lines.Where(l => l.Contains(" shared T", StringComparison.Ordinal) || l.Contains(" withheld ", StringComparison.Ordinal)));
    }

    [Fact]
    public void Run_PatchAndSecondCompromise_JournalOnlyWhatHappens()
    {
        var (_, lines) = Run("""
            topology:
              domains:
                - id: A
                  kind: nation
                  segments:
                    - id: s
                      sector: government
                      nodes:
                        - {id: a, kind: server, owner: military, detection: 0, exposures: [{technique: T1190, exploitability: 1}]}
                        - {id: plain, kind: server, owner: military}
            injects:
              - {id: p1, time: 0s, target: A/s, kind: patch, parameters: {technique: T1190}}
              - {id: c1, time: 1m, target: A/s/plain, kind: compromise, parameters: {technique: T1078}}
              - {id: c2, time: 2m, target: A/s/plain, kind: compromise, parameters: {technique: T1078}}
              - {id: c3, time: 2m, target: A/s/a, kind: compromise, parameters: {technique: T1190}}
            """);

        // Only the exposed node is patched; a second compromise of a compromised node and one of a patched technique say so.
        Assert.Equal([
            "0 A/s/a patched T1190",
            "1 A/s/plain compromised T1078 by inject:c1",
            "2 A/s/a repelled T1190 from inject:c3",
            "2 A/s/plain already-compromised T1078 from inject:c2",
        ], lines.Where(l => l.Contains(" patched ", StringComparison.Ordinal) || l.Contains(" compromised T", StringComparison.Ordinal)
            || l.Contains(" repelled ", StringComparison.Ordinal) || l.Contains("already-compromised", StringComparison.Ordinal)));
    }

    [Fact]
    public void Run_NodeDegradedByItsPower_IsOutOfActionButNotDown()
    {
        var (report, _) = Run("""
            topology:
              domains:
                - id: P
                  kind: nation
                  segments:
                    - id: energy
                      sector: energy
                      nodes:
                        - {id: p, kind: power-substation, owner: civilian}
                        - {id: q, kind: server, owner: civilian, depends: [{all-of: [p]}]}
                - id: M
                  kind: nation
                  segments:
                    - id: mil
                      sector: military
                      nodes:
                        - {id: r, kind: server, owner: military, depends: [{all-of: [P/energy/q]}]}
            injects:
              - {id: rw, time: 0s, target: P/energy/p, kind: ransomware, parameters: {duration: 10m}}
            objectives:
              - {id: mil-down, check: no node of sector military down longer than 1m}
              - {id: mil-out, check: no node of sector military out of action longer than 9m}
              - {id: energy-out, check: no node of sector energy out of action longer than 10m}
            """);

        // r is degraded from 2 to 12 through q, which is degraded from 1 to 11 through p, down from 0 to 10.
        Assert.Equal([
            ("mil-down", true, "no node down"),
            ("mil-out", false, "longest out of action 0.167 h (M/mil/r)"),
            ("energy-out", true, "longest out of action 0.167 h (P/energy/p)"),
        ], report.Objectives.Select(o => (o.Id, o.Passed, o.Actual)));
    }
}
