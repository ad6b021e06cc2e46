using System.Collections.Immutable;
using Bulwark.Client;
using Bulwark.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Bulwark.Tests.Live;

public sealed class ObservationBatchTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    private static readonly Serializer Serializer = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(ObservationBatch).Assembly))
        .BuildServiceProvider().GetRequiredService<Serializer>();

    [Fact]
    public void Wire_RoundTrip_KeepsEveryValue_AndMissingArrays()
    {
        var batch = ObservationBatch.From(
        [
            new Observation("A/mil/c2", NodeStatus.Compromised, T0.ToOffset(TimeSpan.FromHours(2)), "T1190", "soc-a"),
            new Observation("B/telecom/router", NodeStatus.Down, T0.AddMinutes(1), null, null),
        ]);
        var incomplete = new ObservationBatch(["A/mil/c2"], default, []);

        var back = Serializer.Deserialize<ObservationBatch>(Serializer.SerializeToArray(batch))!;
        var backIncomplete = Serializer.Deserialize<ObservationBatch>(Serializer.SerializeToArray(incomplete))!;

        Assert.Equal(batch.Nodes, back.Nodes);
        Assert.Equal(batch.Labels, back.Labels);
        Assert.Equal(batch.Items, back.Items);
        Assert.Equal(TimeSpan.FromHours(2), back.Items[0].Time.Offset);
        Assert.True(backIncomplete.Labels.IsDefault);
        Assert.Equal(["the batch is incomplete"], backIncomplete.Problems());
    }

    [Fact]
    public void From_RepeatedNodesAndLabels_StoredOnceAndReadBackWhole()
    {
        Observation[] observations =
        [
            new("A/mil/c2", NodeStatus.Compromised, T0, "T1190", "soc"),
            new("B/telecom/router", NodeStatus.Down, T0.AddMinutes(1), null, "soc"),
            new("A/mil/c2", NodeStatus.Detected, T0.AddMinutes(2), "T1190", null),
        ];

        var batch = ObservationBatch.From(observations);

        Assert.Equal(["A/mil/c2", "B/telecom/router"], batch.Nodes);
        Assert.Equal(["T1190", "soc"], batch.Labels);
        Assert.Equal(new ObservationItem(0, NodeStatus.Detected, T0.AddMinutes(2), 0, ObservationItem.None), batch.Items[2]);
        Assert.Equal(observations, Enumerable.Range(0, batch.Count).Select(i => batch[i]));
        Assert.Empty(batch.Problems());
    }

    [Fact]
    public void Problems_EveryKind_NamedByObservationNumber()
    {
        var batch = new ObservationBatch(["A/mil/c2", "A/mil"], ["T1190", "TX", "soc"],
        [
            new(0, NodeStatus.Down, T0, 0, 2),
            new(1, NodeStatus.Down, T0, ObservationItem.None, ObservationItem.None),
            new(0, (NodeStatus)42, T0, ObservationItem.None, ObservationItem.None),
            new(0, NodeStatus.Down, T0, 1, ObservationItem.None),
            new(2, NodeStatus.Down, T0, ObservationItem.None, ObservationItem.None),
            new(0, NodeStatus.Down, T0, 3, ObservationItem.None),
            new(0, NodeStatus.Down, T0, ObservationItem.None, -2),
        ]);

        Assert.Equal(
        [
            "observation 2: 'A/mil' is not a node id (DOM/segment/node, parts of letters, digits and '-', at most 64 characters)",
            "observation 3: status 42 is not one of healthy, compromised, detected, isolated, degraded, down, recovering",
            "observation 4: 'TX' is not an ATT&CK technique id (T1234 or T1234.001)",
            "observation 5: node index 2 is outside the batch's 2 nodes",
            "observation 6: technique index 3 is outside the batch's 3 labels",
            "observation 7: source index -2 is outside the batch's 3 labels",
        ], batch.Problems());

        var escape = ObservationBatch.From([new Observation("A/mil/c2", NodeStatus.Down, T0, null, "soc\u001b[2J"),
            new Observation("A/mil/c2", NodeStatus.Down, T0, null, new string('s', 201)),
            new Observation("A/mil/c2", NodeStatus.Down, T0, null, "  "),
            new Observation("A/mil/" + new string('n', 100_000), NodeStatus.Down, T0)]);
        Assert.Equal(
        [
            "observation 1: source has a control character (a line break, a tab, an escape or a direction override)",
            "observation 2: source is 201 characters long, more than 200",
            "observation 3: source is blank; leave it out for the reporter's default",
            "observation 4: 'A/mil/" + new string('n', 54) + "… (100,006 characters)' is not a node id (DOM/segment/node, parts of letters, digits and '-', at most 64 characters)",
        ], escape.Problems());
    }

    public static TheoryData<string> OneFault() =>
    [
        "node id", "node listed twice", "node index", "status", "technique id", "technique index", "source index", "incomplete",
        "source with a line break", "source too long",
    ];

    [Theory]
    [MemberData(nameof(OneFault))]
    public void IsValid_FalseExactlyWhenProblemsAreFound(string fault)
    {
        ImmutableArray<string> nodes = fault switch
        {
            "node id" => ["A/mil"],
            "node listed twice" => ["A/mil/c2", "A/mil/c2"],
            "incomplete" => default,
            _ => ["A/mil/c2"],
        };
        ImmutableArray<string> labels = [fault == "technique id" ? "TX" : "T1190", fault switch
        {
            "source with a line break" => "soc\n2026-11-27T00:00:00Z  A/mil/c2  down -> healthy",
            "source too long" => new string('s', ObservationRules.MaxSourceLength + 1),
            _ => "soc",
        }];
        var item = fault switch
        {
            "node index" => new ObservationItem(1, NodeStatus.Down, T0, 0, 1),
            "node listed twice" => new ObservationItem(1, NodeStatus.Down, T0, 0, 1),
            "status" => new ObservationItem(0, (NodeStatus)7, T0, 0, 1),
            "technique index" => new ObservationItem(0, NodeStatus.Down, T0, 2, 1),
            "source index" => new ObservationItem(0, NodeStatus.Down, T0, 0, -2),
            _ => new ObservationItem(0, NodeStatus.Down, T0, 0, 1),
        };
        var bad = new ObservationBatch(nodes, labels, [item]);
        var good = new ObservationBatch(["A/mil/c2"], ["T1190", "soc"], [new ObservationItem(0, NodeStatus.Recovering, T0, 0, 1)]);

        Assert.False(bad.IsValid());
        Assert.Single(bad.Problems());
        Assert.True(good.IsValid());
        Assert.Empty(good.Problems());
    }

    [Fact]
    public void IsValid_AgreesWithProblems_ForANodeWithoutObservations_AndATechniqueUsedAgain()
    {
        // A bad node id without observations is not a problem (nothing is reported of it).
        var unused = new ObservationBatch(["A/mil"], ["T1190"], []);
        // The second use of a bad technique is found from the first one's check.
        var again = new ObservationBatch(["A/mil/c2"], ["TX"],
            [new(0, NodeStatus.Compromised, T0, ObservationItem.None, ObservationItem.None), new(0, NodeStatus.Compromised, T0, 0, ObservationItem.None),
             new(0, NodeStatus.Detected, T0, 0, ObservationItem.None)]);

        Assert.Equal((true, 0), (unused.IsValid(), unused.Problems().Count));
        Assert.Equal((false, 2), (again.IsValid(), again.Problems().Count));
    }

    [Fact]
    public void ThrowIfAhead_NamesEveryObservationPastTheTolerance_ZeroChecksNothing()
    {
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var batch = ObservationBatch.From(
        [
            new Observation("A/mil/c2", NodeStatus.Down, now.AddMinutes(59)),
            new Observation("A/mil/c2", NodeStatus.Down, now.AddDays(2).AddMinutes(3).AddSeconds(30.5)),
            new Observation("A/mil/ws", NodeStatus.Down, now.AddHours(1).AddSeconds(1).ToOffset(TimeSpan.FromHours(2))),
        ]);

        var error = Assert.Throws<InvalidRequestException>(() => Bulwark.Grains.Live.ObservationClock.ThrowIfAhead(batch, now, TimeSpan.FromHours(1)));

        Assert.Equal("observation 2: time 2026-11-29T12:03:30Z is 2d3m31s ahead of the silo's clock (2026-11-27T12:00:00Z); "
            + "observation 3: time 2026-11-27T13:00:01Z is 1h1s ahead of the silo's clock (2026-11-27T12:00:00Z); "
            + "reports more than 1h ahead are refused, since a node's newest report sets its status (setting Bulwark:Live:FutureTolerance)", error.Message);
        Bulwark.Grains.Live.ObservationClock.ThrowIfAhead(batch, now, TimeSpan.Zero);
        Bulwark.Grains.Live.ObservationClock.ThrowIfAhead(batch, now, TimeSpan.FromDays(3));
        // A tolerance of ten thousand years cannot overflow the check.
        Bulwark.Grains.Live.ObservationClock.ThrowIfAhead(batch, now, TimeSpan.FromDays(3_650_000));
        // Just past the tolerance reads as past it, not as equal to it.
        var justPast = Assert.Throws<InvalidRequestException>(() => ObservationRules.ThrowIfAhead([now.AddHours(1).AddMilliseconds(500)], now, TimeSpan.FromHours(1)));
        Assert.StartsWith("observation 1: time 2026-11-27T13:00:00Z is 1h1s ahead", justPast.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_NodeListedTwice_Named()
    {
        var batch = new ObservationBatch(["A/mil/c2", "A/mil/c2"], [],
            [new(0, NodeStatus.Down, T0, ObservationItem.None, ObservationItem.None), new(1, NodeStatus.Down, T0, ObservationItem.None, ObservationItem.None)]);

        Assert.Equal(["observation 2: node 'A/mil/c2' is listed more than once in the batch's nodes"], batch.Problems());
    }

    [Fact]
    public void From_MissingNodeId_NamedAsNotANodeId()
    {
        var batch = ObservationBatch.From([new Observation(null!, NodeStatus.Down, T0)]);

        Assert.Equal(["observation 1: '' is not a node id (DOM/segment/node, parts of letters, digits and '-', at most 64 characters)"], batch.Problems());
    }

    [Fact]
    public void Part_TakesOnlyTheLabelsItsObservationsUse()
    {
        var batch = ObservationBatch.From(
        [
            new Observation("A/mil/c2", NodeStatus.Compromised, T0, "T1190", "soc-a"),
            new Observation("B/telecom/router", NodeStatus.Detected, T0.AddMinutes(1), "T1566", "soc-b"),
            new Observation("A/mil/c2", NodeStatus.Detected, T0.AddMinutes(2), "T1190", null),
        ]);

        var part = batch.Part(["B/telecom/router"], [-1, 0], [batch.Items[1]]);

        Assert.Equal(["B/telecom/router"], part.Nodes);
        Assert.Equal(["T1566", "soc-b"], part.Labels);
        Assert.Equal(new Observation("B/telecom/router", NodeStatus.Detected, T0.AddMinutes(1), "T1566", "soc-b"), part[0]);
        Assert.Empty(part.Problems());
    }

    [Fact]
    public void ByNode_OnePartPerNode_InOrder_SizedExactly_SharingTheLabels()
    {
        var batch = ObservationBatch.From(
        [
            new Observation("A/mil/c2", NodeStatus.Compromised, T0, "T1190", "soc-a"),
            new Observation("B/telecom/router", NodeStatus.Detected, T0.AddMinutes(1), "T1566", "soc-b"),
            new Observation("A/mil/c2", NodeStatus.Detected, T0.AddMinutes(2), "T1190", null),
        ]);

        var parts = batch.ByNode();

        Assert.Equal(2, parts.Length);
        Assert.Equal(["A/mil/c2"], parts[0].Nodes);
        Assert.Equal([batch[0], batch[2]], Enumerable.Range(0, parts[0].Count).Select(i => parts[0][i]));
        Assert.Equal(["B/telecom/router"], parts[1].Nodes);
        Assert.Equal([batch[1]], Enumerable.Range(0, parts[1].Count).Select(i => parts[1][i]));
        Assert.True(parts[0].Labels == batch.Labels, "a part of a batch with few labels shares its label table");
        Assert.All(parts, p => Assert.Empty(p.Problems()));
    }

    [Fact]
    public void ByNode_ManyLabels_EachPartGetsOnlyItsOwn_AndANodeWithoutObservationsGetsAnEmptyPart()
    {
        var observations = Enumerable.Range(0, ObservationBatch.SharedLabels + 1)
            .Select(i => new Observation(i == 0 ? "B/telecom/router" : "A/mil/c2", NodeStatus.Detected, T0.AddMinutes(i), $"T{1000 + i}", null))
            .ToArray();
        var full = ObservationBatch.From(observations);
        var batch = full with { Nodes = full.Nodes.Add("C/power/sub") };

        var parts = batch.ByNode();

        Assert.Equal(3, parts.Length);
        Assert.Equal(["T1000"], parts[0].Labels);
        Assert.Equal(observations[0], parts[0][0]);
        Assert.Equal(ObservationBatch.SharedLabels, parts[1].Labels.Length);
        Assert.Equal(observations.Skip(1), Enumerable.Range(0, parts[1].Count).Select(i => parts[1][i]));
        Assert.Same(ObservationBatch.Empty, parts[2]);
    }

    [Fact]
    public void Tally_MoveAndReplace_EqualTheRecount()
    {
        var a = PostureTally.Of(NodeStatus.Healthy, true, 5);
        var b = PostureTally.Of(NodeStatus.Down, false, 3);
        var both = a.Plus(b);

        var moved = both.Move(NodeStatus.Healthy, true, 5, NodeStatus.Isolated, false, 5);
        var replaced = both.Replace(b, PostureTally.Of(NodeStatus.Degraded, true, 3));

        Assert.Equal(PostureTally.Of(NodeStatus.Isolated, false, 5).Plus(b), moved);
        Assert.Equal((2, 8L, 0L, 1), (moved.Nodes, moved.TotalWeight, moved.OperationalWeight, moved.Count(NodeStatus.Isolated)));
        Assert.Equal(a.Plus(PostureTally.Of(NodeStatus.Degraded, true, 3)), replaced);
        Assert.Equal((2, 8L, 8L), (replaced.Nodes, replaced.TotalWeight, replaced.OperationalWeight));
        Assert.Equal((1, 5L, 5L), (both.Count(NodeStatus.Healthy), a.TotalWeight, both.OperationalWeight));
    }

    [Fact]
    public void Problems_DefaultArrays_Incomplete()
    {
        Assert.Equal(["the batch is incomplete"], new ObservationBatch(default, [], []).Problems());
    }
}

[Collection(ClusterTests.Name)]
public sealed class ObservationBatchClusterTests(ClusterFixture fixture)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 8, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ReportBatch_OneBadItem_NothingApplied()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-bad");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var ingest = fixture.Client.GetGrain<IIngestGrain>("t-batch-bad");
        var batch = new ObservationBatch(["A/power/sub-1", "B/telecom/router"], ["T1190"],
        [
            new(0, NodeStatus.Down, T0, ObservationItem.None, ObservationItem.None),
            new(1, NodeStatus.Compromised, T0, 1, ObservationItem.None),
        ]);

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => ingest.ReportBatchAsync(batch).AsTask());

        Assert.Equal("observation 2: technique index 1 is outside the batch's 1 labels", error.Message);
        var posture = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal((7, 1.0), (posture.Tally.Count(NodeStatus.Healthy), posture.Tally.Capability));
    }

    [Fact]
    public async Task ReportBatch_UnknownNode_NamedAndNothingApplied()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-unknown");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var ingest = fixture.Client.GetGrain<IIngestGrain>("t-batch-unknown");
        var batch = ObservationBatch.From(
        [
            new Observation("A/power/sub-1", NodeStatus.Down, T0),
            new Observation("B/telecom/nowhere", NodeStatus.Down, T0),
            new Observation("A/mil/nothing", NodeStatus.Down, T0),
        ]);

        var error = await Assert.ThrowsAsync<UnknownNodesException>(() => ingest.ReportBatchAsync(batch).AsTask());

        Assert.Equal(ImmutableArray.Create("A/mil/nothing", "B/telecom/nowhere"), error.Nodes);
        Assert.Equal(NodeStatus.Healthy, (await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task ReportBatch_ManySegmentsOutOfOrder_ResultAndHistoryExact()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-many");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var ingest = fixture.Client.GetGrain<IIngestGrain>("t-batch-many");
        // Two nodes in two domains; the router's reports arrive newest first.
        var batch = ObservationBatch.From(
        [
            new Observation("B/telecom/router", NodeStatus.Detected, T0.AddMinutes(5), "T1190", "soc-b"),
            new Observation("A/mil/ws", NodeStatus.Compromised, T0.AddMinutes(1), "T1566", "soc-a"),
            new Observation("B/telecom/router", NodeStatus.Compromised, T0.AddMinutes(2), "T1190", "soc-b"),
        ]);

        var result = await ingest.ReportBatchAsync(batch);

        Assert.Equal(new IngestResult(3, 3, 0, 2), result);
        var router = await client.GetNodeAsync("B/telecom/router", TestContext.Current.CancellationToken);
        Assert.Equal(NodeStatus.Detected, router.Status);
        Assert.Equal(
        [
            new HistoryEntry(T0.AddMinutes(2), NodeStatus.Healthy, NodeStatus.Compromised, NodeStatus.Compromised, "T1190", "soc-b", false, true),
            new HistoryEntry(T0.AddMinutes(5), NodeStatus.Compromised, NodeStatus.Detected, NodeStatus.Detected, "T1190", "soc-b", false, true),
        ], router.History);
        Assert.Equal(NodeStatus.Compromised, (await client.GetNodeAsync("A/mil/ws", TestContext.Current.CancellationToken)).Status);
    }

    [Fact]
    public async Task ObserveNodes_WrongParts_RefusedWhole_EmptyPartsSkipped()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-segment");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var segment = fixture.Client.GetGrain<ISegmentGrain>(EntityId.Key("t-batch-segment", "A/power"));
        ObservationBatch Part(string node, NodeStatus status) =>
            new([node], [], [new(0, status, T0, ObservationItem.None, ObservationItem.None)]);
        var sub1 = Part("A/power/sub-1", NodeStatus.Down);

        async Task<string> Refused(ImmutableArray<ObservationBatch> parts) =>
            (await Assert.ThrowsAsync<InvalidRequestException>(() => segment.ObserveNodesAsync(parts).AsTask())).Message;

        Assert.Equal("no node batches were given", await Refused(default));
        Assert.Equal("node batch 2: 'A/mil/c2' is not a node of segment 'A/power'", await Refused([sub1, Part("A/mil/c2", NodeStatus.Down)]));
        Assert.Equal("node batch 2: 'A/power/sub-1' is given more than once", await Refused([sub1, Part("A/power/sub-1", NodeStatus.Healthy)]));
        Assert.Equal("node batch 2 has 2 nodes, not one", await Refused([sub1,
            new(["A/power/sub-2", "A/power/sub-3"], [], [new(0, NodeStatus.Down, T0, ObservationItem.None, ObservationItem.None)])]));
        Assert.Equal("observation 1: status 9 is not one of healthy, compromised, detected, isolated, degraded, down, recovering",
            await Refused([sub1, Part("A/power/sub-2", (NodeStatus)9)]));
        var ahead = await Refused([sub1, new(["A/power/sub-2"], [], [new(0, NodeStatus.Down, DateTimeOffset.UtcNow.AddDays(2), ObservationItem.None, ObservationItem.None)])]);
        Assert.StartsWith("observation 1: time ", ahead, StringComparison.Ordinal);
        Assert.Contains(" ahead of the silo's clock ", ahead, StringComparison.Ordinal);
        Assert.Equal(NodeStatus.Healthy, (await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken)).Status);

        // An empty part is skipped, whatever node it names (ByNode gives one for a listed node without observations).
        var result = await segment.ObserveNodesAsync([ObservationBatch.Empty, new(["A/power/nowhere"], [], []), sub1]);

        Assert.Equal(new IngestResult(1, 1, 0, 1), result);
        var posture = await client.GetSegmentPostureAsync("A/power", TestContext.Current.CancellationToken);
        Assert.Equal((1, 1), (posture.Tally.Count(NodeStatus.Down), posture.Tally.Count(NodeStatus.Healthy)));
    }

    [Fact]
    public async Task ReportBatch_MoreLabelsThanShared_EachNodeRecordsItsOwn()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-labels");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var ingest = fixture.Client.GetGrain<IIngestGrain>("t-batch-labels");
        // One source per observation: more labels than the parts share, so each part gets its own.
        var observations = Enumerable.Range(0, ObservationBatch.SharedLabels + 2)
            .Select(i => new Observation(i % 2 == 0 ? "A/mil/ws" : "B/telecom/router", NodeStatus.Compromised, T0.AddMinutes(i), "T1190", $"sensor-{i}"))
            .ToArray();

        var result = await ingest.ReportBatchAsync(ObservationBatch.From(observations));

        Assert.Equal(new IngestResult(observations.Length, observations.Length, 0, 2), result);
        var router = await client.GetNodeAsync("B/telecom/router", TestContext.Current.CancellationToken);
        Assert.Equal(observations.Where((_, i) => i % 2 == 1).Select(o => (o.Time, o.Technique, o.Source)),
            router.History.Select(h => (h.Time, h.Technique, h.Source)));
    }

    [Fact]
    public async Task Report_DatedDaysAhead_RefusedWhole_SingleAndBatch()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-ahead");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var ahead = DateTimeOffset.UtcNow.AddDays(3);

        var single = await Assert.ThrowsAsync<InvalidRequestException>(() =>
            client.ReportAsync(new Observation("A/mil/ws", NodeStatus.Down, ahead), TestContext.Current.CancellationToken));
        var batch = await Assert.ThrowsAsync<InvalidRequestException>(() => client.ReportAsync(
            [new Observation("A/power/sub-1", NodeStatus.Down, T0), new Observation("A/mil/ws", NodeStatus.Down, ahead)], TestContext.Current.CancellationToken));

        Assert.StartsWith($"observation 1: time {ahead.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is ", single.Message, StringComparison.Ordinal);
        Assert.StartsWith($"observation 2: time {ahead.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is ", batch.Message, StringComparison.Ordinal);
        Assert.Contains(" ahead of the silo's clock (", single.Message, StringComparison.Ordinal);
        Assert.EndsWith("reports more than 1h ahead are refused, since a node's newest report sets its status (setting Bulwark:Live:FutureTolerance)",
            batch.Message, StringComparison.Ordinal);
        var posture = await client.GetAlliancePostureAsync(TestContext.Current.CancellationToken);
        Assert.Equal((7, 1.0), (posture.Tally.Count(NodeStatus.Healthy), posture.Tally.Capability));
        Assert.Empty((await client.GetNodeAsync("A/mil/ws", TestContext.Current.CancellationToken)).History);
    }

    [Fact]
    public async Task Report_ChunkedBatchWithOneTimeAhead_NothingApplied_NumberedAsGiven()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-ahead-chunks");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        var ahead = DateTimeOffset.UtcNow.AddDays(2);
        // More than one chunk: the one dated ahead is in the second.
        var observations = Enumerable.Range(0, client.ChunkSize + 1_000)
            .Select(i => new Observation("A/power/sub-1", i % 2 == 0 ? NodeStatus.Down : NodeStatus.Healthy, i == client.ChunkSize + 499 ? ahead : T0.AddSeconds(i)))
            .ToArray();

        var error = await Assert.ThrowsAsync<InvalidRequestException>(() => client.ReportAsync(observations, TestContext.Current.CancellationToken));

        Assert.StartsWith($"observation {client.ChunkSize + 500}: time {ahead.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is ", error.Message, StringComparison.Ordinal);
        Assert.Empty((await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken)).History);
    }

    [Fact]
    public async Task Report_ChunkedBatch_NodeDownAndUpAcrossWhereItWouldBeCut_ChangesNothing()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-chunk-count");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        // sub-1 down first and up last, with a chunk's worth of reports of healthy nodes between: cut in file order,
        // each chunk would count sub-1 once. A node's reports go in one chunk, so nothing changed, and it says so.
        string[] others = ["B/telecom/cable-1", "B/telecom/cable-2", "A/power/sub-2"];
        var observations = new List<Observation> { new("A/power/sub-1", NodeStatus.Down, T0) };
        observations.AddRange(Enumerable.Range(1, client.ChunkSize - 1).Select(i => new Observation(others[i % 3], NodeStatus.Healthy, T0.AddSeconds(i))));
        observations.Add(new("A/power/sub-1", NodeStatus.Healthy, T0.AddSeconds(client.ChunkSize)));

        var result = await client.ReportAsync(observations, TestContext.Current.CancellationToken);

        Assert.Equal(new IngestResult(client.ChunkSize + 1, client.ChunkSize + 1, 0, 0), result);
        var node = await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Healthy, 2), (node.Status, node.History.Length));
    }

    [Fact]
    public async Task Report_ChunkedBatchStoppedAfterItsFirstChunk_HasThatChunkApplied_AndSaysHowMuch()
    {
        var client = new BulwarkClient(fixture.Client, "t-batch-stopped");
        await client.LoadTopologyAsync(TestTopologies.Parse(TestTopologies.CrossDomain), TestContext.Current.CancellationToken);
        // The first chunk ends with the node down; the second would isolate it.
        var observations = Enumerable.Range(0, client.ChunkSize + 1_000)
            .Select(i => new Observation("A/power/sub-1", i < client.ChunkSize - 1 ? NodeStatus.Healthy : i == client.ChunkSize - 1 ? NodeStatus.Down : NodeStatus.Isolated,
                T0.AddSeconds(i)))
            .ToArray();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var progress = new StopOnReport(stop);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ReportAsync(observations, progress, stop.Token));

        Assert.Equal([client.ChunkSize], progress.Reports);
        var node = await client.GetNodeAsync("A/power/sub-1", TestContext.Current.CancellationToken);
        Assert.Equal((NodeStatus.Down, T0.AddSeconds(client.ChunkSize - 1)), (node.Reported, node.LastObserved));
    }

    /// <summary>Records what it is told and stops the report there, as a Ctrl-C between two chunks would.</summary>
    private sealed class StopOnReport(CancellationTokenSource stop) : IProgress<int>
    {
        public List<int> Reports { get; } = [];

        public void Report(int value)
        {
            Reports.Add(value);
            stop.Cancel();
        }
    }
}
