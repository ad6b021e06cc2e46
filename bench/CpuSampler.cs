using System.Globalization;

namespace Bulwark.Bench;

/// <summary>Shares of the whole machine's CPU (100 = every core busy) over a measured window.</summary>
internal sealed record CpuShare(double Silo, double Client, double Other);

/// <summary>CPU counters at one instant (Linux clock ticks).</summary>
internal readonly record struct CpuSnapshot(long Busy, long Total, long Silo, long Client);

/// <summary>
/// Reads <c>/proc</c> to tell how the machine's CPU was spent during a phase: by the silo, by this
/// client, or by anything else (other builds, tests). Linux only; elsewhere it reports nothing.
/// </summary>
internal static class CpuSampler
{
    public static CpuSnapshot? Take(int siloPid)
    {
        if (!OperatingSystem.IsLinux())
        {
            return null;
        }
        try
        {
            var cpu = File.ReadLines("/proc/stat").First();
            var f = cpu.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(Parse).ToArray();
            // user nice system idle iowait irq softirq steal
            var idle = f[3] + f[4];
            var busy = f[0] + f[1] + f[2] + f[5] + f[6] + (f.Length > 7 ? f[7] : 0);
            return new CpuSnapshot(busy, busy + idle, ProcessTicks(siloPid), ProcessTicks(Environment.ProcessId));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or InvalidOperationException)
        {
            return null;
        }
    }

    public static CpuShare? Between(CpuSnapshot? start, CpuSnapshot? end)
    {
        if (start is not { } a || end is not { } b || b.Total <= a.Total)
        {
            return null;
        }
        double total = b.Total - a.Total;
        var silo = (b.Silo - a.Silo) / total * 100;
        var client = (b.Client - a.Client) / total * 100;
        var other = Math.Max(0, (b.Busy - a.Busy) / total * 100 - silo - client);
        return new CpuShare(Math.Round(silo, 1), Math.Round(client, 1), Math.Round(other, 1));
    }

    /// <summary>The 1-minute load average, or null.</summary>
    public static double? LoadAverage()
    {
        try
        {
            return OperatingSystem.IsLinux()
                ? double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture)
                : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null;
        }
    }

    /// <summary>utime + stime of a process (fields 14 and 15 of <c>/proc/PID/stat</c>, after the command name).</summary>
    private static long ProcessTicks(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        // fields[0] is field 3 (state); utime is field 14, stime field 15.
        return Parse(fields[11]) + Parse(fields[12]);
    }

    private static long Parse(string text) => long.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
