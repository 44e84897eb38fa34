using System.Text;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

internal enum JinjaPartKind { Text, Output, Statement }

internal sealed record JinjaPart(JinjaPartKind Kind, string Content);

internal static class JinjaLexer
{
    /// <summary>Text, <c>{{ }}</c> and <c>{% %}</c> parts; comments dropped; <c>-</c> markers trim the neighbouring text's whitespace.</summary>
    public static List<JinjaPart> SplitTemplate(string source)
    {
        var parts = new List<JinjaPart>();
        int position = 0;
        bool trimNextText = false;
        while (position < source.Length)
        {
            int open = FindOpening(source, position);
            string text = source[position..(open < 0 ? source.Length : open)];
            if (trimNextText) text = text.TrimStart();
            trimNextText = false;
            if (open < 0)
            {
                if (text.Length > 0) parts.Add(new JinjaPart(JinjaPartKind.Text, text));
                break;
            }
            char kind = source[open + 1];
            string close = kind switch { '{' => "}}", '%' => "%}", _ => "#}" };
            int end = FindClosing(source, open + 2, close);
            if (end < 0) throw new SharpLMException($"the template has an unclosed '{{{kind}' at character {open + 1}.");
            string inner = source[(open + 2)..end];
            if (inner.StartsWith('-'))
            {
                text = text.TrimEnd();
                inner = inner[1..];
            }
            if (inner.EndsWith('-'))
            {
                trimNextText = true;
                inner = inner[..^1];
            }
            if (text.Length > 0) parts.Add(new JinjaPart(JinjaPartKind.Text, text));
            if (kind == '{') parts.Add(new JinjaPart(JinjaPartKind.Output, inner));
            else if (kind == '%') parts.Add(new JinjaPart(JinjaPartKind.Statement, inner));
            position = end + 2;
        }
        return parts;
    }

    private static int FindOpening(string source, int from)
    {
        for (int i = from; i + 1 < source.Length; i++)
            if (source[i] == '{' && source[i + 1] is '{' or '%' or '#') return i;
        return -1;
    }

    /// <summary>The closing marker outside string literals.</summary>
    private static int FindClosing(string source, int from, string close)
    {
        char quote = '\0';
        for (int i = from; i + 1 < source.Length; i++)
        {
            char c = source[i];
            if (quote != '\0')
            {
                if (c == '\\') i++;
                else if (c == quote) quote = '\0';
            }
            else if (c is '\'' or '"' && close != "#}") quote = c;
            else if (c == close[0] && source[i + 1] == close[1]) return i;
        }
        return -1;
    }

    private static readonly string[] Symbols = ["//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "<", ">", "(", ")", "[", "]", ".", ",", ":", "|", "~", "="];

    public static List<string> Tokenize(string expression)
    {
        var tokens = new List<string>();
        int i = 0;
        while (i < expression.Length)
        {
            char c = expression[i];
            if (char.IsWhiteSpace(c)) { i++; continue; }
            if (c is '\'' or '"')
            {
                int start = i++;
                while (i < expression.Length && expression[i] != c) i += expression[i] == '\\' ? 2 : 1;
                if (i >= expression.Length) throw new SharpLMException("the template has an unterminated string literal.");
                tokens.Add(expression[start..++i]);
                continue;
            }
            if (char.IsAsciiDigit(c))
            {
                int start = i;
                while (i < expression.Length && (char.IsAsciiDigit(expression[i]) || (expression[i] == '.' && i + 1 < expression.Length && char.IsAsciiDigit(expression[i + 1])))) i++;
                tokens.Add(expression[start..i]);
                continue;
            }
            if (char.IsLetter(c) || c == '_')
            {
                int start = i;
                while (i < expression.Length && (char.IsLetterOrDigit(expression[i]) || expression[i] == '_')) i++;
                tokens.Add(expression[start..i]);
                continue;
            }
            string? symbol = Symbols.FirstOrDefault(s => string.CompareOrdinal(expression, i, s, 0, s.Length) == 0);
            if (symbol is null) throw JinjaParser.Unsupported(c.ToString());
            tokens.Add(symbol);
            i += symbol.Length;
        }
        return tokens;
    }

    public static bool IsName(string token) =>
        token.Length > 0 && (char.IsLetter(token[0]) || token[0] == '_') && token.All(c => char.IsLetterOrDigit(c) || c == '_');

    public static string Unquote(string token)
    {
        var builder = new StringBuilder();
        for (int i = 1; i < token.Length - 1; i++)
        {
            char c = token[i];
            if (c != '\\' || i + 1 >= token.Length - 1)
            {
                builder.Append(c);
                continue;
            }
            char next = token[++i];
            builder.Append(next switch { 'n' => '\n', 't' => '\t', 'r' => '\r', '0' => '\0', _ => next });
        }
        return builder.ToString();
    }
}
