using System.Text.RegularExpressions;
using SharpLM.Core.IO;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// The files of a data pipeline run (see docs/data.md): config.json, shards/{train,validation}-NNNNN.jsonl[.gz],
/// manifest.json, duplicates.jsonl, problems.jsonl, and state/ with one completion record and one deduplication
/// journal per unit of work.
/// </summary>
public sealed partial class PipelineFolder(string root)
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
    /// <summary>A rank's documents awaiting the cross-rank merge (sharded runs only; see <see cref="MergeCandidate"/>).</summary>
    public string Candidates(int chunk) => Path.Combine(StateDirectory, $"chunk-{chunk:D5}.candidates");
    /// <summary>Folder of one rank of a sharded run, under the run's output folder.</summary>
    public string RankFolder(int rank) => Path.Combine(Root, "ranks", $"rank-{rank:D5}");
    /// <summary>Written by a rank when all its input is processed; a rerun skips ranks that have one.</summary>
    public string CompletionMarker(int rank) => Path.Combine(Root, "completions", $"{rank:D5}");
    public static string ShardName(string split, int chunk, bool gzip) => $"{split}-{chunk:D5}.jsonl{(gzip ? ".gz" : "")}";
    public string Shard(string name) => Path.Combine(ShardDirectory, name);

    /// <summary>Shards of one split listed in the manifest order (for the next stage).</summary>
    public IReadOnlyList<string> ShardsOf(string split) =>
        Directory.Exists(ShardDirectory)
            ? Directory.GetFiles(ShardDirectory, $"{split}-*.jsonl*").Where(f => !Path.GetFileName(f).StartsWith('.')).OrderBy(f => f, StringComparer.Ordinal).ToList()
            : [];

    /// <summary>Claims the folder for this process; a second pipeline writing to it is refused with a message naming the holder.</summary>
    public FolderLock Lock() => FolderLock.Acquire(Root);

    /// <summary>
    /// Deletes what a pipeline run wrote (by the names it writes), for --restart: files a user put beside them,
    /// in shards/ or elsewhere, are kept.
    /// </summary>
    public void DiscardRun()
    {
        foreach (string file in new[] { Manifest, Duplicates, Problems, Path.Combine(Root, Canaries.CanarySet.FileName) }) File.Delete(file);
        DeleteMatching(ShardDirectory, ShardPattern());
        DeleteMatching(StateDirectory, StatePattern());
    }

    private static void DeleteMatching(string directory, Regex pattern)
    {
        if (!Directory.Exists(directory)) return;
        foreach (string file in Directory.GetFiles(directory))
            if (pattern.IsMatch(Path.GetFileName(file))) File.Delete(file);
    }

    [GeneratedRegex(@"^(train|validation)-(\d{5,}|canaries)\.jsonl(\.gz)?$")]
    private static partial Regex ShardPattern();

    [GeneratedRegex(@"^chunk-\d{5,}\.(json|dedup|candidates)$")]
    private static partial Regex StatePattern();
}
