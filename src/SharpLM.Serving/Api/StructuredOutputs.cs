using System.Text;
using System.Text.Json;
using SharpLM.Inference.Constraints;

namespace SharpLM.Serving.Api;

/// <summary>
/// vLLM's <c>structured_outputs</c> request field, so clients written for vLLM constrain output here the same way:
/// exactly one of <c>regex</c> (the whole answer matches it), <c>choice</c> (the answer is one of the strings) or
/// <c>json</c> (a JSON schema), each enforced by the engine's constrained decoder. A guard-model judge, for one, forces
/// Llama Guard's verdict grammar through it.
/// </summary>
public static class StructuredOutputs
{
    private static readonly string[] Kinds = ["regex", "choice", "json"];

    public static Func<ITokenConstraint>? Read(JsonFields fields, ServedModel model)
    {
        if (fields.Get("structured_outputs") is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Object) throw RequestError.Invalid("structured_outputs", "'structured_outputs' must be an object.");
        var given = value.EnumerateObject().Where(p => p.Value.ValueKind != JsonValueKind.Null).ToList();
        if (given.Select(p => p.Name).FirstOrDefault(name => !Kinds.Contains(name)) is { } unknown)
            throw RequestError.Invalid($"structured_outputs.{unknown}", $"'structured_outputs.{unknown}' is not supported (use one of {string.Join(", ", Kinds)}).");
        if (given.Count != 1)
            throw RequestError.Invalid("structured_outputs", $"'structured_outputs' needs exactly one of {string.Join(", ", Kinds)} (got {given.Count}).");
        var (kind, body) = (given[0].Name, given[0].Value);
        string field = "structured_outputs." + kind;
        switch (kind)
        {
            case "regex":
                if (body.ValueKind != JsonValueKind.String || body.GetString() is not { Length: > 0 } pattern)
                    throw RequestError.Invalid(field, $"'{field}' must be a non-empty string.");
                return Regex(model, pattern, field);
            case "choice":
                if (body.ValueKind != JsonValueKind.Array || body.GetArrayLength() == 0 || body.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String || c.GetString()!.Length == 0))
                    throw RequestError.Invalid(field, $"'{field}' must be a non-empty array of non-empty strings.");
                return Regex(model, string.Join('|', body.EnumerateArray().Select(c => Escape(c.GetString()!))), field);
            default:
                if (body.ValueKind != JsonValueKind.Object) throw RequestError.Invalid(field, $"'{field}' must be a JSON schema object.");
                try
                {
                    return ChatPrompt.JsonOutput(model, body.GetRawText(), field);
                }
                catch (Core.SharpLMException e)
                {
                    throw RequestError.Invalid(field, e.Message);
                }
        }
    }

    /// <summary>
    /// Parses the pattern once, here, so a bad one is the client's 400 rather than a failed generation; the choices
    /// of the request then share the automaton (the scheduler runs them on one thread).
    /// </summary>
    private static Func<ITokenConstraint> Regex(ServedModel model, string pattern, string field)
    {
        Inference.Constraints.Regex.RegexAutomaton automaton;
        try
        {
            automaton = new Inference.Constraints.Regex.RegexAutomaton(pattern);
            OutputConstraints.Regex(model.Trie, automaton);
        }
        catch (Core.SharpLMException e)
        {
            throw RequestError.Invalid(field, e.Message);
        }
        return () => OutputConstraints.Regex(model.Trie, automaton);
    }

    /// <summary>A literal for the engine's regex syntax: every character that is not a letter, digit or space is escaped.</summary>
    private static string Escape(string literal)
    {
        var text = new StringBuilder(literal.Length * 2);
        foreach (char c in literal)
        {
            if (char.IsLetterOrDigit(c) || c == ' ' || c > 127) text.Append(c);
            else if (c is '\n') text.Append("\\n");
            else if (c is '\t') text.Append("\\t");
            else if (c is '\r') text.Append("\\r");
            else if (c < 32) text.Append($"\\x{(int)c:X2}");
            else text.Append('\\').Append(c);
        }
        return text.ToString();
    }
}
