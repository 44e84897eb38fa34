using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Distributed;
using SharpLM.Core.IO;
using SharpLM.Data.Cleaning;
using SharpLM.Data.Contamination;
using SharpLM.Data.Filters;
using SharpLM.Data.Ingest;

namespace SharpLM.Data.Pipeline;

/// <summary>How a pipeline run is carried out (not what it does: that is the config).</summary>
public sealed record DataPipelineRunOptions
{
    /// <summary>Folder that relative input paths and evaluation-set paths are resolved against (the config file's folder).</summary>
    public required string BaseDirectory { get; init; }
    public required string OutputDirectory { get; init; }
    /// <summary>Worker threads for the per-document stages; reading and deduplication stay sequential so output is deterministic.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;
    /// <summary>Discard an interrupted run's state instead of resuming it.</summary>
    public bool Restart { get; init; }
    /// <summary>Stop after this many units of work (for tests of resumption); null runs to the end.</summary>
    public int? StopAfterChunks { get; init; }
    /// <summary>
    /// This process's share of a sharded run (null for a one-process run): it reads every WorldSize-th input file,
    /// writes under ranks/rank-NNNNN/ and leaves deduplication to <see cref="DataMerge"/>.
    /// </summary>
    public LaunchRank? Shard { get; init; }
}

/// <summary>
/// Runs the data stage: sources → clean → quality filters → contamination → exact and near dedup → PII → mixing
/// → split → sharded documents JSONL + manifest. Input is read as a stream in units of
/// <see cref="OutputConfig.ShardDocuments"/> documents; each unit's per-document stages run on all cores, its
/// deduplication runs in input order (so output does not depend on the thread count), and it is committed by
/// writing its shards, its deduplication journal and finally its completion record. A killed run resumes after
/// the last committed unit: nothing written is lost or written twice.
/// </summary>
public sealed class DataPipeline(DataPipelineConfig config, DataPipelineRunOptions options, IProgress<PipelineProgress>? progress = null)
{
    private static readonly JsonSerializerOptions StateJson = new() { WriteIndented = false };
    private IReadOnlyDictionary<string, double> _rates = new Dictionary<string, double>();
    private long _inputFileBytes;
    /// <summary>Position of each (source, file path) in the one-process input order: a candidate's sort key in the merge.</summary>
    private readonly Dictionary<(string Source, string Path), int> _fileOrder = new();
    private bool Sharded => options.Shard is not null;

