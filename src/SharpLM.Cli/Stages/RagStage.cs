using System.Text.Json;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.Data.Sources;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Evaluation;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>The glue of the rag verbs: indexing with a progress bar and metrics, search output, and the SOTU evaluation.</summary>
public static class RagStage
{
    public sealed record EmbeddingSettings(string Embedder, int BatchSize, int Parallelism);

    public static IndexReport Index(string documentsPath, string dbPath, ChunkingOptions chunking, EmbeddingSettings settings, string? metricsPath)
    {
        DocumentJsonl.RequireFile(documentsPath);
        chunking.Validate();
        using var generator = Embedders.Create(settings.Embedder);
        using var store = RagStores.Open(dbPath, create: true);
        var embedder = new BatchEmbedder(generator, settings.BatchSize, settings.Parallelism);
        var indexer = new RagIndexer(store, embedder, chunking);
        var report = Display.Progress($"indexing {Path.GetFileName(documentsPath)}", 1, sink =>
            indexer.Run(documentsPath, new ImmediateProgress<IndexProgress>(p =>
                sink.Report(p.ChunksTotal == 0 ? 1 : (double)p.ChunksDone / p.ChunksTotal, $"{p.ChunksDone:N0}/{p.ChunksTotal:N0} chunks")).Report));
        Display.Info($"{report.DocumentsRead:N0} documents: {report.Added:N0} added, {report.Changed:N0} changed, {report.Unchanged:N0} unchanged, "
            + $"{report.Removed:N0} removed; {report.ChunksWritten:N0} chunks written ({report.ChunksInIndex:N0} in the index); "
            + $"embedding {report.EmbeddingSeconds:F1}s, writing {report.WritingSeconds:F1}s");
        using var metrics = new MetricsWriter(metricsPath ?? RagStores.CompanionStem(dbPath) + ".metrics.jsonl");
        metrics.Write("rag_index", new Dictionary<string, object?>
        {
            ["documents"] = documentsPath, ["db"] = store.Location, ["embedder"] = embedder.Name,
            ["documents_read"] = report.DocumentsRead, ["added"] = report.Added, ["changed"] = report.Changed,
            ["unchanged"] = report.Unchanged, ["removed"] = report.Removed, ["chunks_written"] = report.ChunksWritten,
            ["rows_written"] = report.RowsWritten, ["chunks_in_index"] = report.ChunksInIndex,
            ["planning_seconds"] = report.ChunkingSeconds, ["embedding_seconds"] = report.EmbeddingSeconds, ["writing_seconds"] = report.WritingSeconds,
            ["embeddings_per_second"] = report.EmbeddingSeconds > 0 ? report.ChunksWritten / report.EmbeddingSeconds : null,
        });
        return report;
    }

