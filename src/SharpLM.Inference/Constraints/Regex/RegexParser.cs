using SharpLM.Core;

namespace SharpLM.Inference.Constraints.Regex;

/// <summary>
/// Parses the supported regular-expression subset into a <see cref="RegexNode"/> tree: literals, escapes
/// (\d \w \s and their negations with ASCII meaning, \. \\ \n \t \r \f \v \0, \xHH, \uHHHH, escaped
/// metacharacters), '.', classes [...] with ranges, negation and escapes, groups (...) and (?:...),
/// alternation, and the quantifiers * + ? {m} {m,} {m,n} (a trailing lazy '?' is accepted: it changes which
/// match a search prefers, not which strings match). The whole text must match, so a leading ^ and a trailing $
/// are accepted as no-ops; anchors elsewhere, backreferences and lookarounds are refused with their position,
/// because they do not describe a regular language the automaton can track character by character.
/// </summary>
public sealed class RegexParser
{
    /// <summary>Counted repetitions expand into copies of the body, so a huge bound is refused rather than exhausting memory.</summary>
    public const int MaxRepeat = 1000;

    private static readonly CodePointSet Digit = CodePointSet.Range('0', '9');
    private static readonly CodePointSet Word = new([('a', 'z'), ('A', 'Z'), ('0', '9'), ('_', '_')]);
    private static readonly CodePointSet Space = new([(' ', ' '), ('\t', '\r')]);
    private static readonly CodePointSet NotNewline = CodePointSet.Of('\n').Complement();

    private readonly string _pattern;
    private int _position;

    private RegexParser(string pattern) => _pattern = pattern;

    public static RegexNode Parse(string pattern)
    {
        var parser = new RegexParser(pattern);
        int end = pattern.Length;
        if (pattern.StartsWith('^')) parser._position = 1;
        if (end > parser._position && pattern[end - 1] == '$' && !IsEscaped(pattern, end - 1)) end--;
        var node = parser.ParseAlternation(end);
        if (parser._position < end) throw parser.Error(pattern[parser._position] == ')' ? "unbalanced ')'" : $"unexpected '{pattern[parser._position]}'");
        return node;
    }

    private static bool IsEscaped(string pattern, int index)
    {
        int backslashes = 0;
        while (index - 1 - backslashes >= 0 && pattern[index - 1 - backslashes] == '\\') backslashes++;
        return backslashes % 2 == 1;
    }

    private SharpLMException Error(string message) =>
        new($"regular expression '{_pattern}': {message} at position {_position}.");

    private RegexNode ParseAlternation(int end)
    {
        var choices = new List<RegexNode> { ParseConcat(end) };
        while (_position < end && _pattern[_position] == '|')
        {
            _position++;
            choices.Add(ParseConcat(end));
        }
        return choices.Count == 1 ? choices[0] : new AlternationNode(choices);
    }

    private RegexNode ParseConcat(int end)
    {
        var parts = new List<RegexNode>();
        while (_position < end && _pattern[_position] is not ('|' or ')'))
            parts.Add(ParseQuantified(ParseAtom(end), end));
        return parts.Count switch { 0 => new EmptyNode(), 1 => parts[0], _ => new ConcatNode(parts) };
    }

    private RegexNode ParseQuantified(RegexNode atom, int end)
    {
        var bounds = QuantifierAt(end);
        if (bounds is not { } b) return atom;
        if (_position < end && _pattern[_position] == '?') _position++; // lazy: same language
        int next = _position;
        if (QuantifierAt(end) is not null)
        {
            _position = next;
            throw Error("nested quantifier");
        }
        return new RepeatNode(atom, b.Min, b.Max);
    }

    /// <summary>Reads a quantifier at the cursor (moving past it), or returns null when there is none.</summary>
    private (int Min, int? Max)? QuantifierAt(int end)
    {
        if (_position >= end) return null;
        switch (_pattern[_position])
        {
            case '*': _position++; return (0, null);
            case '+': _position++; return (1, null);
            case '?': _position++; return (0, 1);
            case '{': return ParseBraces(end);
            default: return null;
        }
    }

    /// <summary>Reads {m}, {m,} or {m,n} at the cursor (moving past it), or returns null when the brace is a literal.</summary>
    private (int, int?)? ParseBraces(int end)
    {
        int close = _pattern.IndexOf('}', _position);
        if (close < 0 || close >= end) return null;
        string body = _pattern[(_position + 1)..close];
        string[] parts = body.Split(',');
        if (parts.Length > 2 || parts[0].Length == 0 || !parts.All(p => p.All(char.IsAsciiDigit))) return null;
        if (!int.TryParse(parts[0], out int min) || min > MaxRepeat) throw Error($"repetition count above {MaxRepeat}");
        int? max = min;
        if (parts.Length == 2)
        {
            if (parts[1].Length == 0) max = null;
            else if (!int.TryParse(parts[1], out int m) || m > MaxRepeat) throw Error($"repetition count above {MaxRepeat}");
            else max = m;
        }
        if (max < min) throw Error($"repetition {{{body}}} has its maximum below its minimum");
        _position = close + 1;
        return (min, max);
    }

