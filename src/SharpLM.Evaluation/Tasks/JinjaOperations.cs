using System.Globalization;
using System.Text.RegularExpressions;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>Python semantics for the operations templates perform on document values.</summary>
internal static class JinjaOperations
{
    public static IEnumerable<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        string s => s.Select(c => (object?)c.ToString()),
        Dictionary<string, object?> map => map.Keys,
        _ => throw new SharpLMException($"the template iterates over {Describe(value)}, which is not a list."),
    };

    public static object? Attribute(object? target, string name)
    {
        if (target is Dictionary<string, object?> map)
            return map.TryGetValue(name, out var value) ? value : throw new SharpLMException($"the template uses '.{name}', which the document's object does not have.");
        throw new SharpLMException($"the template uses '.{name}' on {Describe(target)}.");
    }

    public static object? Index(object? target, object? key)
    {
        switch (target)
        {
            case Dictionary<string, object?> map when key is string name:
                return map.TryGetValue(name, out var value) ? value : throw new SharpLMException($"the template uses ['{name}'], which the document's object does not have.");
            case List<object?> list when key is long i:
                return list[Position(i, list.Count)];
            case string s when key is long i:
                return s[Position(i, s.Length)].ToString();
        }
        throw new SharpLMException($"the template indexes {Describe(target)} with {PythonValue.Repr(key)}.");
    }

    private static int Position(long index, int count)
    {
        long position = index < 0 ? count + index : index;
        if (position < 0 || position >= count) throw new SharpLMException($"the template's index {index} is out of range for a length of {count}.");
        return (int)position;
    }

    public static object? Slice(object? target, object? start, object? stop)
    {
        int Bound(object? value, int count, int fallback)
        {
            if (value is null) return fallback;
            if (value is not long l) throw new SharpLMException($"the template slices with {PythonValue.Repr(value)}.");
            long position = l < 0 ? count + l : l;
            return (int)Math.Clamp(position, 0, count);
        }
        switch (target)
        {
            case List<object?> list:
            {
                int from = Bound(start, list.Count, 0), to = Bound(stop, list.Count, list.Count);
                return to > from ? list.GetRange(from, to - from) : [];
            }
            case string s:
            {
                int from = Bound(start, s.Length, 0), to = Bound(stop, s.Length, s.Length);
                return to > from ? s[from..to] : "";
            }
        }
        throw new SharpLMException($"the template slices {Describe(target)}.");
    }

    public static object? CallMethod(object? target, string name, List<object?> arguments)
    {
        switch (target, name, arguments.Count)
        {
            case (string s, "strip", 0): return s.Trim();
            case (string s, "strip", 1): return s.Trim(Text(arguments[0]).ToCharArray());
            case (string s, "lstrip", 0): return s.TrimStart();
            case (string s, "rstrip", 0): return s.TrimEnd();
            case (string s, "lower", 0): return s.ToLowerInvariant();
            case (string s, "upper", 0): return s.ToUpperInvariant();
            case (string s, "capitalize", 0): return s.Length == 0 ? s : char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant();
            case (string s, "split", 0): return s.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(p => (object?)p).ToList();
            case (string s, "split", 1): return s.Split(Text(arguments[0])).Select(p => (object?)p).ToList();
            case (string s, "replace", 2): return s.Replace(Text(arguments[0]), Text(arguments[1]));
            case (string s, "startswith", 1): return s.StartsWith(Text(arguments[0]), StringComparison.Ordinal);
            case (string s, "endswith", 1): return s.EndsWith(Text(arguments[0]), StringComparison.Ordinal);
            case (string s, "join", 1): return string.Join(s, Iterate(arguments[0]).Select(PythonValue.Str));
            case (string s, "index" or "find", 1):
            {
                int found = s.IndexOf(Text(arguments[0]), StringComparison.Ordinal);
                if (found < 0 && name == "index") throw new SharpLMException($"the template's .index({PythonValue.Repr(arguments[0])}) found nothing.");
                return (long)found;
            }
            case (List<object?> list, "index", 1):
            {
                int found = list.FindIndex(item => PythonEquals(item, arguments[0]));
                if (found < 0) throw new SharpLMException($"the template's .index({PythonValue.Repr(arguments[0])}) is not in {PythonValue.Repr(list)}.");
                return (long)found;
            }
            case (List<object?> list, "count", 1): return (long)list.Count(item => PythonEquals(item, arguments[0]));
            case (Dictionary<string, object?> map, "get", 1 or 2):
                return map.TryGetValue(Text(arguments[0]), out var value) ? value : arguments.Count == 2 ? arguments[1] : null;
            case (Dictionary<string, object?> map, "keys", 0): return map.Keys.Select(k => (object?)k).ToList();
            case (Dictionary<string, object?> map, "values", 0): return map.Values.ToList();
        }
        throw JinjaParser.Unsupported($".{name}() on {Describe(target)}");
    }

    public static object? ApplyFilter(string name, object? value, List<object?> arguments)
    {
        switch (name, arguments.Count)
        {
            case ("trim", 0): return PythonValue.Str(value).Trim();
            case ("lower", 0): return PythonValue.Str(value).ToLowerInvariant();
            case ("upper", 0): return PythonValue.Str(value).ToUpperInvariant();
            case ("string", 0): return PythonValue.Str(value);
            case ("length" or "count", 0):
                return value switch
                {
                    string s => (long)s.Length,
                    List<object?> l => (long)l.Count,
                    Dictionary<string, object?> m => (long)m.Count,
                    _ => throw new SharpLMException($"the template takes the length of {Describe(value)}."),
                };
            case ("int", 0):
                return value switch
                {
                    long l => l,
                    double d => (long)Math.Truncate(d),
                    bool b => b ? 1L : 0L,
                    string s when long.TryParse(s.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) => l,
                    _ => 0L,
                };
            case ("float", 0):
                return value switch
                {
                    long l => (double)l,
                    double d => d,
                    string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double d) => d,
                    _ => 0.0,
                };
            case ("first", 0): return Iterate(value).FirstOrDefault();
            case ("last", 0): return Iterate(value).LastOrDefault();
            case ("list", 0): return Iterate(value).ToList();
            case ("join", 0 or 1): return string.Join(arguments.Count == 1 ? Text(arguments[0]) : "", Iterate(value).Select(PythonValue.Str));
            case ("replace", 2): return PythonValue.Str(value).Replace(Text(arguments[0]), Text(arguments[1]));
            case ("default", 1): return value ?? arguments[0];
            // lm-eval registers regex_replace on its Jinja environment.
            case ("regex_replace", 2): return Regex.Replace(PythonValue.Str(value), Text(arguments[0]), Text(arguments[1]).Replace("\\", "$"));
        }
        throw JinjaParser.Unsupported($"|{name}");
    }

    public static object? Compare(string op, object? left, object? right)
    {
        switch (op)
        {
            case "==": return PythonEquals(left, right);
            case "!=": return !PythonEquals(left, right);
            case "in": return Contains(right, left);
            case "not in": return !Contains(right, left);
        }
        int order = (left, right) switch
        {
            (string a, string b) => string.CompareOrdinal(a, b),
            _ when IsNumber(left) && IsNumber(right) => Number(left).CompareTo(Number(right)),
            _ => throw new SharpLMException($"the template compares {Describe(left)} with {Describe(right)}."),
        };
        return op switch { "<" => order < 0, ">" => order > 0, "<=" => order <= 0, _ => order >= 0 };
    }

    public static object? Arithmetic(string op, object? left, object? right)
    {
        if (op == "+" && left is string a && right is string b) return a + b;
        if (op == "+" && left is List<object?> x && right is List<object?> y) return x.Concat(y).ToList();
        if (op == "%" && left is string format) throw JinjaParser.Unsupported($"'{format}' % ...");
        if (!IsNumber(left) || !IsNumber(right)) throw new SharpLMException($"the template applies '{op}' to {Describe(left)} and {Describe(right)}.");
        if (left is long l && right is long r && op != "/")
        {
            return op switch
            {
                "+" => l + r,
                "-" => l - r,
                "*" => l * r,
                "//" => r == 0 ? throw new SharpLMException("the template divides by zero.") : (long)Math.Floor((double)l / r),
                _ => r == 0 ? throw new SharpLMException("the template divides by zero.") : ((l % r) + r) % r,
            };
        }
        double p = Number(left), q = Number(right);
        return op switch { "+" => p + q, "-" => p - q, "*" => p * q, "/" => p / q, "//" => Math.Floor(p / q), _ => p - q * Math.Floor(p / q) };
    }

    public static bool PythonEquals(object? left, object? right) => (left, right) switch
    {
        (null, null) => true,
        (string a, string b) => a == b,
        _ when IsNumber(left) && IsNumber(right) => Number(left) == Number(right),
        (List<object?> a, List<object?> b) => a.Count == b.Count && a.Zip(b).All(p => PythonEquals(p.First, p.Second)),
        _ => false,
    };

    private static bool Contains(object? container, object? item) => container switch
    {
        string s => s.Contains(Text(item), StringComparison.Ordinal),
        List<object?> list => list.Any(x => PythonEquals(x, item)),
        Dictionary<string, object?> map => item is string key && map.ContainsKey(key),
        _ => throw new SharpLMException($"the template tests membership in {Describe(container)}."),
    };

    private static bool IsNumber(object? value) => value is long or double or bool;

    private static double Number(object? value) => value switch { long l => l, double d => d, bool b => b ? 1 : 0, _ => 0 };

    private static string Text(object? value) => value as string ?? PythonValue.Str(value);

    private static string Describe(object? value) => value switch
    {
        null => "None",
        string => "a string",
        long or double => "a number",
        bool => "a boolean",
        List<object?> => "a list",
        Dictionary<string, object?> => "an object",
        _ => value.GetType().Name,
    };
}
