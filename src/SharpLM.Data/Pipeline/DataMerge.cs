using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Data.Pipeline;

/// <summary>
/// The cross-rank step of a sharded data run (<c>sharplm data merge</c>): reads every rank's candidates, runs exact
/// and MinHash deduplication over all of them in the order one process would have read them, and writes the
/// survivors as an ordinary pipeline folder (shards/, state/, manifest.json, duplicates.jsonl, problems.jsonl), so
/// the kept documents are the same as a one-process run's. Contamination, PII, mixing and the split are decisions
/// about one document and were made by the ranks.
/// </summary>
public sealed class DataMerge(DataPipelineConfig config, string outputDirectory)
{
    private static readonly JsonSerializerOptions StateJson = new() { WriteIndented = false };

    public PipelineManifest Run()
    {
        var root = new PipelineFolder(outputDirectory);
        using var claim = root.Lock();
        int world = CheckCompletions(root);
        var ranks = Enumerable.Range(0, world).Select(r => new PipelineFolder(root.RankFolder(r))).ToList();
        string configJson = config.ToJson();
        foreach (var rank in ranks)
            if (File.ReadAllText(rank.Config) != configJson)
                throw new SharpLMException($"{rank.Config}: this rank ran with a different config than the one given to the merge.");

        // Pass 1: keys only, in one-process input order.
        var keys = new List<(int File, long Offset, int Rank, int Chunk, int Index, string Id, UInt128 Key, ulong[]? Signature)>();
        var records = ranks.Select(ChunkRecords).ToList();
        for (int r = 0; r < world; r++)
            for (int c = 0; c < records[r].Count; c++)
            {
                int index = 0;
                foreach (var candidate in MergeCandidate.ReadAll(ranks[r].Candidates(c)))
                    keys.Add((candidate.File, candidate.Offset, r, c, index++, candidate.Id, candidate.ExactKey, candidate.MinHash));
            }
        keys.Sort((a, b) => (a.File, a.Offset, a.Rank, a.Chunk, a.Index).CompareTo((b.File, b.Offset, b.Rank, b.Chunk, b.Index)));
        var dedup = new DeduplicationState(config.Dedup);
        var dropped = new Dictionary<(int Rank, int Chunk, int Index), (string Rule, DuplicatePair? Pair)>();
        var pairs = new List<DuplicatePair>();
        foreach (var k in keys)
        {
            pairs.Clear();
            if (dedup.Check(k.Id, k.Key, k.Signature, pairs) is { } rule)
                dropped[(k.Rank, k.Chunk, k.Index)] = (rule, pairs.Count > 0 ? pairs[0] : null);
        }
        long indexBytes = dedup.ApproximateBytes;
        keys.Clear();

        // Pass 2: each rank's units become units of the merged folder, less the duplicates.
        root.DiscardRun();
        Directory.CreateDirectory(root.ShardDirectory);
        Directory.CreateDirectory(root.StateDirectory);
        AtomicFile.WriteAllText(root.Config, configJson);
        var merged = new List<ChunkRecord>();
        for (int r = 0; r < world; r++)
            for (int c = 0; c < records[r].Count; c++)
            {
                var record = records[r][c];
                record.Chunk = merged.Count;
                record.Shards.Clear();
                var train = new List<string>();
                var validation = new List<string>();
                int index = 0;
                foreach (var candidate in MergeCandidate.ReadAll(ranks[r].Candidates(c)))
                {
                    if (dropped.TryGetValue((r, c, index++), out var drop)) Unkeep(record, candidate, drop.Rule, drop.Pair);
                    else foreach (var line in candidate.Out) (line.Validation ? validation : train).Add(line.Line);
                }
                foreach (var (split, lines) in new[] { ("train", train), ("validation", validation) })
                {
                    if (lines.Count == 0) continue;
                    string name = PipelineFolder.ShardName(split, record.Chunk, config.Output.Gzip);
                    Core.Formats.Documents.DocumentJsonl.WriteLines(root.Shard(name), lines);
                    record.Shards.Add(name);
                }
                AtomicFile.WriteAllText(root.ChunkRecord(record.Chunk), JsonSerializer.Serialize(record, StateJson));
                merged.Add(record);
            }
        var first = PipelineManifest.Read(ranks[0].Manifest);
        var manifest = PipelineManifest.Build(config, merged, complete: true, indexBytes, first.Threads, first.MixingRates, first.InputFileBytes);
        manifest.Write(root);
        if (config.Canaries is { } canaries) Canaries.CanarySet.Plant(canaries, root.Root);
        return manifest;
    }

    /// <summary>Takes a document that the ranks counted as kept back out of its unit's tallies.</summary>
    private static void Unkeep(ChunkRecord record, MergeCandidate candidate, string rule, DuplicatePair? pair)
    {
        var tally = record.SourceOf(candidate.Source);
        tally.DocumentsKept--;
        foreach (var line in candidate.Out)
        {
            tally.DocumentsOut--;
            tally.BytesOut -= line.Bytes;
            if (line.Validation) tally.ValidationDocuments--;
            else tally.TrainDocuments--;
        }
        foreach (var (type, count) in candidate.Pii)
        {
            record.Pii[type] -= count;
            if (record.Pii[type] == 0) record.Pii.Remove(type);
        }
        ChunkRecord.Increment(record.Drops, rule);
        if (pair is not null) record.Duplicates.Add(pair);
    }

    /// <summary>The world size every completion marker agrees on, after checking that no rank is missing or unfinished.</summary>
    private static int CheckCompletions(PipelineFolder root)
    {
        string directory = Path.GetDirectoryName(root.CompletionMarker(0))!;
        var markers = Directory.Exists(directory)
            ? Directory.GetFiles(directory).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : [];
        if (markers.Count == 0)
            throw new SharpLMException($"{directory}: no completion markers; run 'sharplm data run --rank R --world-size W --out {root.Root}' for every rank first.");
        var completions = markers.Select(m => (Path: m, Marker: JsonFile.Read<RankCompletion>(m, "rank completion marker"))).ToList();
        int world = completions[0].Marker.WorldSize;
        foreach (var (path, marker) in completions)
            if (marker.WorldSize != world)
                throw new SharpLMException($"{path}: written by a run with world size {marker.WorldSize}, but {completions[0].Path} says {world}; rerun the ranks with one --world-size.");
        for (int rank = 0; rank < world; rank++)
            if (!File.Exists(root.CompletionMarker(rank)))
                throw new SharpLMException($"{root.CompletionMarker(rank)}: missing, so rank {rank} of {world} has not finished; run it before the merge.");
        return world;
    }

    private static List<ChunkRecord> ChunkRecords(PipelineFolder rank)
    {
        var records = new List<ChunkRecord>();
        for (int chunk = 0; File.Exists(rank.ChunkRecord(chunk)); chunk++)
            records.Add(JsonFile.Read<ChunkRecord>(rank.ChunkRecord(chunk), "pipeline completion record"));
        return records;
    }
}
