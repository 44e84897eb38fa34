using System.Globalization;
using System.Text.Json;

namespace SharpLM.Inference.Tests.Constraints;

/// <summary>
/// An independent validator for the schema keywords the generator supports, read straight from the schema's
/// JSON (it shares no code with the matcher). Objects may hold only declared properties, as generation promises.
/// </summary>
internal static class SchemaValidator
{
    public static string? Problem(JsonElement schema, JsonElement value, string path = "$")
    {
        if (schema.TryGetProperty("anyOf", out var anyOf))
            return anyOf.EnumerateArray().Any(a => Problem(a, value, path) is null) ? null : $"{path}: matches no anyOf alternative";
        if (schema.TryGetProperty("oneOf", out var oneOf))
        {
            int matches = oneOf.EnumerateArray().Count(a => Problem(a, value, path) is null);
            return matches == 1 ? null : $"{path}: matches {matches} oneOf alternatives";
        }
        // A fixed value needs no further checks (the generator never pairs enum or const with other keywords).
        if (schema.TryGetProperty("const", out var constant)) return JsonElement.DeepEquals(constant, value) ? null : $"{path}: not the const value";
        if (schema.TryGetProperty("enum", out var values)) return values.EnumerateArray().Any(v => JsonElement.DeepEquals(v, value)) ? null : $"{path}: not an enum value";
        if (schema.TryGetProperty("type", out var type))
        {
            var names = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
            if (!names.Any(name => HasType(value, name))) return $"{path}: not of type {string.Join("/", names)}";
        }
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                var declared = schema.TryGetProperty("properties", out var p) ? p : default;
                foreach (var property in value.EnumerateObject())
                {
                    if (declared.ValueKind != JsonValueKind.Object || !declared.TryGetProperty(property.Name, out var propertySchema))
                        return $"{path}: undeclared property '{property.Name}'";
                    if (Problem(propertySchema, property.Value, $"{path}.{property.Name}") is { } inner) return inner;
                }
                if (value.EnumerateObject().Select(q => q.Name).Distinct().Count() != value.EnumerateObject().Count()) return $"{path}: duplicate key";
                if (schema.TryGetProperty("required", out var required))
                    foreach (var name in required.EnumerateArray())
                        if (!value.TryGetProperty(name.GetString()!, out _)) return $"{path}: missing required '{name.GetString()}'";
                break;
            case JsonValueKind.Array:
                int count = value.GetArrayLength();
                if (schema.TryGetProperty("minItems", out var minItems) && count < minItems.GetInt32()) return $"{path}: too few items";
                if (schema.TryGetProperty("maxItems", out var maxItems) && count > maxItems.GetInt32()) return $"{path}: too many items";
                if (schema.TryGetProperty("items", out var items))
                {
                    int index = 0;
                    foreach (var item in value.EnumerateArray())
                        if (Problem(items, item, $"{path}[{index++}]") is { } inner) return inner;
                }
                break;
            case JsonValueKind.String:
                string text = value.GetString()!;
                int length = text.EnumerateRunes().Count();
                if (schema.TryGetProperty("minLength", out var minLength) && length < minLength.GetInt32()) return $"{path}: string too short";
                if (schema.TryGetProperty("maxLength", out var maxLength) && length > maxLength.GetInt32()) return $"{path}: string too long";
                break;
        }
        return null;
    }

    private static bool HasType(JsonElement value, string name) => name switch
    {
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        "string" => value.ValueKind == JsonValueKind.String,
        "number" => value.ValueKind == JsonValueKind.Number && double.IsFinite(double.Parse(value.GetRawText(), CultureInfo.InvariantCulture)),
        "integer" => value.ValueKind == JsonValueKind.Number && double.Parse(value.GetRawText(), CultureInfo.InvariantCulture) is var d && double.IsFinite(d) && Math.Floor(d) == d,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => value.ValueKind == JsonValueKind.Null,
        _ => throw new ArgumentException(name),
    };
}
