namespace Bulwark.Scenarios.Generators;

/// <summary>
/// Functions computed with + − × ÷ only, which IEEE 754 rounds the same everywhere. The runtime's
/// <see cref="Math.Log(double)"/> comes from the platform's C library and may differ in the last
/// bit between machines; a generated topology must not.
/// </summary>
internal static class PortableMath
{
    private const double Ln2 = 0.6931471805599453;
    private const double Sqrt2 = 1.4142135623730951;

    /// <summary>Natural logarithm of a positive, normal <paramref name="x"/> (within a few ulps of the true value).</summary>
    public static double Log(double x)
    {
        if (!(x > 0) || !double.IsNormal(x))
        {
            throw new ArgumentOutOfRangeException(nameof(x), x, "Log needs a positive normal number.");
        }
        var bits = BitConverter.DoubleToInt64Bits(x);
        var exponent = (int)((bits >> 52) & 0x7FF) - 1023;
        var mantissa = BitConverter.Int64BitsToDouble((bits & 0xFFFFFFFFFFFFFL) | 0x3FF0000000000000L);
        if (mantissa > Sqrt2)
        {
            mantissa /= 2;
            exponent++;
        }
        // ln m = 2 atanh z with z = (m − 1)/(m + 1), |z| ≤ 0.172, so z² ≤ 0.0295 and 14 terms reach 1e-21.
        var z = (mantissa - 1) / (mantissa + 1);
        var z2 = z * z;
        var term = z;
        var sum = 0.0;
        for (var k = 1; k <= 29; k += 2)
        {
            sum += term / k;
            term *= z2;
        }
        return (2 * sum) + (exponent * Ln2);
    }
}
