namespace Bulwark.Grains.Live;

/// <summary>The silo's check of observation times against its own clock (see <see cref="ObservationRules.ThrowIfAhead"/>).</summary>
public static class ObservationClock
{
    /// <summary>Throws, naming them, when observations of <paramref name="batch"/> are dated too far ahead of <paramref name="now"/>.</summary>
    public static void ThrowIfAhead(ObservationBatch batch, DateTimeOffset now, TimeSpan tolerance)
    {
        if (!batch.Items.IsDefaultOrEmpty)
        {
            ObservationRules.ThrowIfAhead(batch.Items.Select(i => i.Time), now, tolerance);
        }
    }
}
