using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Safety.Transforms;

/// <summary>
/// Attack transforms in JSONL, one a line: <c>{"name": "...", "system": "..." (optional), "turns": ["...{prompt}...", ...]}</c>,
/// with the placeholders of <see cref="TemplateTransform"/>. Names are unique across all files.
/// </summary>
public static class TransformFile
{
    /// <summary>The built-in transforms shipped next to the assembly.</summary>
    public static string BuiltinPath => Path.Combine(AppContext.BaseDirectory, "safety", "transforms.jsonl");

    public static IReadOnlyList<TemplateTransform> LoadBuiltin() => Load([BuiltinPath]);

    public static IReadOnlyList<TemplateTransform> Load(IEnumerable<string> paths)
    {
        var transforms = new List<TemplateTransform>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in paths)
            foreach (var (number, utf8) in JsonlLines.Read(path, "transform file"))
            {
                string where = $"{path}:{number}";
                var transform = Parse(utf8, where);
                if (!seen.Add(transform.Name)) throw new SharpLMException($"{where}: field 'name' repeats the transform '{transform.Name}'.");
                transforms.Add(transform);
            }
        return transforms;
    }

    private static TemplateTransform Parse(ReadOnlyMemory<byte> utf8, string where)
    {
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(utf8).RootElement;
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{where}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
        }
        if (root.ValueKind != JsonValueKind.Object) throw new SharpLMException($"{where}: a transform must be a JSON object.");
        if (!root.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || !IsName(name.GetString()!))
            throw new SharpLMException($"{where}: field 'name' must be a string of letters, digits, '_' and '-'.");
        string? system = null;
        if (root.TryGetProperty("system", out var s))
            system = s.ValueKind == JsonValueKind.String ? s.GetString() : throw new SharpLMException($"{where}: field 'system' must be a string.");
        if (!root.TryGetProperty("turns", out var turns) || turns.ValueKind != JsonValueKind.Array
            || turns.EnumerateArray().Any(t => t.ValueKind != JsonValueKind.String))
            throw new SharpLMException($"{where}: field 'turns' must be an array of strings.");
        return new TemplateTransform(name.GetString()!, system, turns.EnumerateArray().Select(t => t.GetString()!).ToList(), where);
    }

    private static bool IsName(string name) => name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');
}