    public PipelineManifest Run()
    {
        // Inputs and evaluation sets are checked before anything is written, so a mistake leaves no folder behind.
        var inputs = config.Sources.Select(s => (Source: s, Files: InputResolver.Resolve(s, options.BaseDirectory))).ToList();
        var sizes = inputs.SelectMany(i => i.Files).DistinctBy(f => f.FullPath).ToDictionary(f => f.FullPath, OrderedSourceStream.SizeOf);
        long totalBytes = _inputFileBytes = sizes.Values.Sum();
        var mixer = new SourceMixer(inputs.Select(i => (i.Source.Name, i.Files.Sum(f => sizes[f.FullPath]), i.Source.Weight)).ToList(),
            config.Mixing.Temperature, config.Mixing.Seed);
        _rates = mixer.Rates;
        var contamination = config.Contamination is { } c
            ? ContaminationIndex.Load(c.EvalSets.Select(p => Path.GetFullPath(p, options.BaseDirectory)), c.NGram) : null;
        var language = config.Filters.Language is { } l ? LanguageFilter.Create(l, options.BaseDirectory) : null;
        var root = new PipelineFolder(options.OutputDirectory);
        var folder = options.Shard is { } shard ? new PipelineFolder(root.RankFolder(shard.Rank)) : root;
        if (options.Shard is { } done && !options.Restart && File.Exists(root.CompletionMarker(done.Rank)))
        {
            // Skip-completed, as datatrove does: a rerun of a whole array only redoes the ranks that did not finish.
            CheckSameConfig(folder);
            return PipelineManifest.Read(folder.Manifest);
        }
        using var claim = folder.Lock();
        PrepareFolder(folder);
        int order = 0;
        foreach (var (source, files) in inputs)
            foreach (var file in files) _fileOrder[(source.Name, file.Path)] = order++;
        var clock = new StageClock();
        var processor = new DocumentProcessor(config, contamination, mixer, clock, DateTimeOffset.UtcNow, language);
        var dedup = new DeduplicationState(config.Dedup);

        // Resume: replay the deduplication journals of every committed unit and skip the input they consumed.
        int chunk = 0;
        long resumeAt = 0, written = 0;
        while (File.Exists(folder.ChunkRecord(chunk)))
        {
            var record = ReadRecord(folder.ChunkRecord(chunk));
            if (!Sharded) dedup.Replay(folder.DedupJournal(chunk));
            resumeAt += record.InputDocuments;
            written += record.Sources.Values.Sum(s => s.DocumentsOut);
            chunk++;
        }
        int firstChunkThisRun = chunk;

        var buffer = new List<DocumentWork>(config.Output.ShardDocuments);
        var problems = new ProblemCollector();
        long read = 0, bytesBefore = 0;
        foreach (var (source, allFiles) in inputs)
        {
            // A rank reads its share of the files, but learns boilerplate from the same first documents as one process.
            var files = options.Shard is { } part
                ? allFiles.Where(f => _fileOrder[(source.Name, f.Path)] % part.WorldSize == part.Rank).ToList()
                : allFiles;
            long sourceBytes = files.Sum(f => sizes[f.FullPath]);
            var fileOffsets = OffsetsOf(files, sizes);
            bool learned = false;
            problems.Muted = read < resumeAt;
            using var reader = OrderedSourceStream.Read(source, files, problems, options.Threads).GetEnumerator();
            while (true)
            {
                var readLap = clock.Start("read");
                bool more = reader.MoveNext();
                readLap.Stop();
                if (!more) break;
                var raw = reader.Current;
                // Problems met while skipping committed input were recorded by the run that committed it.
                problems.Muted = ++read < resumeAt;
                if (read <= resumeAt) continue;
                if (!learned)
                {
                    var learnLap = clock.Start("learn_boilerplate");
                    LearnBoilerplate(source, allFiles, processor);
                    learnLap.Stop();
                    learned = true;
                }
                buffer.Add(new DocumentWork(raw));
                if (buffer.Count == config.Output.ShardDocuments)
                {
                    written += Commit(folder, chunk++, buffer, problems, processor, dedup, clock);
                    long bytesRead = bytesBefore + Math.Min(sourceBytes, fileOffsets.GetValueOrDefault(raw.Path) + raw.ByteOffset);
                    progress?.Report(new PipelineProgress(read, bytesRead, totalBytes, written, source.Name));
                    if (options.StopAfterChunks is int stop && chunk - firstChunkThisRun >= stop) return Finish(folder, dedup, complete: false);
                }
            }
            bytesBefore += sourceBytes;
        }
        if (buffer.Count > 0 || problems.Count > 0) written += Commit(folder, chunk++, buffer, problems, processor, dedup, clock);
        progress?.Report(new PipelineProgress(read, totalBytes, totalBytes, written, ""));
        var manifest = Finish(folder, dedup, complete: true);
        if (options.Shard is { } finished) WriteCompletionMarker(root, finished, manifest);
        else if (config.Canaries is { } canaries) Canaries.CanarySet.Plant(canaries, folder.Root);
        return manifest;
    }

    private void WriteCompletionMarker(PipelineFolder root, LaunchRank shard, PipelineManifest manifest)
    {
        var marker = new RankCompletion { Rank = shard.Rank, WorldSize = shard.WorldSize, Units = manifest.Units, DocumentsIn = manifest.Total.DocumentsIn };
        Directory.CreateDirectory(Path.GetDirectoryName(root.CompletionMarker(shard.Rank))!);
        AtomicFile.WriteAllText(root.CompletionMarker(shard.Rank), JsonSerializer.Serialize(marker, StateJson) + "\n");
    }

    private void CheckSameConfig(PipelineFolder folder)
    {
        if (File.Exists(folder.Config) && File.ReadAllText(folder.Config) != config.ToJson())
        {
            throw new SharpLMException($"{folder.Config}: this output folder holds a run with a different config; " +
                                       "use another output folder, or --restart to discard it.");
        }
    }

    private void PrepareFolder(PipelineFolder folder)
    {
        string configJson = config.ToJson();
        if (options.Restart) folder.DiscardRun();
        else CheckSameConfig(folder);
        if (options.Shard is { } shard)
        {
            // A rank folder holds one partition of the input; resuming it under another world size would mix partitions.
            string shardPath = Path.Combine(folder.Root, "shard.json");
            string shardJson = JsonSerializer.Serialize(new RankCompletion { Rank = shard.Rank, WorldSize = shard.WorldSize }, StateJson);
            if (!options.Restart && File.Exists(shardPath) && JsonFile.Read<RankCompletion>(shardPath, "rank description").WorldSize != shard.WorldSize)
                throw new SharpLMException($"{shardPath}: this rank folder was written with another --world-size; use the same one, or --restart.");
            Directory.CreateDirectory(folder.Root);
            AtomicFile.WriteAllText(shardPath, shardJson);
            string marker = new PipelineFolder(options.OutputDirectory).CompletionMarker(shard.Rank);
            if (File.Exists(marker)) File.Delete(marker);
        }
        Directory.CreateDirectory(folder.StateDirectory);
        Directory.CreateDirectory(folder.ShardDirectory);
        AtomicFile.WriteAllText(folder.Config, configJson);
    }

