using SharpLM.Core;

namespace SharpLM.Data.Filters;

/// <summary>Range checks for option records; each failure names the JSON field ("section.field") that is wrong.</summary>
internal static class OptionChecks
{
    public static void NonNegative(string field, int? value)
    {
        if (value is < 0) throw new SharpLMException($"{field} must be 0 or more (got {value}).");
    }

    public static void Positive(string field, int value)
    {
        if (value <= 0) throw new SharpLMException($"{field} must be 1 or more (got {value}).");
    }

    public static void NonNegative(string field, double? value)
    {
        if (value is { } v && (double.IsNaN(v) || v < 0)) throw new SharpLMException($"{field} must be 0 or more (got {v}).");
    }

    public static void Fraction(string field, double? value)
    {
        if (value is { } v && (double.IsNaN(v) || v < 0 || v > 1)) throw new SharpLMException($"{field} must be between 0 and 1 (got {v}).");
    }

    public static void Ordered(string lowField, double? low, string highField, double? high)
    {
        if (low is { } l && high is { } h && l > h) throw new SharpLMException($"{lowField} ({l}) must not exceed {highField} ({h}).");
    }
}
