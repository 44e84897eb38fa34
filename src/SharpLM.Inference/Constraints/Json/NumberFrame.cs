namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// A JSON number, -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, or only its integer part for "integer";
/// digit counts are bounded by <see cref="JsonSchemaLimits"/>.
/// </summary>
internal sealed class NumberFrame(bool integerOnly, NumberFrame.Phase phase, int digits, JsonFrame? parent, JsonSchemaLimits limits)
    : JsonFrame(parent, limits)
{
    public enum Phase { Start, Minus, Zero, Integer, Dot, Fraction, Exponent, ExponentSign, ExponentDigits }

    private NumberFrame With(Phase next, int count) => new(integerOnly, next, count, Parent, Limits);

    protected override CharState? StepSelf(int c)
    {
        bool digit = c is >= '0' and <= '9';
        switch (phase)
        {
            case Phase.Start when c == '-': return With(Phase.Minus, 0);
            case Phase.Start or Phase.Minus when c == '0': return With(Phase.Zero, 1);
            case Phase.Start or Phase.Minus when digit: return With(Phase.Integer, 1);
            case Phase.Integer when digit && digits < Limits.MaxIntegerDigits: return With(Phase.Integer, digits + 1);
            case Phase.Zero or Phase.Integer when c == '.' && !integerOnly: return With(Phase.Dot, 0);
            case Phase.Zero or Phase.Integer or Phase.Fraction when c is 'e' or 'E' && !integerOnly: return With(Phase.Exponent, 0);
            case Phase.Dot when digit: return With(Phase.Fraction, 1);
            case Phase.Fraction when digit && digits < Limits.MaxFractionDigits: return With(Phase.Fraction, digits + 1);
            case Phase.Exponent when c is '+' or '-': return With(Phase.ExponentSign, 0);
            case Phase.Exponent or Phase.ExponentSign when digit: return With(Phase.ExponentDigits, 1);
            case Phase.ExponentDigits when digit && digits < Limits.MaxExponentDigits: return With(Phase.ExponentDigits, digits + 1);
            default: return null;
        }
    }

    protected override bool SelfComplete => phase is Phase.Zero or Phase.Integer or Phase.Fraction or Phase.ExponentDigits;

    protected override bool SelfCanContinue => phase switch
    {
        Phase.Zero => !integerOnly,
        Phase.Integer => digits < Limits.MaxIntegerDigits || !integerOnly,
        Phase.ExponentDigits => digits < Limits.MaxExponentDigits,
        _ => true,
    };
}
