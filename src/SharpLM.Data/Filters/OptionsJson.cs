using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Data.Filters;

/// <summary>
/// Reads the snake_case option records of the data stage (filters, MinHash, PII) from JSON. Unknown fields
/// are errors, so a misspelt threshold cannot silently fall back to its default.
/// </summary>
public static class OptionsJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        WriteIndented = true,
    };

    /// <summary>Parses <paramref name="json"/>; <paramref name="source"/> (a file name or "--filters") prefixes every error.</summary>
    public static T Parse<T>(string json, string source) where T : class
    {
        T? value;
        try
        {
            value = JsonSerializer.Deserialize<T>(json, Options);
        }
        catch (JsonException e)
        {
            string where = e.Path is { Length: > 0 } p && p != "$" ? $" at {p}" : "";
            throw new SharpLMException($"{source}: not valid {typeof(T).Name}{where} ({JsonFile.FirstSentence(e.Message)}).");
        }
        return value ?? throw new SharpLMException($"{source}: not valid {typeof(T).Name} (the JSON is 'null').");
    }

    public static string Write<T>(T value) => JsonSerializer.Serialize(value, Options);
}
