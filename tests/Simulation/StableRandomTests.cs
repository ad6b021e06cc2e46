using Bulwark.Grains.Simulation;

namespace Bulwark.Tests.Simulation;

/// <summary>
/// The model's draws are part of the determinism contract: the same question must get the same
/// answer in every version, or a stored journal no longer replays. The values are pinned.
/// </summary>
public sealed class StableRandomTests
{
    [Fact]
    public void Draw_KnownQuestions_GiveThePinnedAnswers()
    {
        Assert.Equal(0.7987441613065404, StableRandom.Draw(42, "EST/core/n-1", 17, "exploit", "LVA/x/n-2|T1190"));
        Assert.Equal(0.47765590966920835, StableRandom.Draw(7, "NOR/Ålesund/gw", 3, "spread", "Ålesund|Tromsø"));
        Assert.Equal(34, StableRandom.Between(7, "NOR/Ålesund/gw", 3, "spread", "Ålesund|Tromsø", 10, 60));
    }

    [Theory]
    [InlineData("LVA/x/n-2", "T1190")]
    [InlineData("Ålesund", "Tromsø")]
    [InlineData("", "")]
    public void Draw_DiscriminatorInParts_SameAsConcatenated(string first, string second)
    {
        Assert.Equal(StableRandom.Draw(42, "EST/core/n-1", 17, "exploit", first + "|" + second),
            StableRandom.Draw(42, "EST/core/n-1", 17, "exploit", first, "|", second));
        Assert.Equal(StableRandom.Between(42, "EST/core/n-1", 17, "spread", first + "|" + second, 10, 60),
            StableRandom.Between(42, "EST/core/n-1", 17, "spread", 10, 60, first, "|", second));
    }

    [Fact]
    public void Draw_PartsAreNotSeparateStrings()
    {
        // The purpose and the discriminator are separate strings: moving a character across that border changes the draw.
        Assert.NotEqual(StableRandom.Draw(1, "A/s/n", 1, "ab", "c"), StableRandom.Draw(1, "A/s/n", 1, "a", "bc"));
    }
}
