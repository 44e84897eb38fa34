namespace SharpLM.Data.Pipeline;

/// <summary>
/// The files of a data pipeline run (see docs/data.md): config.json, shards/{train,validation}-NNNNN.jsonl[.gz],
/// manifest.json, duplicates.jsonl, problems.jsonl, and state/ with one completion record and one deduplication
/// journal per unit of work.
/// </summary>
public sealed class PipelineFolder(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Config => Path.Combine(Root, "config.json");
    public string Manifest => Path.Combine(Root, "manifest.json");
    public string Duplicates => Path.Combine(Root, "duplicates.jsonl");
    public string Problems => Path.Combine(Root, "problems.jsonl");
    public string ShardDirectory => Path.Combine(Root, "shards");
    public string StateDirectory => Path.Combine(Root, "state");

    public string ChunkRecord(int chunk) => Path.Combine(StateDirectory, $"chunk-{chunk:D5}.json");
    public string DedupJournal(int chunk) => Path.Combine(StateDirectory, $"chunk-{chunk:D5}.dedup");
    public static string ShardName(string split, int chunk, bool gzip) => $"{split}-{chunk:D5}.jsonl{(gzip ? ".gz" : "")}";
    public string Shard(string name) => Path.Combine(ShardDirectory, name);

    /// <summary>Shards of one split listed in the manifest order (for the next stage).</summary>
    public IReadOnlyList<string> ShardsOf(string split) =>
        Directory.Exists(ShardDirectory)
            ? Directory.GetFiles(ShardDirectory, $"{split}-*.jsonl*").Where(f => !Path.GetFileName(f).StartsWith('.')).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : [];
}
