using System.Text;

namespace Bulwark.Scenarios.Generators;

/// <summary>FNV-1a over UTF-8: a string hash that is the same in every process (unlike <see cref="string.GetHashCode()"/>).</summary>
internal static class Fnv1a
{
    public static ulong Hash64(string text)
    {
        var hash = 0xCBF29CE484222325UL;
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            hash = (hash ^ b) * 0x100000001B3UL;
        }
        return hash;
    }
}
