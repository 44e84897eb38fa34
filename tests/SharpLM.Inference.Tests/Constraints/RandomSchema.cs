using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpLM.Inference.Tests.Constraints;

/// <summary>Random schemas in the supported subset (nested objects and arrays, enums, const, required, type lists), and instances of them.</summary>
internal static class RandomSchema
{
    private static readonly string[] Names = ["id", "name", "tags", "ok", "n", "名前", "a\"b", "x y", "value", "items"];

    public static JsonObject Schema(Random random, int depth = 3)
    {
        int pick = random.Next(depth > 0 ? 12 : 8);
        switch (pick)
        {
            case 0: return new JsonObject { ["type"] = "string" };
            case 1: return new JsonObject { ["type"] = "string", ["minLength"] = 1, ["maxLength"] = random.Next(1, 5) };
            case 2: return new JsonObject { ["type"] = "number" };
            case 3: return new JsonObject { ["type"] = "integer" };
            case 4: return new JsonObject { ["type"] = "boolean" };
            case 5: return new JsonObject { ["type"] = new JsonArray("string", "null") };
            case 6: return new JsonObject { ["enum"] = new JsonArray("red", "green", "ré\"d", 1, 12, 1.5, null, true) };
            case 7: return new JsonObject { ["const"] = random.Next(2) == 0 ? "fixed" : JsonNode.Parse("{\"k\":[1,2]}") };
            case 8 or 9 or 10:
            {
                var properties = new JsonObject();
                var required = new JsonArray();
                foreach (string name in Names.OrderBy(_ => random.Next()).Take(random.Next(0, 5)))
                {
                    properties[name] = Schema(random, depth - 1);
                    if (random.Next(2) == 0) required.Add(name);
                }
                var schema = new JsonObject { ["type"] = "object", ["properties"] = properties, ["required"] = required };
                if (random.Next(2) == 0) schema["additionalProperties"] = false;
                return schema;
            }
            default:
            {
                var schema = new JsonObject { ["type"] = "array", ["items"] = Schema(random, depth - 1) };
                if (random.Next(2) == 0) schema["minItems"] = 1;
                if (random.Next(2) == 0) schema["maxItems"] = 3;
                return schema;
            }
        }
    }

    /// <summary>Characters for instance strings; astral ones are left out, as the serializer writes them as escaped surrogate pairs, which the matcher does not produce.</summary>
    private static readonly string[] StringPieces = ["a", "Z", " ", "é", "\"", "\\", "\n", "名", "/", "\t"];

    /// <summary>A valid instance of <paramref name="schema"/>, written without the matcher's help.</summary>
    public static JsonNode? Instance(JsonObject schema, Random random)
    {
        if (schema["const"] is { } constant) return constant.DeepClone();
        if (schema["enum"] is JsonArray values) return values[random.Next(values.Count)]?.DeepClone();
        var type = schema["type"]!;
        string kind = type is JsonArray types ? types[random.Next(types.Count)]!.GetValue<string>() : type.GetValue<string>();
        switch (kind)
        {
            case "string":
                int min = schema["minLength"]?.GetValue<int>() ?? 0, max = schema["maxLength"]?.GetValue<int>() ?? 6;
                return string.Concat(Enumerable.Range(0, random.Next(min, max + 1)).Select(_ => StringPieces[random.Next(StringPieces.Length)]));
            case "number": return Math.Round(random.NextDouble() * 200 - 100, 3);
            case "integer": return random.Next(-1000, 1000);
            case "boolean": return random.Next(2) == 0;
            case "null": return null;
            case "object":
                var result = new JsonObject();
                var required = schema["required"]!.AsArray().Select(n => n!.GetValue<string>()).ToHashSet();
                foreach (var (name, propertySchema) in schema["properties"]!.AsObject())
                    if (required.Contains(name) || random.Next(2) == 0) result[name] = Instance(propertySchema!.AsObject(), random);
                return result;
            default:
                int minItems = schema["minItems"]?.GetValue<int>() ?? 0, maxItems = schema["maxItems"]?.GetValue<int>() ?? 3;
                var array = new JsonArray();
                for (int i = random.Next(minItems, maxItems + 1); i > 0; i--) array.Add(Instance(schema["items"]!.AsObject(), random));
                return array;
        }
    }

    public static readonly JsonSerializerOptions Compact = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