    public static void Search(string dbPath, string query, RetrievalMethod method, int k, int fusionK, bool json)
    {
        using var store = RagStores.Open(dbPath, create: false);
        using var generator = Embedders.ForIndex(store);
        var retriever = new Retriever(store, new BatchEmbedder(generator)) { FusionK = fusionK };
        var results = retriever.Search(query, method, k).Select((r, i) => (Rank: i + 1, r.Score, Chunk: store.GetChunk(r.ChunkId))).ToList();
        if (json)
        {
            foreach (var (rank, score, chunk) in results)
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    rank, score, document_id = chunk.DocumentId, chunk_index = chunk.Index,
                    char_start = chunk.CharStart, char_end = chunk.CharEnd, source = chunk.Source, text = chunk.Text,
                }));
            return;
        }
        if (results.Count == 0) { Display.Info("no chunk matches."); return; }
        var table = new Table().AddColumns("#", "score", "document", "span", "text");
        foreach (var (rank, score, chunk) in results)
            table.AddRow(rank.ToString(), score.ToString("G4"), Markup.Escape(chunk.DocumentId), $"{chunk.CharStart}..{chunk.CharEnd}",
                Markup.Escape(Snippet(chunk.Text)));
        AnsiConsole.Write(table);
    }

    private static string Snippet(string text)
    {
        string flat = string.Join(' ', text.Split((char[])['\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 160 ? flat : flat[..157] + "...";
    }

    public sealed record EvalSettings(string? DocumentsPath, int? MaxDocuments, int Questions, int Seed, int K, int FusionK);

    /// <summary>The model that answers each question in `rag eval --model`, and the budget of its answers.</summary>
    public sealed record AnswerSettings(string ModelDirectory, int Chunks, int MaxTokens, int MaxAnswerChars);

    /// <summary>
    /// Indexes the evaluation documents (the State of the Union corpus unless a file is given), draws the question set,
    /// and scores the three methods; writes the documents, questions and report beside the index.
    /// </summary>
    public static List<MethodScores> Evaluate(string dbPath, EvalSettings settings, ChunkingOptions chunking, EmbeddingSettings embedding, string? outPath,
        AnswerSettings? answering = null)
    {
        string stem = RagStores.CompanionStem(dbPath);
        string documentsPath = settings.DocumentsPath ?? stem + ".documents.jsonl";
        IReadOnlyList<Document> documents;
        if (settings.DocumentsPath is null)
        {
            var dataset = StdlibDataset.StateOfTheUnion;
            Display.Info($"reading {dataset.Package}@{dataset.Version} ({dataset.Description})");
            var all = dataset.ReadDocuments(new NpmPackageCache().Get(dataset.Package, dataset.Version)).OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
            // The most recent addresses when limited: the end of the id order is the end of the years.
            documents = settings.MaxDocuments is { } max ? all.TakeLast(max).ToList() : all;
            DocumentJsonl.Write(documentsPath, documents);
        }
        else
        {
            var all = DocumentJsonl.Read(documentsPath).ToList();
            documents = settings.MaxDocuments is { } max ? all.Take(max).ToList() : all;
            if (settings.MaxDocuments is not null) DocumentJsonl.Write(documentsPath = stem + ".documents.jsonl", documents);
        }
        Index(documentsPath, dbPath, chunking, embedding, null);

        var questions = QuestionSet.Generate(documents, chunking, settings.Questions, settings.Seed);
        string questionsPath = stem + ".questions.jsonl";
        QuestionSet.Write(questionsPath, questions);
        Display.Info($"{questions.Count} questions (seed {settings.Seed}) written to {questionsPath}");

        using var store = RagStores.Open(dbPath, create: false);
        using var generator = Embedders.ForIndex(store);
        var retriever = new Retriever(store, new BatchEmbedder(generator)) { FusionK = settings.FusionK };
        var scores = Display.Progress("retrieval evaluation", questions.Count * RetrievalMethods.All.Count, sink =>
            RetrievalEvaluation.Run(retriever, questions, settings.K, RetrievalMethods.All, (done, total) => sink.Report(done, $"{done}/{total}")));

        var citations = answering is null ? null : RagAnswering.ScoreCitations(retriever, questions, answering);

        var table = new Table().AddColumns("method", $"P@{settings.K}", $"R@{settings.K}", "MRR", "nDCG@10");
        if (citations is not null) table.AddColumns("citation P", "citation R", "unreadable");
        foreach (var s in scores)
        {
            var row = new List<string> { s.Method, s.PrecisionAtK.ToString("F4"), s.RecallAtK.ToString("F4"), s.Mrr.ToString("F4"), s.NdcgAt10.ToString("F4") };
            if (citations?.Single(c => c.Method == s.Method) is { } c) row.AddRange([c.Precision.ToString("F4"), c.Recall.ToString("F4"), c.UnreadableAnswers.ToString()]);
            table.AddRow(row.ToArray());
        }
        AnsiConsole.Write(table);
        Display.Info("nDCG uses linear gain (relevance 1 for a gold chunk, 0 otherwise) and averages tied scores; MRR counts the first gold chunk in the top max(k, 10).");
        if (citations is not null)
            Display.Info($"citation precision and recall score the model's cited chunks (of the top {answering!.Chunks}) against the gold chunks; an unreadable answer scores 0.");

        string reportPath = outPath ?? stem + ".eval.json";
        AtomicFile.WriteAllText(reportPath, JsonSerializer.Serialize(new
        {
            db = store.Location, documents = documentsPath, questions = questionsPath, question_count = questions.Count, seed = settings.Seed,
            k = settings.K, rrf_k = settings.FusionK, chunking = chunking.Describe(), embedder = store.Setting("embedder"),
            ndcg_gain = "linear", methods = scores, answer_model = answering?.ModelDirectory, citations,
        }, new JsonSerializerOptions { WriteIndented = true }) + "\n");
        Display.Info($"report written to {reportPath}");
        return scores;
    }

    public static void RequirePositive(int value, string option)
    {
        if (value < 1) throw new SharpLMException($"{option} must be at least 1, got {value}.");
    }
}
