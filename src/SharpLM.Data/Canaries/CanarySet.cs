using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.IO;

namespace SharpLM.Data.Canaries;

/// <summary>One planted canary: its secret digits, its full text and how many times it was planted.</summary>
public sealed record Canary(
    [property: JsonPropertyName("secret")] string Secret,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("repetitions")] int Repetitions);

/// <summary>
/// canaries.json in a data pipeline's output folder: the format, the seed and every planted canary. It is the answer
/// key of `sharplm redteam memorization` and must stay out of anything the model is trained on.
/// </summary>
public sealed record CanarySet(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("seed")] long Seed,
    [property: JsonPropertyName("shard")] string Shard,
    [property: JsonPropertyName("canaries")] IReadOnlyList<Canary> Canaries)
{
    public const string FileName = "canaries.json";
    public const string ShardName = "train-canaries.jsonl";
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Draws the canaries (distinct secrets, uniformly random digits from the seed) and writes them, each repeated,
    /// in a shuffled train shard of their own, then canaries.json beside the manifest.
    /// </summary>
    public static CanarySet Plant(CanaryConfig config, string outputDirectory)
    {
        var (_, digits, _) = CanaryFormat.Split(config.Format);
        var random = new Random((int)(config.Seed & int.MaxValue) ^ (int)(config.Seed >> 32));
        var secrets = new HashSet<string>();
        var canaries = new List<Canary>();
        foreach (var level in config.Levels)
            for (int i = 0; i < level.Count; i++)
            {
                string secret;
                do secret = string.Concat(Enumerable.Range(0, digits).Select(_ => (char)('0' + random.Next(10))));
                while (!secrets.Add(secret));
                canaries.Add(new Canary(secret, CanaryFormat.Fill(config.Format, secret), level.Repetitions));
            }
        var documents = canaries.SelectMany((c, i) => Enumerable.Range(0, c.Repetitions).Select(r => new Document { Id = $"canary-{i}#{r + 1}", Text = c.Text, Source = "canaries", License = "CC0-1.0" })).ToArray();
        random.Shuffle(documents);
        string shard = Path.Combine("shards", ShardName);
        DocumentJsonl.Write(Path.Combine(outputDirectory, shard), documents);
        var set = new CanarySet(config.Format, config.Seed, shard, canaries);
        AtomicFile.WriteAllText(Path.Combine(outputDirectory, FileName), JsonSerializer.Serialize(set, Json) + "\n");
        return set;
    }

    public static CanarySet Load(string path)
    {
        var set = JsonFile.Read<CanarySet>(path, "canaries");
        if (set.Canaries is not { Count: > 0 }) throw new SharpLMException($"{path}: field 'canaries' must list at least one canary.");
        var (_, digits, _) = CanaryFormat.Split(set.Format ?? "");
        if (digits == 0) throw new SharpLMException($"{path}: field 'format' must hold one run of 'N' characters.");
        for (int i = 0; i < set.Canaries.Count; i++)
            if (set.Canaries[i].Secret is not { } s || s.Length != digits || !s.All(char.IsAsciiDigit))
                throw new SharpLMException($"{path}: field 'canaries[{i}].secret' must be {digits} digits.");
        return set;
    }
}
