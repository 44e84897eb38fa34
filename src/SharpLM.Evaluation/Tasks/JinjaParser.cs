using System.Globalization;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>Splits a template into text, <c>{{ }}</c> and <c>{% %}</c> parts and compiles expressions to closures.</summary>
internal sealed class JinjaParser
{
    private readonly List<string> _tokens;
    private int _position;

    private JinjaParser(List<string> tokens) => _tokens = tokens;

    public static Func<JinjaScope, object?> ParseExpression(string text)
    {
        var parser = new JinjaParser(JinjaLexer.Tokenize(text));
        var expression = parser.Conditional();
        if (!parser.AtEnd) throw Unsupported(parser.Peek);
        return expression;
    }

    public static List<JinjaNode> ParseTemplate(string source)
    {
        var parts = JinjaLexer.SplitTemplate(source);
        int index = 0;
        var nodes = ParseBlock(parts, ref index, out string? end);
        if (end is not null) throw Unsupported("{% " + end + " %}");
        return nodes;
    }

    private static List<JinjaNode> ParseBlock(List<JinjaPart> parts, ref int index, out string? terminator, params string[] terminators)
    {
        var nodes = new List<JinjaNode>();
        terminator = null;
        while (index < parts.Count)
        {
            var part = parts[index++];
            switch (part.Kind)
            {
                case JinjaPartKind.Text:
                    nodes.Add(new JinjaNode.Text(part.Content));
                    break;
                case JinjaPartKind.Output:
                    nodes.Add(new JinjaNode.Output(ParseExpression(part.Content)));
                    break;
                case JinjaPartKind.Statement:
                    string statement = part.Content.Trim();
                    string keyword = statement.Split(' ', 2)[0];
                    if (terminators.Contains(keyword))
                    {
                        terminator = statement;
                        return nodes;
                    }
                    if (keyword == "if") nodes.Add(ParseIf(statement[2..], parts, ref index));
                    else if (keyword == "for") nodes.Add(ParseFor(statement[3..], parts, ref index));
                    else throw Unsupported("{% " + keyword + " %}");
                    break;
            }
        }
        if (terminators.Length > 0) throw new SharpLMException($"the template has no {{% {terminators[^1]} %}} to close its block.");
        return nodes;
    }

    private static JinjaNode ParseIf(string condition, List<JinjaPart> parts, ref int index)
    {
        var branches = new List<(Func<JinjaScope, object?>?, List<JinjaNode>)>();
        var current = ParseExpression(condition);
        while (true)
        {
            var body = ParseBlock(parts, ref index, out string? end, "elif", "else", "endif");
            branches.Add((current, body));
            if (end!.StartsWith("elif", StringComparison.Ordinal)) current = ParseExpression(end[4..]);
            else if (end == "else") current = null;
            else return new JinjaNode.If(branches);
        }
    }

    private static JinjaNode ParseFor(string header, List<JinjaPart> parts, ref int index)
    {
        int split = header.IndexOf(" in ", StringComparison.Ordinal);
        if (split < 0) throw Unsupported("{% for " + header.Trim() + " %}");
        string variable = header[..split].Trim();
        if (!JinjaLexer.IsName(variable)) throw Unsupported("{% for " + header.Trim() + " %}");
        var sequence = ParseExpression(header[(split + 4)..]);
        var body = ParseBlock(parts, ref index, out _, "endfor");
        return new JinjaNode.For(variable, sequence, body);
    }

    internal static SharpLMException Unsupported(string construct) =>
        new($"the template uses '{JinjaTemplate.Shorten(construct)}', which is outside the supported Jinja subset.");

    private bool AtEnd => _position >= _tokens.Count;
    private string Peek => AtEnd ? "end of expression" : _tokens[_position];

    private bool Accept(string token)
    {
        if (AtEnd || _tokens[_position] != token) return false;
        _position++;
        return true;
    }

    private void Expect(string token)
    {
        if (!Accept(token)) throw Unsupported(Peek);
    }

    private Func<JinjaScope, object?> Conditional()
    {
        var value = Or();
        if (!Accept("if")) return value;
        var condition = Or();
        var otherwise = Accept("else") ? Conditional() : (_ => "");
        return s => PythonValue.Truthy(condition(s)) ? value(s) : otherwise(s);
    }

    private Func<JinjaScope, object?> Or()
    {
        var left = And();
        while (Accept("or"))
        {
            var l = left;
            var r = And();
            left = s => l(s) is var v && PythonValue.Truthy(v) ? v : r(s);
        }
        return left;
    }

    private Func<JinjaScope, object?> And()
    {
        var left = Not();
        while (Accept("and"))
        {
            var l = left;
            var r = Not();
            left = s => l(s) is var v && !PythonValue.Truthy(v) ? v : r(s);
        }
        return left;
    }

    private Func<JinjaScope, object?> Not()
    {
        if (Accept("not"))
        {
            var operand = Not();
            return s => !PythonValue.Truthy(operand(s));
        }
        return Comparison();
    }

