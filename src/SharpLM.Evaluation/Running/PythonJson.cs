using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Running;

/// <summary>
/// Python's <c>json.dumps(value, indent=2, ensure_ascii=False)</c>, byte for byte, and the SHA-256 hex digests
/// lm-eval stores for documents, prompts and targets, so that hashes compare across the two tools.
/// </summary>
public static class PythonJson
{
    public static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string DumpIndented(object? value)
    {
        var builder = new StringBuilder();
        Write(builder, value, 0);
        return builder.ToString();
    }

    private static void Write(StringBuilder builder, object? value, int depth)
    {
        switch (value)
        {
            case null: builder.Append("null"); break;
            case bool b: builder.Append(b ? "true" : "false"); break;
            case long or int: builder.Append(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
            case double d:
                builder.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : PythonValue.Repr(d));
                break;
            case string s: WriteString(builder, s); break;
            case List<object?> list:
                if (list.Count == 0) { builder.Append("[]"); break; }
                builder.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    builder.Append(i == 0 ? "\n" : ",\n").Append(' ', 2 * (depth + 1));
                    Write(builder, list[i], depth + 1);
                }
                builder.Append('\n').Append(' ', 2 * depth).Append(']');
                break;
            case Dictionary<string, object?> map:
                if (map.Count == 0) { builder.Append("{}"); break; }
                builder.Append('{');
                bool first = true;
                foreach (var (key, item) in map)
                {
                    builder.Append(first ? "\n" : ",\n").Append(' ', 2 * (depth + 1));
                    first = false;
                    WriteString(builder, key);
                    builder.Append(": ");
                    Write(builder, item, depth + 1);
                }
                builder.Append('\n').Append(' ', 2 * depth).Append('}');
                break;
            default: WriteString(builder, value.ToString() ?? ""); break;
        }
    }

    private static void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                default:
                    if (c < 0x20) builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else builder.Append(c);
                    break;
            }
        }
        builder.Append('"');
    }
}
