using System.Numerics;

namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// A conservative test that no document matches two schemas, which is what oneOf needs from its alternatives.
/// "Disjoint" is proved from types, from literal values (checked against the other schema's matcher), and for
/// objects from a property one requires that the other does not declare (objects hold only declared properties)
/// or a property both require whose schemas are disjoint. When none of these proves it, the answer is no.
/// </summary>
internal static class JsonSchemaOverlap
{
    /// <summary>Limits wide enough that they never hide a literal a schema allows.</summary>
    private static readonly JsonSchemaLimits Unbounded = new()
    {
        MaxStringLength = int.MaxValue, MaxWhitespace = 0, MaxIntegerDigits = int.MaxValue, MaxFractionDigits = int.MaxValue,
        MaxExponentDigits = int.MaxValue, MaxArrayItems = int.MaxValue,
    };

    public static bool Disjoint(JsonSchemaNode a, JsonSchemaNode b)
    {
        if (a.Alternatives is { } left) return left.All(x => Disjoint(x, b));
        if (b.Alternatives is { } right) return right.All(y => Disjoint(a, y));
        if (a.Literals is { } literals) return literals.All(text => !Accepts(b, text) && !SameNumber(text, b));
        if (b.Literals is not null) return Disjoint(b, a);
        if ((Numeric(a.Kinds) & Numeric(b.Kinds)) == 0) return true;
        if (a.Kinds != JsonKinds.Object || b.Kinds != JsonKinds.Object) return false;
        if (RequiresUndeclared(a, b) || RequiresUndeclared(b, a)) return true;
        for (ulong rest = a.Required; rest != 0; rest &= rest - 1)
        {
            var property = a.Properties[BitOperations.TrailingZeroCount(rest)];
            int other = IndexOf(b, property.Name);
            if (other >= 0 && (b.Required & (1UL << other)) != 0 && Disjoint(property.Schema, b.Properties[other].Schema)) return true;
        }
        return false;
    }

    /// <summary>JSON Schema counts 1.0 as an integer, so "number" and "integer" overlap.</summary>
    private static JsonKinds Numeric(JsonKinds kinds) =>
        (kinds & (JsonKinds.Number | JsonKinds.Integer)) != 0 ? kinds | JsonKinds.Number | JsonKinds.Integer : kinds;

    private static bool RequiresUndeclared(JsonSchemaNode a, JsonSchemaNode b)
    {
        for (ulong rest = a.Required; rest != 0; rest &= rest - 1)
            if (IndexOf(b, a.Properties[BitOperations.TrailingZeroCount(rest)].Name) < 0) return true;
        return false;
    }

    private static int IndexOf(JsonSchemaNode schema, string name)
    {
        for (int i = 0; i < schema.Properties.Count; i++)
            if (schema.Properties[i].Name == name) return i;
        return -1;
    }

    /// <summary>
    /// A number literal the matcher's text test could miss: 1.0 is an integer to JSON Schema though the matcher writes
    /// integers without a fraction, and 1.0 equals a literal 1. Compared by value, erring towards overlap.
    /// </summary>
    private static bool SameNumber(int[] text, JsonSchemaNode schema)
    {
        if (text.Length == 0 || !(text[0] == '-' || text[0] is >= '0' and <= '9')) return false;
        if (schema.Literals is null) return (Numeric(schema.Kinds) & JsonKinds.Number) != 0;
        double value = double.Parse(string.Concat(text.Select(c => (char)c)), System.Globalization.CultureInfo.InvariantCulture);
        return schema.Literals.Any(other => other.Length > 0 && (other[0] == '-' || other[0] is >= '0' and <= '9')
            && double.Parse(string.Concat(other.Select(c => (char)c)), System.Globalization.CultureInfo.InvariantCulture) == value);
    }

    /// <summary>Whether <paramref name="schema"/> accepts the compact JSON text <paramref name="text"/> (code points).</summary>
    private static bool Accepts(JsonSchemaNode schema, int[] text)
    {
        CharState? state = JsonMatcher.Start(schema, Unbounded);
        for (int i = 0; i < text.Length && state is not null; i++) state = state.Step(text[i]);
        return state?.IsComplete == true;
    }
}
