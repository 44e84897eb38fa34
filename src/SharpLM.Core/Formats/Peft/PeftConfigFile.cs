using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Peft;

/// <summary>
/// An adapter folder's adapter_config.json parsed into a JSON object, with typed reads that fail with one line naming
/// the file and field. Every PEFT method's config is read through it.
/// </summary>
public sealed class PeftConfigFile
{
    public const string FileName = "adapter_config.json";

    public string Path { get; }
    public JsonObject Json { get; }

    private PeftConfigFile(string path, JsonObject json)
    {
        Path = path;
        Json = json;
    }

    public static PeftConfigFile Read(string directory)
    {
        string path = System.IO.Path.Combine(directory, FileName);
        InputFiles.RequireFile(path, "PEFT adapter config");
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
        }
        return root is JsonObject json ? new PeftConfigFile(path, json) : throw new SharpLMException($"{path}: expected a JSON object.");
    }

    /// <summary>peft_type: which PEFT method wrote the folder ("LORA", "PROMPT_TUNING", ...).</summary>
    public string PeftType => Get<string>("peft_type");

    public SharpLMException Problem(string field, string what) => new($"{Path}: field '{field}' {what}.");

    /// <summary>A field that must be present and of type <typeparamref name="T"/>.</summary>
    public T Get<T>(string field) => Json[field] is null ? throw Problem(field, "is missing") : Optional<T>(field)!;

    /// <summary>An integer field that may be absent or null.</summary>
    public int? OptionalInt(string field) => Json[field] is null ? null : Get<int>(field);

    /// <summary>A field that may be absent or null (default), otherwise of type <typeparamref name="T"/>.</summary>
    public T? Optional<T>(string field)
    {
        if (Json[field] is not { } node) return default;
        try
        {
            return node.GetValue<T>();
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException)
        {
            throw Problem(field, $"has the wrong type ({node.ToJsonString()})");
        }
    }
}
