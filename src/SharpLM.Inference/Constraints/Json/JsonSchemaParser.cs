using System.Text.Encodings.Web;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Inference.Constraints.Json;

/// <summary>
/// Reads the JSON Schema subset that generation can guarantee: type (one or a list), enum, const, anyOf, oneOf
/// (of disjoint alternatives), properties, required, items, minItems/maxItems, minLength/maxLength and additionalProperties false (also the default:
/// a generated object holds only declared properties). Annotations (title, description, format, default,
/// examples, $schema, $id, $comment) are ignored. Any other keyword is refused with its JSON path rather than
/// silently dropped, because a dropped assertion would let generated documents fail the caller's validation.
/// </summary>
public static class JsonSchemaParser
{
    private static readonly HashSet<string> Annotations = ["$schema", "$id", "$comment", "title", "description", "format", "default", "examples", "readOnly", "writeOnly", "deprecated"];

    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, Indented = false };

    public static JsonSchemaNode Load(string path)
    {
        InputFiles.RequireFile(path, "JSON Schema");
        return Parse(File.ReadAllText(path), path);
    }

    public static JsonSchemaNode Parse(string json, string origin = "schema")
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{origin}: not valid JSON at line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1} ({JsonFile.FirstSentence(e.Message)}).");
        }
        using (document) return Node(document.RootElement, "$", origin);
    }

    private static SharpLMException Error(string origin, string path, string message) => new($"{origin}: {path}: {message}");

    private static JsonSchemaNode Node(JsonElement schema, string path, string origin)
    {
        if (schema.ValueKind != JsonValueKind.Object)
            throw Error(origin, path, $"a schema must be an object (got {schema.ValueKind.ToString().ToLowerInvariant()}).");
        if (schema.TryGetProperty("anyOf", out _) || schema.TryGetProperty("oneOf", out _)) return Alternatives(schema, path, origin);
        foreach (var keyword in schema.EnumerateObject())
            if (!Annotations.Contains(keyword.Name) && keyword.Name is not ("type" or "enum" or "const" or "properties" or "required" or "items"
                    or "additionalProperties" or "minItems" or "maxItems" or "minLength" or "maxLength"))
                throw Error(origin, $"{path}.{keyword.Name}", $"keyword '{keyword.Name}' is not supported for constrained generation.");

        var kinds = ReadKinds(schema, path, origin);
        IReadOnlyList<int[]>? literals = null;
        if (schema.TryGetProperty("const", out var constant)) literals = [CodePoints(CompactText(constant))];
        if (schema.TryGetProperty("enum", out var values))
        {
            if (literals is not null) throw Error(origin, $"{path}.enum", "use either 'enum' or 'const', not both.");
            if (values.ValueKind != JsonValueKind.Array || values.GetArrayLength() == 0)
                throw Error(origin, $"{path}.enum", "'enum' must be a non-empty array.");
            var kept = values.EnumerateArray().Where(v => kinds == JsonKinds.None || (KindOf(v) & kinds) != 0).Select(v => CodePoints(CompactText(v))).ToList();
            if (kept.Count == 0) throw Error(origin, $"{path}.enum", "no value of 'enum' has a type that 'type' allows.");
            literals = kept.DistinctBy(t => string.Join(',', t)).ToList();
        }
        else if (literals is not null && kinds != JsonKinds.None && (KindOf(constant) & kinds) == 0)
            throw Error(origin, $"{path}.const", "the value of 'const' has a type that 'type' does not allow.");

        if (literals is null && kinds == JsonKinds.None)
        {
            if (schema.TryGetProperty("properties", out _) || schema.TryGetProperty("required", out _)) kinds = JsonKinds.Object;
            else if (schema.TryGetProperty("items", out _)) kinds = JsonKinds.Array;
            else if (schema.TryGetProperty("minLength", out _) || schema.TryGetProperty("maxLength", out _)) kinds = JsonKinds.String;
            else throw Error(origin, path, "needs 'type', 'enum' or 'const' (schemas that allow any value are not supported for generation).");
        }

        var properties = new List<JsonProperty>();
        ulong required = 0;
        if (schema.TryGetProperty("properties", out var declared))
        {
            if (declared.ValueKind != JsonValueKind.Object) throw Error(origin, $"{path}.properties", "'properties' must be an object.");
            foreach (var property in declared.EnumerateObject())
                properties.Add(new JsonProperty(property.Name, CodePoints(JsonSerializer.Serialize(property.Name, new JsonSerializerOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping })),
                    Node(property.Value, $"{path}.properties.{property.Name}", origin)));
            if (properties.Count > 64) throw Error(origin, $"{path}.properties", $"at most 64 properties per object are supported (got {properties.Count}).");
        }
        if (schema.TryGetProperty("required", out var names))
        {
            if (names.ValueKind != JsonValueKind.Array) throw Error(origin, $"{path}.required", "'required' must be an array of property names.");
            int index = 0;
            foreach (var name in names.EnumerateArray())
            {
                int at = name.ValueKind == JsonValueKind.String ? properties.FindIndex(p => p.Name == name.GetString()) : -1;
                if (at < 0)
                    throw Error(origin, $"{path}.required[{index}]", $"required property {name.GetRawText()} is not declared in 'properties' (generated objects hold only declared properties).");
                required |= 1UL << at;
                index++;
            }
        }
        if (schema.TryGetProperty("additionalProperties", out var additional) && additional.ValueKind != JsonValueKind.False)
            throw Error(origin, $"{path}.additionalProperties", "only 'additionalProperties': false is supported for generation.");

        JsonSchemaNode? items = null;
        if (schema.TryGetProperty("items", out var itemSchema)) items = Node(itemSchema, $"{path}.items", origin);
        else if (literals is null && (kinds & JsonKinds.Array) != 0) throw Error(origin, path, "an array schema needs 'items' (arrays of any value are not supported for generation).");

        int minItems = Count(schema, "minItems", path, origin) ?? 0, minLength = Count(schema, "minLength", path, origin) ?? 0;
        int? maxItems = Count(schema, "maxItems", path, origin), maxLength = Count(schema, "maxLength", path, origin);
        if (maxItems < minItems) throw Error(origin, $"{path}.maxItems", "'maxItems' is below 'minItems'.");
        if (maxLength < minLength) throw Error(origin, $"{path}.maxLength", "'maxLength' is below 'minLength'.");

        return new JsonSchemaNode
        {
            Path = path, Kinds = kinds, Literals = literals, Properties = properties, Required = required, Items = items,
            MinItems = minItems, MaxItems = maxItems, MinLength = minLength, MaxLength = maxLength,
        };
    }

    /// <summary>
    /// anyOf / oneOf: the value matches one of the alternatives. Other assertions beside them are refused (each
    /// would apply to every alternative: write it into each). oneOf is accepted only when no document can match two
    /// alternatives (<see cref="JsonSchemaOverlap"/>), since the matcher would otherwise produce one that fails it.
    /// </summary>
    private static JsonSchemaNode Alternatives(JsonElement schema, string path, string origin)
    {
        bool oneOf = schema.TryGetProperty("oneOf", out var list);
        string keyword = oneOf ? "oneOf" : "anyOf";
        if (!oneOf) list = schema.GetProperty("anyOf");
        foreach (var other in schema.EnumerateObject())
            if (other.Name != keyword && !Annotations.Contains(other.Name))
                throw Error(origin, $"{path}.{other.Name}", $"'{other.Name}' beside '{keyword}' is not supported for generation: put it into each alternative.");
        if (list.ValueKind != JsonValueKind.Array || list.GetArrayLength() == 0) throw Error(origin, $"{path}.{keyword}", $"'{keyword}' must be a non-empty array of schemas.");
        var alternatives = list.EnumerateArray().Select((alternative, i) => Node(alternative, $"{path}.{keyword}[{i}]", origin)).ToList();
        if (oneOf)
            for (int i = 0; i < alternatives.Count; i++)
                for (int j = i + 1; j < alternatives.Count; j++)
                    if (!JsonSchemaOverlap.Disjoint(alternatives[i], alternatives[j]))
                        throw Error(origin, $"{path}.oneOf[{j}]", $"a document may match both oneOf[{i}] and oneOf[{j}], which oneOf forbids: make them differ in type, in a const or enum of a property both require, or in a property only one declares, or use anyOf.");
        return new JsonSchemaNode { Path = path, Alternatives = alternatives };
    }

    private static JsonKinds ReadKinds(JsonElement schema, string path, string origin)
    {
        if (!schema.TryGetProperty("type", out var type)) return JsonKinds.None;
        var names = type.ValueKind switch
        {
            JsonValueKind.String => [type],
            JsonValueKind.Array => type.EnumerateArray().ToList(),
            _ => throw Error(origin, $"{path}.type", "'type' must be a type name or an array of them."),
        };
        if (names.Count == 0) throw Error(origin, $"{path}.type", "'type' must not be an empty array.");
        var kinds = JsonKinds.None;
        foreach (var name in names)
            kinds |= (name.ValueKind == JsonValueKind.String ? name.GetString() : null) switch
            {
                "object" => JsonKinds.Object,
                "array" => JsonKinds.Array,
                "string" => JsonKinds.String,
                "number" => JsonKinds.Number,
                "integer" => JsonKinds.Integer,
                "boolean" => JsonKinds.Boolean,
                "null" => JsonKinds.Null,
                _ => throw Error(origin, $"{path}.type", $"unknown type {name.GetRawText()} (expected object, array, string, number, integer, boolean or null)."),
            };
        return kinds;
    }

    private static int? Count(JsonElement schema, string keyword, string path, string origin)
    {
        if (!schema.TryGetProperty(keyword, out var value)) return null;
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out int count) || count < 0)
            throw Error(origin, $"{path}.{keyword}", $"'{keyword}' must be a non-negative integer.");
        return count;
    }

    private static JsonKinds KindOf(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => JsonKinds.Object,
        JsonValueKind.Array => JsonKinds.Array,
        JsonValueKind.String => JsonKinds.String,
        JsonValueKind.Number => value.GetRawText().IndexOfAny(['.', 'e', 'E']) < 0 ? JsonKinds.Number | JsonKinds.Integer : JsonKinds.Number,
        JsonValueKind.True or JsonValueKind.False => JsonKinds.Boolean,
        _ => JsonKinds.Null,
    };

    private static string CompactText(JsonElement value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Compact)) value.WriteTo(writer);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static int[] CodePoints(string text)
    {
        var points = new List<int>(text.Length);
        for (int i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1) points.Add(char.ConvertToUtf32(text, i));
        return points.ToArray();
    }
}
