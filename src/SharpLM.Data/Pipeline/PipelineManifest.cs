using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core.IO;

namespace SharpLM.Data.Pipeline;

/// <summary>A cluster of near-duplicates: the document kept and those dropped in its favour.</summary>
public sealed record DuplicateCluster(
    [property: JsonPropertyName("kept")] string Kept,
    [property: JsonPropertyName("dropped")] IReadOnlyList<string> Dropped);

/// <summary>
/// manifest.json: what a pipeline run read, dropped (per rule), replaced and wrote, per source and in total —
/// the summed completion records of its units of work. duplicates.jsonl and problems.jsonl sit beside it.
/// </summary>
public sealed class PipelineManifest
{
    [JsonPropertyName("complete")] public bool Complete { get; init; }
    [JsonPropertyName("written_at")] public DateTimeOffset WrittenAt { get; init; }
    [JsonPropertyName("threads")] public int Threads { get; init; }
    [JsonPropertyName("units_of_work")] public int Units { get; init; }
    /// <summary>Bytes of the input files on disk (compressed size for .gz), against which progress and throughput are measured.</summary>
    [JsonPropertyName("input_file_bytes")] public long InputFileBytes { get; init; }
    [JsonPropertyName("sources")] public Dictionary<string, SourceTally> Sources { get; init; } = new();
    [JsonPropertyName("mixing_rates")] public Dictionary<string, double> MixingRates { get; init; } = new();
    [JsonPropertyName("total")] public SourceTally Total { get; init; } = new();
    [JsonPropertyName("drops")] public SortedDictionary<string, long> Drops { get; init; } = new();
    [JsonPropertyName("lines")] public SortedDictionary<string, long> Lines { get; init; } = new();
    [JsonPropertyName("boilerplate_lines_removed")] public long BoilerplateLinesRemoved { get; init; }
    [JsonPropertyName("pii")] public SortedDictionary<string, long> Pii { get; init; } = new();
    [JsonPropertyName("contamination")] public SortedDictionary<string, long> Contamination { get; init; } = new();
    [JsonPropertyName("near_duplicate_clusters")] public int NearDuplicateClusters { get; init; }
    [JsonPropertyName("dedup_index_bytes")] public long DedupIndexBytes { get; init; }
    [JsonPropertyName("problems")] public SortedDictionary<string, long> Problems { get; init; } = new();
    [JsonPropertyName("shards")] public Dictionary<string, List<string>> Shards { get; init; } = new();
    [JsonPropertyName("stage_seconds")] public SortedDictionary<string, double> StageSeconds { get; init; } = new();

    [JsonIgnore] public IReadOnlyList<DuplicateCluster> Clusters { get; private init; } = [];
    [JsonIgnore] public IReadOnlyList<ProblemEntry> ProblemList { get; private init; } = [];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };
    private static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static PipelineManifest Build(DataPipelineConfig config, IReadOnlyList<ChunkRecord> records, bool complete, long dedupBytes, int threads,
        IReadOnlyDictionary<string, double> rates, long inputFileBytes)
    {
        var sources = new Dictionary<string, SourceTally>();
        foreach (var source in config.Sources) sources[source.Name] = new SourceTally();
        var total = new SourceTally();
        var drops = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var pii = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var lines = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var leaks = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var problems = new SortedDictionary<string, long>(StringComparer.Ordinal);
        var stages = new SortedDictionary<string, double>(StringComparer.Ordinal);
        var shards = new Dictionary<string, List<string>> { ["train"] = [], ["validation"] = [] };
        var clusters = new Dictionary<string, List<string>>();
        var clusterOrder = new List<string>();
        long boilerplate = 0;
        foreach (var record in records)
        {
            foreach (var (name, tally) in record.Sources)
            {
                if (!sources.TryGetValue(name, out var sum)) sources[name] = sum = new SourceTally();
                sum.Add(tally);
                total.Add(tally);
            }
            foreach (var (key, value) in record.Drops) drops[key] = drops.GetValueOrDefault(key) + value;
            foreach (var (key, value) in record.Pii) pii[key] = pii.GetValueOrDefault(key) + value;
            foreach (var (key, value) in record.Lines) lines[key] = lines.GetValueOrDefault(key) + value;
            foreach (var (key, value) in record.Contamination) leaks[key] = leaks.GetValueOrDefault(key) + value;
            foreach (var (key, value) in record.StageSeconds) stages[key] = stages.GetValueOrDefault(key) + value;
            foreach (var problem in record.Problems) problems[problem.Kind] = problems.GetValueOrDefault(problem.Kind) + 1;
            foreach (string shard in record.Shards) shards[shard.StartsWith("validation", StringComparison.Ordinal) ? "validation" : "train"].Add(shard);
            foreach (var pair in record.Duplicates)
            {
                if (!clusters.TryGetValue(pair.Kept, out var members))
                {
                    clusters[pair.Kept] = members = new List<string>();
                    clusterOrder.Add(pair.Kept);
                }
                members.Add(pair.Dropped);
            }
            boilerplate += record.BoilerplateLinesRemoved;
        }
        return new PipelineManifest
        {
            Complete = complete,
            WrittenAt = DateTimeOffset.UtcNow,
            Threads = threads,
            Units = records.Count,
            InputFileBytes = inputFileBytes,
            Sources = sources,
            MixingRates = new Dictionary<string, double>(rates),
            Total = total,
            Drops = drops,
            Lines = lines,
            BoilerplateLinesRemoved = boilerplate,
            Pii = pii,
            Contamination = leaks,
            NearDuplicateClusters = clusters.Count,
            DedupIndexBytes = dedupBytes,
            Problems = problems,
            Shards = shards,
            StageSeconds = stages,
            Clusters = clusterOrder.Select(k => new DuplicateCluster(k, clusters[k])).ToList(),
            ProblemList = records.SelectMany(r => r.Problems).ToList(),
        };
    }

    public void Write(PipelineFolder folder)
    {
        AtomicFile.WriteAllText(folder.Duplicates, string.Concat(Clusters.Select(c => JsonSerializer.Serialize(c, Compact) + "\n")));
        AtomicFile.WriteAllText(folder.Problems, string.Concat(ProblemList.Select(p => JsonSerializer.Serialize(p, Compact) + "\n")));
        AtomicFile.WriteAllText(folder.Manifest, JsonSerializer.Serialize(this, Indented) + "\n");
    }

    public static PipelineManifest Read(string path) => JsonFile.Read<PipelineManifest>(path, "pipeline manifest");
}
