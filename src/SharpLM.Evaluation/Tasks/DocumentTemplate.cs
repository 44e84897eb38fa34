using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>
/// One of <c>doc_to_text</c>, <c>doc_to_target</c> or <c>doc_to_choice</c>, resolved as lm-eval resolves it:
/// a string naming a document field gives that field; any other string is a Jinja template; a YAML list is a
/// literal list of choices.
/// </summary>
public sealed class DocumentTemplate
{
    private readonly string _where;
    private readonly string? _text;
    private readonly JinjaTemplate? _template;
    private readonly List<object?>? _list;

    private DocumentTemplate(string where, string? text, JinjaTemplate? template, List<object?>? list)
    {
        _where = where;
        _text = text;
        _template = template;
        _list = list;
    }

    public static DocumentTemplate From(object value, string where)
    {
        try
        {
            return value switch
            {
                string s => new DocumentTemplate(where, s, JinjaTemplate.Parse(s), null),
                List<object?> list => new DocumentTemplate(where, null, null, list),
                _ => throw new SharpLMException("must be a string or a list."),
            };
        }
        catch (SharpLMException e)
        {
            throw new SharpLMException($"{where}: {e.Message}");
        }
    }

    /// <summary>The field's value, the rendered template, or the literal list.</summary>
    public object? Evaluate(IReadOnlyDictionary<string, object?> document)
    {
        if (_list is not null) return _list;
        if (document.TryGetValue(_text!, out var field)) return field;
        try
        {
            return _template!.Render(document);
        }
        catch (SharpLMException e)
        {
            throw new SharpLMException($"{_where}: {e.Message}");
        }
    }

    /// <summary>doc_to_text and doc_to_target: digits become an index when the task has choices, as in lm-eval.</summary>
    public object? EvaluateTextOrIndex(IReadOnlyDictionary<string, object?> document, bool hasChoices)
    {
        var value = Evaluate(document);
        if (value is string s && _list is null && !document.ContainsKey(_text!))
        {
            if (hasChoices && s.Length > 0 && s.All(char.IsAsciiDigit)) return long.Parse(s);
            if (s.StartsWith('[') && s.EndsWith(']')) return Literal(s);
        }
        return value;
    }

    /// <summary>doc_to_choice: a list of strings.</summary>
    public List<string> EvaluateChoices(IReadOnlyDictionary<string, object?> document)
    {
        var value = Evaluate(document);
        if (value is string s && _list is null && !document.ContainsKey(_text!)) value = Literal(s);
        return value switch
        {
            List<object?> list => list.Select(PythonValue.Str).ToList(),
            Dictionary<string, object?> map => map.Values.Select(PythonValue.Str).ToList(),
            _ => throw new SharpLMException($"{_where}: gives {PythonValue.Repr(value)}, not a list of choices."),
        };
    }

    private object? Literal(string text)
    {
        try
        {
            return JinjaTemplate.LiteralEval(text);
        }
        catch (SharpLMException e)
        {
            throw new SharpLMException($"{_where}: {e.Message}");
        }
    }
}
