using System.Text.Json;
using SharpLM.Data.Ingest;
using SharpLM.Data.Pipeline;

namespace SharpLM.Data.Tests.Pipeline;

/// <summary>Generated corpora for pipeline tests: prose that passes the quality filters, with planted duplicates, PII and junk.</summary>
public static class PipelineFixture
{
    private static readonly string[] Words =
    [
        "the", "ship", "sailed", "across", "a", "grey", "sea", "and", "with", "crew", "that", "have", "been", "to", "of", "harbour",
        "captain", "watched", "storm", "gather", "over", "distant", "islands", "while", "gulls", "circled", "above", "mast",
        "morning", "light", "broke", "through", "clouds", "sailors", "sang", "old", "songs", "about", "home", "river", "town",
    ];

    /// <summary>A paragraph of prose: sentences of 8–14 words, each ending with a full stop.</summary>
    public static string Prose(Random random, int sentences)
    {
        var text = new System.Text.StringBuilder();
        for (int s = 0; s < sentences; s++)
        {
            int length = random.Next(8, 15);
            var sentence = Enumerable.Range(0, length).Select(_ => Words[random.Next(Words.Length)]).ToArray();
            sentence[0] = char.ToUpperInvariant(sentence[0][0]) + sentence[0][1..];
            text.Append(string.Join(' ', sentence)).Append(". ");
            if (s % 4 == 3) text.Append('\n');
        }
        return text.ToString().Trim();
    }

    /// <summary>Writes <paramref name="count"/> JSONL documents (one in every <paramref name="duplicateEvery"/> an exact repeat of an earlier one).</summary>
    public static string WriteJsonl(string directory, string name, int count, int seed, int duplicateEvery = 0, Func<int, string>? extra = null)
    {
        var random = new Random(seed);
        var texts = new List<string>();
        var lines = new List<string>();
        for (int i = 0; i < count; i++)
        {
            string text = duplicateEvery > 0 && i % duplicateEvery == duplicateEvery - 1 ? texts[random.Next(texts.Count)] : Prose(random, 10);
            if (extra is not null) text += " " + extra(i);
            texts.Add(text);
            lines.Add(JsonSerializer.Serialize(new { id = $"{name}-{i}", text }));
        }
        string path = Path.Combine(directory, name + ".jsonl");
        File.WriteAllLines(path, lines);
        return path;
    }

    public static DataPipelineConfig Config(params (string Name, string Input)[] sources) => new()
    {
        Sources = sources.Select(s => new SourceSpec { Name = s.Name, Inputs = [s.Input], License = "CC0-1.0" }).ToList(),
        Output = new OutputConfig { ShardDocuments = 50 },
        Split = new SplitConfig { ValidationFraction = 0.1 },
    };

    /// <summary>Every output line of a run, train then validation, in shard order.</summary>
    public static List<string> OutputLines(string outputDirectory)
    {
        var folder = new PipelineFolder(outputDirectory);
        return folder.ShardsOf("train").Concat(folder.ShardsOf("validation"))
            .SelectMany(ReadLines).ToList();
    }

    private static IEnumerable<string> ReadLines(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz") ? new System.IO.Compression.GZipStream(file, System.IO.Compression.CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line) yield return line;
    }

    /// <summary>The lines without the ingestion time, which differs between runs.</summary>
    public static List<string> WithoutTimes(IEnumerable<string> lines) =>
        lines.Select(l => System.Text.RegularExpressions.Regex.Replace(l, "\"ingested_at\":\"[^\"]*\"", "")).ToList();
}
