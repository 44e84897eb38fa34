using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Safety.Catalogue;

/// <summary>
/// Probe catalogues in JSONL, one probe a line: <c>{"id": "S1-001", "category": "S1", "prompt": "...", "benign": "..."}</c>.
/// Every field is required, ids are unique across all files, categories are S1–S14.
/// </summary>
public static class ProbeCatalogue
{
    /// <summary>The catalogue shipped next to the assembly.</summary>
    public static string BuiltinPath => Path.Combine(AppContext.BaseDirectory, "safety", "probes.jsonl");

    public static IReadOnlyList<Probe> LoadBuiltin() => Load([BuiltinPath]);

    /// <summary>Reads and checks several catalogue files as one catalogue.</summary>
    public static IReadOnlyList<Probe> Load(IEnumerable<string> paths)
    {
        var probes = new List<Probe>();
        var seen = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string path in paths)
            foreach (var (number, utf8) in JsonlLines.Read(path, "probe catalogue"))
            {
                string where = $"{path}:{number}";
                var probe = Parse(utf8, where);
                if (!seen.TryAdd(probe.Id, where)) throw new SharpLMException($"{where}: field 'id' repeats '{probe.Id}', first seen at {seen[probe.Id]}.");
                probes.Add(probe);
            }
        return probes;
    }

    /// <summary>One catalogue line for <paramref name="probe"/>, as <see cref="Load"/> reads it.</summary>
    public static string Line(Probe probe) => JsonSerializer.Serialize(new { id = probe.Id, category = probe.Category, prompt = probe.Prompt, benign = probe.Benign },
        new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    private static Probe Parse(ReadOnlyMemory<byte> utf8, string where)
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
        if (root.ValueKind != JsonValueKind.Object) throw new SharpLMException($"{where}: a probe must be a JSON object.");
        string category = Text(root, "category", where);
        if (!HazardCategory.IsKnown(category)) throw new SharpLMException($"{where}: field 'category' is '{category}', not one of S1–S14.");
        return new Probe(Text(root, "id", where), category, Text(root, "prompt", where), Text(root, "benign", where));
    }

    private static string Text(JsonElement root, string field, string where) =>
        root.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String && value.GetString()!.Trim().Length > 0
            ? value.GetString()!
            : throw new SharpLMException($"{where}: field '{field}' must be a non-empty string.");
}
