using System.Text.Json;
using SharpLM.Core;

namespace SharpLM.Data.Sources;

/// <summary>Reads the data/data.json (or another file) of a stdlib list package: one JSON array, checked for shape.</summary>
internal static class StdlibJsonList
{
    public static JsonElement ReadArray(string packageDirectory, string relativePath)
    {
        string path = Path.Combine(packageDirectory, relativePath);
        if (!File.Exists(path)) throw new SharpLMException($"{path}: the package has no {relativePath}.");
        try
        {
            using var json = JsonDocument.Parse(File.ReadAllBytes(path));
            if (json.RootElement.ValueKind != JsonValueKind.Array) throw new SharpLMException($"{path}: expected one JSON array.");
            return json.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON ({e.Message}).");
        }
    }

    public static List<string> ReadStrings(string packageDirectory, string relativePath) =>
        ReadArray(packageDirectory, relativePath).EnumerateArray().Select((e, i) => e.ValueKind == JsonValueKind.String
            ? e.GetString()!
            : throw new SharpLMException($"{Path.Combine(packageDirectory, relativePath)}: entry {i} is not a string.")).ToList();
}
