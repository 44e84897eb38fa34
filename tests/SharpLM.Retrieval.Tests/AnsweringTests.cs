using System.Numerics.Tensors;
using Microsoft.Extensions.AI;
using SharpLM.Inference;
using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using SharpLM.Serving.Clients;

namespace SharpLM.Retrieval.Tests;

public class AnsweringTests : IClassFixture<TinyModel>
{
    private readonly TinyModel _model;

    public AnsweringTests(TinyModel model) => _model = model;

    [Fact]
    public async Task The_retrieval_chat_client_gets_an_answer_whose_citations_are_retrieved_chunks()
    {
        using var corpus = new TestCorpus();
        var speeches = TestCorpus.Speeches();
        using var store = SqliteRagStore.Open(corpus.Db, create: true);
        using var generator = ModelEmbeddingGenerator.Load(_model.Directory);
        var embedder = new BatchEmbedder(generator, 4, 2);
        new RagIndexer(store, embedder, new ChunkingOptions { MaxTokens = 40, OverlapTokens = 0 }).Run(corpus.Write("docs.jsonl", speeches));

        using var engine = SharpLMChatClient.Load(_model.Directory, slots: 1, threads: 1);
        using var rag = new RetrievalChatClient(engine, new Retriever(store, embedder))
        {
            Chunks = 3,
            DocumentText = id => speeches.SingleOrDefault(d => d.Id == id)?.Text,
        };
        var response = await rag.GetResponseAsync([new ChatMessage(ChatRole.User, "How many frigates did the navy launch?")],
            new ChatOptions { Temperature = 0, MaxOutputTokens = 400 });

        var context = (List<NumberedChunk>)response.AdditionalProperties![RetrievalChatClient.ContextKey]!;
        Assert.Equal([1, 2, 3], context.Select(c => c.Number));
        Assert.Contains(context, c => c.Chunk.DocumentId == "c"); // the navy speech is retrieved by BM25's half of the fusion
        // A random model writes nonsense, but the constrained decoder keeps it to the answer object with citations in 1..3.
        var answer = (CitedAnswer)response.AdditionalProperties[RetrievalChatClient.AnswerKey]!;
        Assert.NotEmpty(answer.Citations);
        Assert.All(answer.Citations, n => Assert.InRange(n, 1, 3));
        var report = (CitationReport)response.AdditionalProperties[RetrievalChatClient.CitationsKey]!;
        Assert.All(report.Citations, c => Assert.True(c.SpanVerified));
        Assert.All(report.Citations, c => Assert.Equal(context[c.Number - 1].Chunk.DocumentId, c.DocumentId));
    }

    [Fact]
    public async Task Each_retrieval_round_adds_the_unseen_top_chunks_of_the_models_query_numbered_after_the_last()
    {
        using var corpus = new TestCorpus();
        var speeches = TestCorpus.Speeches();
        using var store = SqliteRagStore.Open(corpus.Db, create: true);
        using var generator = ModelEmbeddingGenerator.Load(_model.Directory);
        var embedder = new BatchEmbedder(generator, 4, 2);
        new RagIndexer(store, embedder, new ChunkingOptions { MaxTokens = 12, OverlapTokens = 0 }).Run(corpus.Write("docs.jsonl", speeches));
        var retriever = new Retriever(store, embedder);

        using var engine = SharpLMChatClient.Load(_model.Directory, slots: 1, threads: 1);
        var rag = new RetrievalChatClient(engine, retriever) { Chunks = 2, Rounds = 3, RewriteQuery = true, QueryTokens = 40 };
        ChatMessage[] conversation =
        [
            new(ChatRole.User, "Tell me about the navy."), new(ChatRole.Assistant, "It launched frigates."),
            new(ChatRole.User, "How many?"),
        ];
        var (context, queries) = await rag.RetrieveAsync(conversation, new ChatOptions { Seed = 5 });

        // The random model's rewrite and follow-up queries are whatever the constrained decoder let it write; the
        // chunks must be exactly what searching those queries finds, round after round, each chunk once.
        Assert.InRange(queries.Count, 2, 3);
        Assert.All(queries, q => Assert.InRange(q.Length, 1, SearchQueries.MaxQueryLength));
        Assert.Equal(Enumerable.Range(1, context.Count), context.Select(c => c.Number));
        var expected = new List<long>();
        foreach (string query in queries)
            expected.AddRange(retriever.Search(query, RetrievalMethod.Hybrid, 100).Select(r => r.ChunkId).Where(id => !expected.Contains(id)).Take(2));
        Assert.Equal(expected, context.Select(c => c.Chunk.Id));

        // One round without rewriting asks the model nothing: the question is the query.
        var plain = new RetrievalChatClient(engine, retriever) { Chunks = 2 };
        var (plainContext, plainQueries) = await plain.RetrieveAsync(conversation, null);
        Assert.Equal(["How many?"], plainQueries);
        Assert.Equal(plain.Retrieve("How many?").Select(c => c.Chunk.Id), plainContext.Select(c => c.Chunk.Id));
    }

    [Fact]
    public void The_model_embedder_returns_the_engines_text_embeddings()
    {
        using var generator = ModelEmbeddingGenerator.Load(_model.Directory);
        string[] texts = ["the navy and the tariff", "revenue of the army"];
        var vectors = new BatchEmbedder(generator, batchSize: 1, parallelism: 2).Embed(texts);
        var reference = EngineModel.Load(_model.Directory).NewEmbedder(1);
        for (int i = 0; i < texts.Length; i++)
        {
            var expected = reference.Embed(TinyModel.Tokenizer.Encode(texts[i], allowSpecial: false).ToArray());
            Assert.Equal(expected, vectors[i]);
            Assert.Equal(1, TensorPrimitives.Norm(vectors[i]), 1e-5);
        }
        Assert.Equal(64, generator.GetService<EmbeddingGeneratorMetadata>()!.DefaultModelDimensions);
    }
}
