namespace Bulwark.Cli.Commands;

/// <summary>A command: its words, the options and flags it takes, and what it does.</summary>
internal sealed record CommandSpec(string Name, string[] Options, string[] Flags, Func<CliContext, Task<int>> Run);

/// <summary>The command table.</summary>
internal static class CommandTable
{
    private static readonly CommandSpec[] All =
    [
        new("status", [], [], StatusCommand.RunAsync),
        new("topology validate", [], [], TopologyCommands.ValidateAsync),
        new("topology load", [], ["--reset"], TopologyCommands.LoadAsync),
        new("observe", ["--status", "--technique", "--source", "--time", "--file"], [], ObserveCommand.RunAsync),
        new("posture", ["--domain", "--segment"], [], PostureCommands.PostureAsync),
        new("node", [], [], PostureCommands.NodeAsync),
        new("watch", ["--count"], [], WatchCommand.RunAsync),
        new("validate", [], [], ExerciseCommands.ValidateAsync),
        new("run", ["--seed", "--seeds", "--variant", "--compare", "--pace", "--html", "--replay"], ["--detach"], RunCommand.RunAsync),
        new("runs", ["--state", "--last"], [], ExerciseCommands.ListAsync),
        new("run-status", [], [], ExerciseCommands.StatusAsync),
        new("pause", [], [], ExerciseCommands.PauseAsync),
        new("resume", [], [], ExerciseCommands.ResumeAsync),
        new("stop", [], [], ExerciseCommands.StopAsync),
        new("inject", ["--kind", "--target", "--at", "--param"], [], ExerciseCommands.InjectAsync),
        new("report", ["--html"], [], ExerciseCommands.ReportAsync),
        new("journal", [], ["--hash"], ExerciseCommands.JournalAsync),
    ];

    public static CommandSpec? Find(string name) => All.FirstOrDefault(c => c.Name == name);

    public static bool IsGroup(string word) => All.Any(c => c.Name.StartsWith(word + " ", StringComparison.Ordinal));

    /// <summary>The second words of a group's commands: <c>topology</c> gives validate, load.</summary>
    public static IEnumerable<string> Subcommands(string group) =>
        All.Where(c => c.Name.StartsWith(group + " ", StringComparison.Ordinal)).Select(c => c.Name[(group.Length + 1)..]);
}
