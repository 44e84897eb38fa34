using System.Text.Json.Serialization;

namespace SharpLM.Data.Pipeline;

/// <summary>Documents and bytes through the pipeline for one source.</summary>
public sealed class SourceTally
{
    [JsonPropertyName("documents_in")] public long DocumentsIn { get; set; }
    [JsonPropertyName("bytes_in")] public long BytesIn { get; set; }
    /// <summary>Documents that passed every stage, before mixing repeated or thinned them.</summary>
    [JsonPropertyName("documents_kept")] public long DocumentsKept { get; set; }
    [JsonPropertyName("documents_out")] public long DocumentsOut { get; set; }
    [JsonPropertyName("bytes_out")] public long BytesOut { get; set; }
    [JsonPropertyName("train_documents")] public long TrainDocuments { get; set; }
    [JsonPropertyName("validation_documents")] public long ValidationDocuments { get; set; }
    [JsonPropertyName("replacement_characters")] public long ReplacementCharacters { get; set; }

    public void Add(SourceTally other)
    {
        DocumentsIn += other.DocumentsIn;
        BytesIn += other.BytesIn;
        DocumentsKept += other.DocumentsKept;
        DocumentsOut += other.DocumentsOut;
        BytesOut += other.BytesOut;
        TrainDocuments += other.TrainDocuments;
        ValidationDocuments += other.ValidationDocuments;
        ReplacementCharacters += other.ReplacementCharacters;
    }
}

/// <summary>A near or exact duplicate and the document kept in its place.</summary>
public sealed record DuplicatePair(
    [property: JsonPropertyName("kept")] string Kept,
    [property: JsonPropertyName("dropped")] string Dropped,
    [property: JsonPropertyName("kind")] string Kind);

/// <summary>An input the pipeline skipped, with where and why.</summary>
public sealed record ProblemEntry(
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("line")] long? Line,
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("message")] string Message);

/// <summary>
/// What one unit of work (a run of consecutive input documents) did: written as state/chunk-NNNNN.json after its
/// shards, so its presence marks the unit as complete. A resumed run sums these instead of recomputing them.
/// </summary>
public sealed class ChunkRecord
{
    [JsonPropertyName("chunk")] public int Chunk { get; set; }
    /// <summary>Input documents this unit consumed (the resume position is the sum over complete units).</summary>
    [JsonPropertyName("input_documents")] public long InputDocuments { get; set; }
    [JsonPropertyName("sources")] public Dictionary<string, SourceTally> Sources { get; set; } = new();
    /// <summary>Documents dropped, per rule ("gopher_quality.min_words", "dedup.near", "contamination", …).</summary>
    [JsonPropertyName("drops")] public Dictionary<string, long> Drops { get; set; } = new();
    /// <summary>Lines removed or kept by line-level filter rules ("c4.line.no_terminal_punct", …).</summary>
    [JsonPropertyName("lines")] public Dictionary<string, long> Lines { get; set; } = new();
    [JsonPropertyName("boilerplate_lines_removed")] public long BoilerplateLinesRemoved { get; set; }
    [JsonPropertyName("pii")] public Dictionary<string, long> Pii { get; set; } = new();
    /// <summary>Evaluation item → training documents that shared an n-gram with it.</summary>
    [JsonPropertyName("contamination")] public Dictionary<string, long> Contamination { get; set; } = new();
    [JsonPropertyName("duplicates")] public List<DuplicatePair> Duplicates { get; set; } = new();
    [JsonPropertyName("problems")] public List<ProblemEntry> Problems { get; set; } = new();
    [JsonPropertyName("shards")] public List<string> Shards { get; set; } = new();
    /// <summary>Seconds spent per stage, summed over worker threads.</summary>
    [JsonPropertyName("stage_seconds")] public Dictionary<string, double> StageSeconds { get; set; } = new();

    public SourceTally SourceOf(string name)
    {
        if (!Sources.TryGetValue(name, out var tally)) Sources[name] = tally = new SourceTally();
        return tally;
    }

    public static void Increment(Dictionary<string, long> counts, string key, long by = 1) =>
        counts[key] = counts.GetValueOrDefault(key) + by;
}
