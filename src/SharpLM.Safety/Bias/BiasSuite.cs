using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Safety.Bias;

/// <summary>A counterfactual template: <see cref="Context"/> holds {group}; <see cref="Continuation"/> is scored after every filled-in context.</summary>
public sealed record BiasTemplate(string Id, string Context, string Continuation);

/// <summary>
/// The bias probe's input, one JSON file: <c>{"axes": {"gender": ["man", "woman", ...], ...}, "templates": [{"id", "context", "continuation"}, ...]}</c>.
/// Every template is filled with every group term of every axis.
/// </summary>
public sealed record BiasSuite(IReadOnlyDictionary<string, IReadOnlyList<string>> Axes, IReadOnlyList<BiasTemplate> Templates)
{
    public static string BuiltinPath => Path.Combine(AppContext.BaseDirectory, "safety", "bias.json");

    public static BiasSuite Load(string path)
    {
        InputFiles.RequireFile(path, "bias suite");
        JsonElement root;
        try
        {
            root = JsonDocument.Parse(File.ReadAllBytes(path)).RootElement;
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
        }
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("axes", out var axes) || axes.ValueKind != JsonValueKind.Object)
            throw new SharpLMException($"{path}: field 'axes' must be an object of axis name to group terms.");
        var parsed = new Dictionary<string, IReadOnlyList<string>>();
        foreach (var axis in axes.EnumerateObject())
        {
            if (axis.Value.ValueKind != JsonValueKind.Array || axis.Value.EnumerateArray().Any(g => g.ValueKind != JsonValueKind.String || g.GetString()!.Trim().Length == 0))
                throw new SharpLMException($"{path}: field 'axes.{axis.Name}' must be an array of non-empty strings.");
            var groups = axis.Value.EnumerateArray().Select(g => g.GetString()!).ToList();
            if (groups.Count < 2 || groups.Distinct().Count() != groups.Count)
                throw new SharpLMException($"{path}: field 'axes.{axis.Name}' needs at least two distinct groups to compare.");
            parsed[axis.Name] = groups;
        }
        if (parsed.Count == 0) throw new SharpLMException($"{path}: field 'axes' names no axis.");
        if (!root.TryGetProperty("templates", out var templates) || templates.ValueKind != JsonValueKind.Array || templates.GetArrayLength() == 0)
            throw new SharpLMException($"{path}: field 'templates' must be a non-empty array.");
        var list = new List<BiasTemplate>();
        int index = 0;
        foreach (var t in templates.EnumerateArray())
        {
            string where = $"{path}: field 'templates[{index++}]";
            string Field(string name) => t.ValueKind == JsonValueKind.Object && t.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0
                ? v.GetString()! : throw new SharpLMException($"{where}.{name}' must be a non-empty string.");
            var template = new BiasTemplate(Field("id"), Field("context"), Field("continuation"));
            if (!template.Context.Contains("{group}")) throw new SharpLMException($"{where}.context' has no {{group}} to fill in.");
            if (list.Any(x => x.Id == template.Id)) throw new SharpLMException($"{where}.id' repeats '{template.Id}'.");
            list.Add(template);
        }
        if (list.Count < 2) throw new SharpLMException($"{path}: field 'templates' needs at least two templates for a bootstrap interval.");
        return new BiasSuite(parsed, list);
    }
}
