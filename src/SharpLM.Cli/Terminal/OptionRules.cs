using System.CommandLine;
using System.CommandLine.Parsing;
using System.Numerics;

namespace SharpLM.Cli.Terminal;

/// <summary>
/// Range checks on numeric options, run by the parser so that every verb refuses an out-of-range value the same way
/// (one line, exit 2) before it loads anything.
/// </summary>
public static class OptionRules
{
    public static Option<T> AtLeast<T>(this Option<T> option, T minimum) where T : struct, INumber<T> =>
        Check(option, value => value >= minimum, $"at least {minimum}");

    public static Option<T?> AtLeast<T>(this Option<T?> option, T minimum) where T : struct, INumber<T> =>
        Check(option, value => value is not { } v || v >= minimum, $"at least {minimum}");

    public static Option<T> Between<T>(this Option<T> option, T minimum, T maximum) where T : struct, INumber<T> =>
        Check(option, value => value >= minimum && value <= maximum, $"between {minimum} and {maximum}");

    public static Option<T[]> EachAtLeast<T>(this Option<T[]> option, T minimum) where T : struct, INumber<T>
    {
        option.Validators.Add(result =>
        {
            if (Value(result, out T[] values) && values.Where(v => v < minimum).Select(v => (T?)v).FirstOrDefault() is { } low)
                result.AddError($"option {option.Name} values must each be at least {minimum}, got {low}");
        });
        return option;
    }

    private static Option<T> Check<T>(Option<T> option, Func<T, bool> valid, string rule)
    {
        option.Validators.Add(result =>
        {
            if (Value(result, out T value) && !valid(value)) result.AddError($"option {option.Name} must be {rule}, got {value}");
        });
        return option;
    }

    /// <summary>False when the text does not convert; the parser reports that itself.</summary>
    private static bool Value<T>(OptionResult result, out T value)
    {
        try
        {
            value = result.GetValueOrDefault<T>();
            return true;
        }
        catch (InvalidOperationException)
        {
            value = default!;
            return false;
        }
    }
}
