namespace Bulwark.Grains;

/// <summary>Names of the storage providers Bulwark's grains use.</summary>
public static class BulwarkStorage
{
    /// <summary>Grain state of worlds and nodes.</summary>
    public const string Name = "bulwark";

    /// <summary>Storage the stream provider needs for its subscriptions.</summary>
    public const string PubSub = "PubSubStore";
}
