using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SharpLM.Feedback.Flywheel;

/// <summary>
/// The text an item is compared by. Normalised for exact duplicates: Unicode NFKC, lowercase, whitespace runs made one
/// space, trimmed — so answers that differ only in case or spacing are one item. For JSON lines (training data), the
/// text is every string value joined by newlines, except the values of structural keys (role, from, name, type, id):
/// a chat line and a prompt–completion line with the same turns then compare equal.
/// </summary>
internal static class ItemText
{
    private static readonly HashSet<string> StructuralKeys = ["role", "from", "name", "type", "id", "feedback_id", "tool_call_id"];

    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        bool space = false;
        foreach (char c in text.Normalize(NormalizationForm.FormKC))
        {
            if (char.IsWhiteSpace(c))
            {
                space = builder.Length > 0;
                continue;
            }
            if (space) builder.Append(' ');
            space = false;
            builder.Append(char.ToLower(c, CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }

    public static string OfJson(JsonElement element)
    {
        var builder = new StringBuilder();
        Append(element, builder);
        return builder.ToString();
    }

    private static void Append(JsonElement value, StringBuilder text)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                if (text.Length > 0) text.Append('\n');
                text.Append(value.GetString());
                break;
            case JsonValueKind.Array:
                foreach (var element in value.EnumerateArray()) Append(element, text);
                break;
            case JsonValueKind.Object:
                foreach (var property in value.EnumerateObject())
                    if (!StructuralKeys.Contains(property.Name)) Append(property.Value, text);
                break;
        }
    }
}