    private static readonly string[] ComparisonOperators = ["==", "!=", "<", ">", "<=", ">=", "in"];

    private Func<JinjaScope, object?> Comparison()
    {
        var left = Concatenation();
        while (!AtEnd)
        {
            string op;
            if (Peek == "not" && _position + 1 < _tokens.Count && _tokens[_position + 1] == "in")
            {
                _position += 2;
                op = "not in";
            }
            else if (ComparisonOperators.Contains(Peek)) op = _tokens[_position++];
            else break;
            var l = left;
            var r = Concatenation();
            left = s => JinjaOperations.Compare(op, l(s), r(s));
        }
        return left;
    }

    private Func<JinjaScope, object?> Concatenation()
    {
        var left = Additive();
        while (Accept("~"))
        {
            var l = left;
            var r = Additive();
            left = s => PythonValue.Str(l(s)) + PythonValue.Str(r(s));
        }
        return left;
    }

    private Func<JinjaScope, object?> Additive()
    {
        var left = Multiplicative();
        while (Peek is "+" or "-")
        {
            string op = _tokens[_position++];
            var l = left;
            var r = Multiplicative();
            left = s => JinjaOperations.Arithmetic(op, l(s), r(s));
        }
        return left;
    }

    private Func<JinjaScope, object?> Multiplicative()
    {
        var left = Unary();
        while (Peek is "*" or "/" or "//" or "%")
        {
            string op = _tokens[_position++];
            var l = left;
            var r = Unary();
            left = s => JinjaOperations.Arithmetic(op, l(s), r(s));
        }
        return left;
    }

    private Func<JinjaScope, object?> Unary()
    {
        if (Accept("-"))
        {
            var operand = Unary();
            return s => JinjaOperations.Arithmetic("-", 0L, operand(s));
        }
        return Postfix();
    }

    private Func<JinjaScope, object?> Postfix()
    {
        var value = Primary();
        while (!AtEnd)
        {
            var target = value;
            if (Accept("."))
            {
                string name = Name();
                if (Accept("("))
                {
                    var arguments = Arguments(")");
                    value = s => JinjaOperations.CallMethod(target(s), name, arguments.Select(a => a(s)).ToList());
                }
                else value = s => JinjaOperations.Attribute(target(s), name);
            }
            else if (Accept("["))
            {
                Func<JinjaScope, object?>? start = Peek == ":" ? null : Conditional();
                if (Accept(":"))
                {
                    Func<JinjaScope, object?>? stop = Peek == "]" ? null : Conditional();
                    Expect("]");
                    value = s => JinjaOperations.Slice(target(s), start?.Invoke(s), stop?.Invoke(s));
                }
                else
                {
                    Expect("]");
                    value = s => JinjaOperations.Index(target(s), start!(s));
                }
            }
            else if (Accept("|"))
            {
                string filter = Name();
                var arguments = Accept("(") ? Arguments(")") : [];
                value = s => JinjaOperations.ApplyFilter(filter, target(s), arguments.Select(a => a(s)).ToList());
            }
            else break;
        }
        return value;
    }

    private List<Func<JinjaScope, object?>> Arguments(string close)
    {
        var arguments = new List<Func<JinjaScope, object?>>();
        if (Accept(close)) return arguments;
        do
        {
            if (Peek == close) break;
            if (_position + 1 < _tokens.Count && _tokens[_position + 1] == "=" && JinjaLexer.IsName(Peek)) throw Unsupported(Peek + "=");
            arguments.Add(Conditional());
        }
        while (Accept(","));
        Expect(close);
        return arguments;
    }

    private string Name()
    {
        if (AtEnd || !JinjaLexer.IsName(Peek)) throw Unsupported(Peek);
        return _tokens[_position++];
    }

    private Func<JinjaScope, object?> Primary()
    {
        if (AtEnd) throw Unsupported("an empty expression");
        string token = _tokens[_position++];
        if (token == "(")
        {
            var inner = Conditional();
            Expect(")");
            return inner;
        }
        if (token == "[")
        {
            var items = Arguments("]");
            return s => items.Select(i => i(s)).ToList();
        }
        if (token[0] is '\'' or '"')
        {
            string text = JinjaLexer.Unquote(token);
            return _ => text;
        }
        if (char.IsAsciiDigit(token[0]))
        {
            object number = token.Contains('.') || token.Contains('e') || token.Contains('E')
                ? (object)double.Parse(token, CultureInfo.InvariantCulture)
                : (object)long.Parse(token, CultureInfo.InvariantCulture);
            return _ => number;
        }
        switch (token)
        {
            case "true" or "True": return _ => true;
            case "false" or "False": return _ => false;
            case "none" or "None": return _ => null;
        }
        if (!JinjaLexer.IsName(token)) throw Unsupported(token);
        return s => s.Lookup(token);
    }
}