    /// <summary>Reads the first documents of a source (without reporting their problems twice) to find its repeated lines.</summary>
    private void LearnBoilerplate(SourceSpec source, IReadOnlyList<SourceFile> files, DocumentProcessor processor)
    {
        if (config.Clean.Boilerplate is not { } settings) return;
        var detector = new BoilerplateLineDetector();
        var sample = OrderedSourceStream.Read(source, files, new ProblemCollector { Muted = true }, options.Threads).Take(settings.SampleDocuments);
        Parallel.ForEach(sample, ParallelOptions(), raw => detector.Observe(processor.Cleaner.Clean(raw.Text)));
        detector.Freeze(settings.MinDocuments, settings.MinFraction);
        processor.SetBoilerplate(source.Name, detector);
    }

    private long Commit(PipelineFolder folder, int chunk, List<DocumentWork> works, ProblemCollector problems,
        DocumentProcessor processor, DeduplicationState dedup, StageClock clock)
    {
        var record = new ChunkRecord { Chunk = chunk, InputDocuments = works.Count };
        Parallel.ForEach(works, ParallelOptions(), processor.Analyse);
        var lap = clock.Start("dedup_index");
        // A rank cannot see the other ranks' documents: deduplication waits for the merge.
        if (!Sharded) foreach (var work in works) dedup.Check(work, record.Duplicates);
        lap.Stop();
        Parallel.ForEach(works, ParallelOptions(), processor.Finish);

        var train = new List<string>();
        var validation = new List<string>();
        foreach (var work in works)
        {
            var tally = record.SourceOf(work.Raw.Source);
            tally.DocumentsIn++;
            tally.BytesIn += work.BytesIn;
            tally.ReplacementCharacters += work.Raw.ReplacementCharacters;
            record.BoilerplateLinesRemoved += work.BoilerplateLinesRemoved;
            foreach (string leak in work.Leaks) ChunkRecord.Increment(record.Contamination, leak);
            if (!work.Kept)
            {
                ChunkRecord.Increment(record.Drops, work.DroppedBy!);
                continue;
            }
            tally.DocumentsKept++;
            foreach (var (type, count) in work.Pii.Snapshot()) if (count > 0) ChunkRecord.Increment(record.Pii, type, count);
            foreach (var (line, isValidation, bytes) in work.Output)
            {
                (isValidation ? validation : train).Add(line);
                tally.DocumentsOut++;
                tally.BytesOut += bytes;
                if (isValidation) tally.ValidationDocuments++;
                else tally.TrainDocuments++;
            }
        }

        lap = clock.Start("write");
        if (Sharded)
        {
            MergeCandidate.WriteAll(folder.Candidates(chunk), works.Where(w => w.Kept).Select(w => MergeCandidate.From(w, _fileOrder[(w.Raw.Source, w.Raw.Path)])));
            train.Clear();
            validation.Clear();
        }
        foreach (var (split, lines) in new[] { ("train", train), ("validation", validation) })
        {
            if (lines.Count == 0) continue;
            string name = PipelineFolder.ShardName(split, chunk, config.Output.Gzip);
            Core.Formats.Documents.DocumentJsonl.WriteLines(folder.Shard(name), lines);
            record.Shards.Add(name);
        }
        if (!Sharded) dedup.WriteJournal(folder.DedupJournal(chunk));
        lap.Stop();
        record.Problems = problems.Take();
        record.Lines = processor.TakeLineCounts();
        record.StageSeconds = clock.TakeSeconds();
        // The completion record goes last: its presence is what marks the unit as done.
        AtomicFile.WriteAllText(folder.ChunkRecord(chunk), JsonSerializer.Serialize(record, StateJson));
        works.Clear();
        return record.Sources.Values.Sum(s => s.DocumentsOut);
    }

    private PipelineManifest Finish(PipelineFolder folder, DeduplicationState dedup, bool complete)
    {
        var records = new List<ChunkRecord>();
        for (int chunk = 0; File.Exists(folder.ChunkRecord(chunk)); chunk++) records.Add(ReadRecord(folder.ChunkRecord(chunk)));
        var manifest = PipelineManifest.Build(config, records, complete, dedup.ApproximateBytes, options.Threads, _rates, _inputFileBytes);
        manifest.Write(folder);
        return manifest;
    }

    private static ChunkRecord ReadRecord(string path) =>
        JsonFile.Read<ChunkRecord>(path, "pipeline completion record");

    /// <summary>Where each file starts within its source's bytes, by the path documents name it with (for progress).</summary>
    private static Dictionary<string, long> OffsetsOf(IReadOnlyList<SourceFile> files, Dictionary<string, long> sizes)
    {
        var offsets = new Dictionary<string, long>();
        long offset = 0;
        foreach (var file in files)
        {
            offsets[file.Path] = offset;
            offset += sizes[file.FullPath];
        }
        return offsets;
    }

    private ParallelOptions ParallelOptions() => new() { MaxDegreeOfParallelism = Math.Max(1, options.Threads) };
}
