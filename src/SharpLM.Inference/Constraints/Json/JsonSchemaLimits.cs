namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// Bounds that keep a constrained document finite, so sampling always reaches the end of it: without them a
/// model could pad whitespace or lengthen a string forever while every prefix stays valid. A schema's own
/// maxLength / maxItems apply when tighter; a schema's minLength / minItems win over a smaller limit here.
/// </summary>
public sealed record JsonSchemaLimits
{
    /// <summary>Characters in a string value (an escape counts as one).</summary>
    public int MaxStringLength { get; init; } = 256;
    /// <summary>Whitespace characters allowed in one gap between tokens of an object or array.</summary>
    public int MaxWhitespace { get; init; } = 8;
    /// <summary>Digits before the decimal point.</summary>
    public int MaxIntegerDigits { get; init; } = 15;
    /// <summary>Digits after the decimal point.</summary>
    public int MaxFractionDigits { get; init; } = 15;
    /// <summary>Digits of an exponent (two keeps every number finite as a double).</summary>
    public int MaxExponentDigits { get; init; } = 2;
    /// <summary>Items in an array.</summary>
    public int MaxArrayItems { get; init; } = 64;

    public void Validate()
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new Core.SharpLMException(what);
        }
        Require(MaxStringLength >= 0, $"the maximum string length must not be negative (got {MaxStringLength}).");
        Require(MaxWhitespace >= 0, $"the maximum whitespace must not be negative (got {MaxWhitespace}).");
        Require(MaxIntegerDigits >= 1, $"the maximum integer digits must be at least 1 (got {MaxIntegerDigits}).");
        Require(MaxFractionDigits >= 1, $"the maximum fraction digits must be at least 1 (got {MaxFractionDigits}).");
        Require(MaxExponentDigits >= 1, $"the maximum exponent digits must be at least 1 (got {MaxExponentDigits}).");
        Require(MaxArrayItems >= 0, $"the maximum array items must not be negative (got {MaxArrayItems}).");
    }
}
