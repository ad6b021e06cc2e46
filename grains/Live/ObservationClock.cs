namespace Bulwark.Grains.Live;

/// <summary>
/// The silo's check of observation times against its own clock. A node's newest report sets its
/// status, and an older one is kept in its history only, so a report dated ahead by a reporter's
/// wrong clock or a typing mistake would leave every real-time report after it stale, silently.
/// </summary>
public static class ObservationClock
{
    /// <summary>
    /// Throws <see cref="InvalidRequestException"/> naming, by number, every observation of
    /// <paramref name="batch"/> dated more than <paramref name="tolerance"/> after <paramref name="now"/>;
    /// a tolerance of zero or less checks nothing.
    /// </summary>
    public static void ThrowIfAhead(ObservationBatch batch, DateTimeOffset now, TimeSpan tolerance)
    {
        if (tolerance <= TimeSpan.Zero || batch.Items.IsDefaultOrEmpty)
        {
            return;
        }
        var latest = now + tolerance;
        List<string>? problems = null;
        for (var i = 0; i < batch.Items.Length; i++)
        {
            var time = batch.Items[i].Time;
            if (time > latest)
            {
                (problems ??= []).Add($"observation {i + 1}: time {time.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'} is "
                    + $"{Duration.Format(time - now)} ahead of the silo's clock ({now.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'})");
            }
        }
        if (problems is not null)
        {
            throw new InvalidRequestException(string.Join("; ", problems.Take(20))
                + (problems.Count > 20 ? $"; and {problems.Count - 20} more" : "")
                + $"; reports more than {Duration.Format(tolerance)} ahead are refused, since a node's newest report sets its status"
                + $" (setting {LiveOptions.Section}:{nameof(LiveOptions.FutureTolerance)})");
        }
    }
}
