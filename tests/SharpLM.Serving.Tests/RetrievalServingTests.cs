using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using SharpLM.Core.Formats.Documents;
using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Chunking;
using SharpLM.Retrieval.Embeddings;
using SharpLM.Retrieval.Indexing;
using SharpLM.Retrieval.Search;
using SharpLM.Retrieval.Store;
using SharpLM.Serving.Retrieval;

namespace SharpLM.Serving.Tests;

/// <summary>`serve --rag NAME=rag.db` and the "retrieval" field of /v1/chat/completions, over real HTTP.</summary>
public sealed class RetrievalServingTests : IAsyncLifetime
{
    private const string Question = "How many frigates did the navy launch?";

    private static readonly Document[] Documents =
    [
        new() { Id = "navy", Text = "The navy launched four iron frigates. The yards are busy.", Source = "test:navy", License = "CC0-1.0" },
        new() { Id = "tariff", Text = "The tariff on iron was lowered. Revenue paid the debt.", Source = "test:tariff", License = "CC0-1.0" },
        new() { Id = "army", Text = "The army guarded the frontier all summer.", Source = "test:army", License = "CC0-1.0" },
    ];

    private readonly string _root = Directory.CreateTempSubdirectory("sharplm-serve-rag-").FullName;
    private string Db => Path.Combine(_root, "rag.db");
    private string _model = "";
    private SharpLMServer _server = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _model = ServerFixture.CreateModel();
        string documents = Path.Combine(_root, "docs.jsonl");
        DocumentJsonl.Write(documents, Documents);
        // The served model's own embedder keeps the index small; BM25 requests never embed.
        using (var store = SqliteRagStore.Open(Db, create: true))
        using (var generator = ModelEmbeddingGenerator.Load(_model))
            new RagIndexer(store, new BatchEmbedder(generator, 4, 1), new ChunkingOptions { MaxTokens = 8, OverlapTokens = 0 }).Run(documents);
        _server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = _model, ModelId = "tiny", Port = 0, Parallel = 1, Threads = 1, RagCollections = [new RagCollectionSource("speeches", Db)],
        }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await _server.Ready;
        _client = new HttpClient { BaseAddress = _server.Address };
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private static JsonObject Request(JsonObject? retrieval, string? system = null)
    {
        var messages = new JsonArray();
        if (system is not null) messages.Add(new JsonObject { ["role"] = "system", ["content"] = system });
        messages.Add(new JsonObject { ["role"] = "user", ["content"] = Question });
        var request = new JsonObject
        {
            ["model"] = "tiny", ["messages"] = messages, ["temperature"] = 0, ["max_tokens"] = 1500,
            ["response_format"] = new JsonObject
            {
                ["type"] = "json_schema",
                ["json_schema"] = new JsonObject { ["name"] = "cited_answer", ["schema"] = RagPrompt.Schema(2, maxAnswerLength: 10) },
            },
        };
        if (retrieval is not null) request["retrieval"] = retrieval;
        return request;
    }

    private async Task<(HttpStatusCode Status, JsonElement Body)> Post(JsonObject request)
    {
        var response = await _client.PostAsJsonAsync("/v1/chat/completions", request);
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    [Fact]
    public async Task Retrieved_chunks_are_numbered_in_the_prompt_and_the_answers_citations_come_back_as_document_spans()
    {
        var (status, body) = await Post(Request(new JsonObject { ["collection"] = "speeches", ["top_k"] = 2, ["method"] = "bm25" }));
        Assert.Equal(HttpStatusCode.OK, status);
        var retrieval = body.GetProperty("retrieval");
        Assert.Equal("speeches", retrieval.GetProperty("collection").GetString());
        Assert.Equal("bm25", retrieval.GetProperty("method").GetString());
        var chunks = retrieval.GetProperty("chunks").EnumerateArray().ToList();
        Assert.Equal([1, 2], chunks.Select(c => c.GetProperty("number").GetInt32()));
        // "navy", "launched", "four" and "frigates" are only in the navy document's first sentence.
        Assert.Equal(("navy", 0, 37), (chunks[0].GetProperty("document_id").GetString(), chunks[0].GetProperty("char_start").GetInt32(), chunks[0].GetProperty("char_end").GetInt32()));
        foreach (var chunk in chunks)
        {
            string text = Documents.Single(d => d.Id == chunk.GetProperty("document_id").GetString()).Text;
            Assert.Equal(text[chunk.GetProperty("char_start").GetInt32()..chunk.GetProperty("char_end").GetInt32()], chunk.GetProperty("text").GetString());
        }

        // The answer object's citations, read here from the content, mapped to the spans of the chunks listed above.
        string content = body.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        var cited = JsonDocument.Parse(content).RootElement.GetProperty("citations").EnumerateArray().Select(n => n.GetInt32()).Distinct().ToList();
        Assert.NotEmpty(cited);
        var mapped = Assert.Single(retrieval.GetProperty("citations").EnumerateArray()).GetProperty("cited").EnumerateArray().ToList();
        Assert.Equal(cited.Concat(CitationChecker.Markers(JsonDocument.Parse(content).RootElement.GetProperty("answer").GetString()!)).Where(n => n is 1 or 2).Distinct(),
            mapped.Select(c => c.GetProperty("number").GetInt32()));
        foreach (var citation in mapped)
        {
            var chunk = chunks[citation.GetProperty("number").GetInt32() - 1];
            foreach (string field in new[] { "document_id", "char_start", "char_end" })
                Assert.Equal(chunk.GetProperty(field).ToString(), citation.GetProperty(field).ToString());
        }

        // The same prompt written by the client (RagPrompt over the store's own BM25 ranking) gets the same answer from the same tokens.
        string context;
        using (var store = SqliteRagStore.Open(Db, create: false))
        using (var generator = Embedders.ForIndex(store))
            context = RagPrompt.Context(new Retriever(store, new BatchEmbedder(generator)).Search(Question, RetrievalMethod.Bm25, 2)
                .Select((r, i) => new NumberedChunk(i + 1, store.GetChunk(r.ChunkId))).ToList());
        var (plainStatus, plain) = await Post(Request(retrieval: null, system: context));
        Assert.Equal(HttpStatusCode.OK, plainStatus);
        Assert.Equal(plain.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), body.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(plain.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), content);
        Assert.False(plain.TryGetProperty("retrieval", out _));
    }

    [Fact]
    public async Task A_streamed_retrieval_request_sends_the_chunks_first_and_the_citations_last_matching_the_whole_response()
    {
        var retrieval = new JsonObject { ["collection"] = "speeches", ["top_k"] = 2, ["method"] = "bm25" };
        var (status, whole) = await Post(Request((JsonObject)retrieval.DeepClone()));
        Assert.Equal(HttpStatusCode.OK, status);

        var request = Request(retrieval);
        request["stream"] = true;
        request["stream_options"] = new JsonObject { ["include_usage"] = true };
        var response = await _client.PostAsJsonAsync("/v1/chat/completions", request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string[] lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("data: [DONE]", lines[^1]);
        var events = lines[..^1].Select(line => JsonDocument.Parse(line["data: ".Length..]).RootElement.Clone()).ToList();

        // First: the role chunk carries the chunks in the prompt, exactly as the whole response lists them.
        var first = events[0].GetProperty("retrieval");
        Assert.Equal(whole.GetProperty("retrieval").GetProperty("chunks").ToString(), first.GetProperty("chunks").ToString());
        Assert.False(first.TryGetProperty("citations", out _));
        // The streamed text is the whole response's text (greedy, same prompt).
        string text = string.Concat(events.SelectMany(e => e.GetProperty("choices").EnumerateArray())
            .Select(c => c.GetProperty("delta").TryGetProperty("content", out var content) ? content.GetString() : ""));
        Assert.Equal(whole.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), text);
        // Last before usage: a chunk of no choices with the citations, equal to the whole response's.
        var citations = Assert.Single(events, e => e.TryGetProperty("retrieval", out var r) && r.TryGetProperty("citations", out _));
        Assert.Equal(0, citations.GetProperty("choices").GetArrayLength());
        Assert.Equal(events[^2], citations);
        Assert.Equal(whole.GetProperty("retrieval").GetProperty("citations").ToString(), citations.GetProperty("retrieval").GetProperty("citations").ToString());
        Assert.NotEqual(JsonValueKind.Null, events[^1].GetProperty("usage").ValueKind);
        Assert.Equal(whole.GetProperty("usage").GetProperty("prompt_tokens").GetInt32(), events[^1].GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Theory]
    [InlineData("""{"collection": "laws"}""", false, "retrieval.collection")]
    [InlineData("""{"top_k": 2}""", false, "retrieval.collection")]
    [InlineData("""{"collection": "speeches", "method": "fuzzy"}""", false, "retrieval.method")]
    [InlineData("""{"collection": "speeches", "top_k": 0}""", false, "retrieval.top_k")]
    [InlineData("""{"collection": 3}""", false, "retrieval.collection")]
    [InlineData("\"speeches\"", false, "retrieval")]
    [InlineData("""{"collection": "speeches"}""", true, "retrieval.collection", "laws")]
    public async Task A_wrong_retrieval_field_is_a_400_naming_it(string retrieval, bool stream, string param, string? collection = null)
    {
        var request = Request(null);
        request["retrieval"] = JsonNode.Parse(retrieval);
        if (collection is not null) request["retrieval"]!["collection"] = collection;
        if (stream) request["stream"] = true;
        var (status, body) = await Post(request);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        var error = body.GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains($"'{param}'", error.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_missing_index_stops_the_start()
    {
        var error = await Assert.ThrowsAsync<Core.SharpLMException>(() => SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = _model, Port = 0, RagCollections = [new RagCollectionSource("laws", Path.Combine(_root, "missing.db"))],
        }));
        Assert.Contains("missing.db", error.Message);
    }

    [Theory]
    [InlineData("speeches=rag.db", "speeches", "rag.db")]
    [InlineData("a=b=c.db", "a", "b=c.db")]
    public void A_collection_is_given_as_name_equals_file(string text, string name, string database) =>
        Assert.Equal(new RagCollectionSource(name, database), RagCollectionSource.Parse(text));

    [Theory]
    [InlineData("rag.db")]
    [InlineData("=rag.db")]
    [InlineData("name=")]
    public void A_collection_without_a_name_or_a_file_is_refused(string text) =>
        Assert.Contains("--rag", Assert.Throws<Core.SharpLMException>(() => RagCollectionSource.Parse(text)).Message);
}
