namespace SharpLM.PostTraining.Tests;

/// <summary>Float comparisons by absolute difference (rounding to decimal places flips at boundaries).</summary>
public static class Tolerance
{
    public static void Near(double expected, double actual, double tolerance)
    {
        if (!(Math.Abs(expected - actual) <= tolerance)) Assert.Fail($"expected {expected} within {tolerance}, got {actual}");
    }
}
