using System.Text.Json.Nodes;
using SharpLM.Core;

namespace SharpLM.Tokenizers.HuggingFace;

/// <summary>
/// Typed reads of tokenizer.json fields that name the file and field when a value has the wrong JSON type,
/// where JsonNode's own accessors would throw an exception that names neither.
/// </summary>
internal static class JsonFields
{
    public static T Required<T>(JsonObject parent, string name, string origin, string path) where T : JsonNode =>
        parent[name] as T ?? throw new SharpLMException(parent.ContainsKey(name)
            ? $"{origin}: field '{path}' has the wrong type (expected {(typeof(T) == typeof(JsonObject) ? "an object" : typeof(T) == typeof(JsonArray) ? "an array" : "a value")})."
            : $"{origin}: field '{path}' is missing.");

    /// <summary>An object, or null where the field is absent or JSON null.</summary>
    public static JsonObject? OptionalObject(JsonNode? node, string origin, string path) => node switch
    {
        null => null,
        JsonObject o => o,
        _ => throw new SharpLMException($"{origin}: field '{path}' is {Shorten(node.ToJsonString())}, expected an object or null."),
    };

    public static string RequiredText(JsonObject parent, string name, string origin, string path) =>
        OptionalText(parent, name, origin, path) ?? throw new SharpLMException($"{origin}: field '{path}' is missing.");

    /// <summary>A string, or null where the field is absent or JSON null.</summary>
    public static string? OptionalText(JsonObject parent, string name, string origin, string path) => parent[name] switch
    {
        null => null,
        JsonValue v when v.TryGetValue(out string? text) => text,
        var other => throw new SharpLMException($"{origin}: field '{path}' is {Shorten(other.ToJsonString())}, expected a string."),
    };

    /// <summary>A boolean, or <paramref name="absent"/> where the field is absent or JSON null.</summary>
    public static bool Flag(JsonObject parent, string name, bool absent, string origin, string path) => parent[name] switch
    {
        null => absent,
        JsonValue v when v.TryGetValue(out bool flag) => flag,
        var other => throw new SharpLMException($"{origin}: field '{path}' is {Shorten(other.ToJsonString())}, expected true or false."),
    };

    private static string Shorten(string json) => json.Length <= 40 ? json : json[..40] + "…";
}