    private RegexNode ParseAtom(int end)
    {
        char c = _pattern[_position];
        switch (c)
        {
            case '(':
                int open = _position++;
                if (_position < end && _pattern[_position] == '?')
                {
                    if (_position + 1 < end && _pattern[_position + 1] == ':') _position += 2;
                    else throw Error("only non-capturing groups '(?:' are supported; lookarounds and named groups are not");
                }
                var inner = ParseAlternation(end);
                if (_position >= end || _pattern[_position] != ')')
                {
                    _position = open;
                    throw Error("unclosed '('");
                }
                _position++;
                return inner;
            case '[':
                return new ClassNode(ParseClass(end));
            case '.':
                _position++;
                return new ClassNode(NotNewline);
            case '\\':
                return new ClassNode(ParseEscape(end, inClass: false));
            case '*' or '+' or '?':
                throw Error($"quantifier '{c}' has nothing to repeat");
            case '{' when ParseBracesPeek(end):
                throw Error("quantifier '{' has nothing to repeat");
            case '^' or '$':
                throw Error($"anchor '{c}' is only supported at the start (^) or end ($) of the pattern");
            default:
                int codePoint = char.ConvertToUtf32(_pattern, _position);
                _position += char.IsSurrogatePair(_pattern, _position) ? 2 : 1;
                return new ClassNode(CodePointSet.Of(codePoint));
        }
    }

    private bool ParseBracesPeek(int end)
    {
        int saved = _position;
        bool quantifier = ParseBraces(end) is not null;
        _position = saved;
        return quantifier;
    }

    private CodePointSet ParseClass(int end)
    {
        int open = _position++;
        bool negated = _position < end && _pattern[_position] == '^';
        if (negated) _position++;
        var set = CodePointSet.Empty;
        bool first = true;
        while (true)
        {
            if (_position >= end)
            {
                _position = open;
                throw Error("unclosed '['");
            }
            if (_pattern[_position] == ']' && !first) { _position++; break; }
            first = false;
            var low = ParseClassMember(end);
            if (_position + 1 < end && _pattern[_position] == '-' && _pattern[_position + 1] != ']')
            {
                int dash = _position++;
                var high = ParseClassMember(end);
                if (low is not { Ranges: [(var a, var a2)] } || a != a2 || high is not { Ranges: [(var b, var b2)] } || b != b2)
                {
                    _position = dash;
                    throw Error("a class range needs a single character at each end");
                }
                if (b < a)
                {
                    _position = dash;
                    throw Error("class range out of order");
                }
                set = set.Union(CodePointSet.Range(a, b));
            }
            else set = set.Union(low);
        }
        return negated ? set.Complement() : set;
    }

    private CodePointSet ParseClassMember(int end)
    {
        if (_pattern[_position] == '\\') return ParseEscape(end, inClass: true);
        int codePoint = char.ConvertToUtf32(_pattern, _position);
        _position += char.IsSurrogatePair(_pattern, _position) ? 2 : 1;
        return CodePointSet.Of(codePoint);
    }

    private CodePointSet ParseEscape(int end, bool inClass)
    {
        int start = _position++;
        if (_position >= end)
        {
            _position = start;
            throw Error("pattern ends with a lone '\\'");
        }
        char e = _pattern[_position++];
        switch (e)
        {
            case 'd': return Digit;
            case 'D': return Digit.Complement();
            case 'w': return Word;
            case 'W': return Word.Complement();
            case 's': return Space;
            case 'S': return Space.Complement();
            case 'n': return CodePointSet.Of('\n');
            case 't': return CodePointSet.Of('\t');
            case 'r': return CodePointSet.Of('\r');
            case 'f': return CodePointSet.Of('\f');
            case 'v': return CodePointSet.Of('\v');
            case '0': return CodePointSet.Of(0);
            case 'x': return CodePointSet.Of(ParseHex(2, start));
            case 'u': return CodePointSet.Of(ParseHex(4, start));
            case 'b' when inClass: return CodePointSet.Of('\b');
        }
        if (char.IsAsciiLetterOrDigit(e))
        {
            _position = start;
            throw Error($"unsupported escape '\\{e}'");
        }
        return CodePointSet.Of(e);
    }

    private int ParseHex(int digits, int start)
    {
        if (_position + digits > _pattern.Length || !int.TryParse(_pattern.AsSpan(_position, digits), System.Globalization.NumberStyles.AllowHexSpecifier, null, out int value))
        {
            _position = start;
            throw Error($"escape needs {digits} hexadecimal digits");
        }
        _position += digits;
        if (value is >= 0xD800 and <= 0xDFFF)
        {
            _position = start;
            throw Error("escape names a surrogate code point, which UTF-8 text cannot hold");
        }
        return value;
    }
}
