using System.Text;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>
/// The subset of Jinja that lm-eval task files use in <c>doc_to_text</c>, <c>doc_to_target</c> and
/// <c>doc_to_choice</c>: <c>{{ expression }}</c> with fields, attributes, indexing and slicing, Python method calls
/// (<c>choices.label.index(answerKey)</c>, <c>answer.split('####')[-1].strip()</c>), list literals, arithmetic,
/// comparisons, <c>x if c else y</c>, filters (<c>|trim</c>, <c>|join</c>...), and <c>{% if %}</c>/<c>{% for %}</c>
/// blocks, with Jinja's whitespace control and StrictUndefined (a missing field is an error).
/// </summary>
/// <remarks>
/// Written here rather than taken from a template engine: the one available for .NET (Fluid) implements Liquid,
/// which has no method calls, list literals, negative indexing or <c>+</c>, so real task files would not load
/// unchanged; the subset lm-eval needs is small enough to own.
/// </remarks>
public sealed class JinjaTemplate
{
    private readonly List<JinjaNode> _nodes;

    public string Source { get; }

    private JinjaTemplate(string source, List<JinjaNode> nodes)
    {
        Source = source;
        _nodes = nodes;
    }

    /// <summary>Parses <paramref name="source"/>; an unsupported construct throws naming it.</summary>
    public static JinjaTemplate Parse(string source) => new(source, JinjaParser.ParseTemplate(source));

    public string Render(IReadOnlyDictionary<string, object?> document)
    {
        var output = new StringBuilder();
        var scope = new JinjaScope(document);
        foreach (var node in _nodes) node.Render(scope, output);
        return output.ToString();
    }

    /// <summary>The value of a template that is one <c>{{ expression }}</c> and nothing else; null otherwise.</summary>
    public bool TryEvaluateSingle(IReadOnlyDictionary<string, object?> document, out object? value)
    {
        if (_nodes is [JinjaNode.Output output])
        {
            value = output.Expression(new JinjaScope(document));
            return true;
        }
        value = null;
        return false;
    }

    /// <summary>Parses a Python literal (a rendered list such as <c>['a', 'b']</c>), as lm-eval's <c>ast.literal_eval</c> does.</summary>
    public static object? LiteralEval(string text)
    {
        try
        {
            return JinjaParser.ParseExpression(text)(new JinjaScope(new Dictionary<string, object?>()));
        }
        catch (SharpLMException)
        {
            throw new SharpLMException($"'{Shorten(text)}' is not a Python literal.");
        }
    }

    internal static string Shorten(string text) => text.Length <= 60 ? text.ReplaceLineEndings("\\n") : text[..57].ReplaceLineEndings("\\n") + "...";
}

internal sealed class JinjaScope
{
    private readonly IReadOnlyDictionary<string, object?> _document;
    private readonly Dictionary<string, object?> _locals = new(StringComparer.Ordinal);

    public JinjaScope(IReadOnlyDictionary<string, object?> document) => _document = document;

    public object? Lookup(string name)
    {
        if (_locals.TryGetValue(name, out var local)) return local;
        if (_document.TryGetValue(name, out var field)) return field;
        throw new SharpLMException($"the template uses '{name}', which is not a field of the document.");
    }

    public void Set(string name, object? value) => _locals[name] = value;

    public bool Unset(string name) => _locals.Remove(name);
}

internal abstract class JinjaNode
{
    public abstract void Render(JinjaScope scope, StringBuilder output);

    public sealed class Text(string text) : JinjaNode
    {
        public string Value { get; set; } = text;
        public override void Render(JinjaScope scope, StringBuilder output) => output.Append(Value);
    }

    public sealed class Output(Func<JinjaScope, object?> expression) : JinjaNode
    {
        public Func<JinjaScope, object?> Expression { get; } = expression;
        public override void Render(JinjaScope scope, StringBuilder output) => output.Append(PythonValue.Str(Expression(scope)));
    }

    public sealed class If(List<(Func<JinjaScope, object?>? Condition, List<JinjaNode> Body)> branches) : JinjaNode
    {
        public override void Render(JinjaScope scope, StringBuilder output)
        {
            foreach (var (condition, body) in branches)
            {
                if (condition is not null && !PythonValue.Truthy(condition(scope))) continue;
                foreach (var node in body) node.Render(scope, output);
                return;
            }
        }
    }

    public sealed class For(string variable, Func<JinjaScope, object?> sequence, List<JinjaNode> body) : JinjaNode
    {
        public override void Render(JinjaScope scope, StringBuilder output)
        {
            var items = JinjaOperations.Iterate(sequence(scope));
            foreach (var item in items)
            {
                scope.Set(variable, item);
                foreach (var node in body) node.Render(scope, output);
            }
            scope.Unset(variable);
        }
    }
}
