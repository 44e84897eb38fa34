using System.Text.Json;
using SharpLM.Core;
using SharpLM.Retrieval.Answering;
using SharpLM.Retrieval.Search;
using SharpLM.Serving.Retrieval;
using SharpLM.Tokenizers.Chat;

namespace SharpLM.Serving.Api;

/// <summary>
/// The "retrieval" extension of /v1/chat/completions: {"collection": NAME, "top_k": 4, "method": "hybrid"}. The last
/// user message is the query; the chunks found are numbered in a system message ahead of the conversation (the prompt
/// of `rag ask`, <see cref="RagPrompt.Context"/>), and the response's "retrieval" field lists them and maps each
/// choice's citations to document spans.
/// </summary>
internal sealed class RetrievalField
{
    public const int DefaultTopK = 4, MaxTopK = 50;

    private readonly string _collection;
    private readonly RetrievalMethod _method;
    private readonly List<(NumberedChunk Chunk, double Score)> _chunks;

    private RetrievalField(string collection, RetrievalMethod method, List<(NumberedChunk, double)> chunks)
    {
        _collection = collection;
        _method = method;
        _chunks = chunks;
    }

    /// <summary>The request's retrieval, done; null when the request has no "retrieval" field.</summary>
    public static RetrievalField? Retrieve(JsonFields fields, IReadOnlyList<ChatMessage> messages, ServedCollections? collections)
    {
        if (fields.Get("retrieval") is not { } value) return null;
        if (value.ValueKind != JsonValueKind.Object) throw RequestError.Invalid("retrieval", "'retrieval' must be an object with a 'collection'.");
        var field = new JsonFields(value);
        string collection = Nested(() => field.String("collection")) is { Length: > 0 } name ? name
            : throw RequestError.Invalid("retrieval.collection", "'retrieval.collection' is required: the name of a collection the server was started with (--rag NAME=rag.db).");
        int topK = (int)(Nested(() => field.Integer("top_k", 1, MaxTopK)) ?? DefaultTopK);
        string methodName = Nested(() => field.String("method")) ?? "hybrid";
        if (methodName is not ("bm25" or "dense" or "hybrid"))
            throw RequestError.Invalid("retrieval.method", $"'retrieval.method' must be bm25, dense or hybrid (got '{methodName}').");
        var method = RetrievalMethods.Parse(methodName);
        string query = messages.LastOrDefault(m => m.Role == ChatMessage.User)?.Content is { Length: > 0 } text ? text
            : throw RequestError.Invalid("messages", "a request with 'retrieval' needs a user message to retrieve for.");
        var chunks = (collections ?? throw RequestError.Invalid("retrieval.collection",
            $"'retrieval.collection' names '{collection}', but this server serves no retrieval collection (start it with --rag NAME=rag.db)."))
            .Retrieve(collection, query, method, topK);
        if (chunks.Count == 0) throw RequestError.Invalid("messages", $"no chunk of the collection '{collection}' matches the last user message, so there is nothing to answer from.");
        return new RetrievalField(collection, method, chunks);
    }

    /// <summary>The system message that numbers the chunks, to go ahead of the conversation.</summary>
    public ChatMessage Context() => new(ChatMessage.System, RagPrompt.Context(_chunks.Select(c => c.Chunk).ToList()));

    /// <summary>"retrieval": the chunks in the prompt and, per choice, the retrieved chunks its text cites.</summary>
    public void Write(Utf8JsonWriter w, IReadOnlyList<string?> choiceTexts)
    {
        w.WriteStartObject("retrieval");
        Head(w);
        Chunks(w);
        Citations(w, choiceTexts);
        w.WriteEndObject();
    }

    /// <summary>
    /// A stream's first chunk: "retrieval" with the chunks in the prompt, so a client can show the sources while the
    /// answer streams; the citations follow in <see cref="WriteStreamCitations"/> once every choice has ended.
    /// </summary>
    public void WriteStreamChunks(Utf8JsonWriter w)
    {
        w.WriteStartObject("retrieval");
        Head(w);
        Chunks(w);
        w.WriteEndObject();
    }

    /// <summary>A stream's last chunk before usage: "retrieval" with each choice's citations of what was sent.</summary>
    public void WriteStreamCitations(Utf8JsonWriter w, IReadOnlyList<string?> choiceTexts)
    {
        w.WriteStartObject("retrieval");
        Head(w);
        Citations(w, choiceTexts);
        w.WriteEndObject();
    }

    private void Head(Utf8JsonWriter w)
    {
        w.WriteString("collection", _collection);
        w.WriteString("method", RetrievalMethods.Name(_method));
    }

    private void Chunks(Utf8JsonWriter w)
    {
        w.WriteStartArray("chunks");
        foreach (var (numbered, score) in _chunks)
        {
            w.WriteStartObject();
            w.WriteNumber("number", numbered.Number);
            Span(w, numbered);
            w.WriteString("source", numbered.Chunk.Source);
            w.WriteNumber("score", score);
            w.WriteString("text", numbered.Chunk.Text);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private void Citations(Utf8JsonWriter w, IReadOnlyList<string?> choiceTexts)
    {
        w.WriteStartArray("citations");
        for (int i = 0; i < choiceTexts.Count; i++)
        {
            w.WriteStartObject();
            w.WriteNumber("index", i);
            w.WriteStartArray("cited");
            foreach (int number in Cited(choiceTexts[i] ?? ""))
            {
                var numbered = _chunks[number - 1].Chunk;
                w.WriteStartObject();
                w.WriteNumber("number", number);
                Span(w, numbered);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    private static void Span(Utf8JsonWriter w, NumberedChunk numbered)
    {
        w.WriteString("document_id", numbered.Chunk.DocumentId);
        w.WriteNumber("char_start", numbered.Chunk.CharStart);
        w.WriteNumber("char_end", numbered.Chunk.CharEnd);
    }

    /// <summary>
    /// The numbers of retrieved chunks a choice cites, in order of first mention: the "citations" of an answer object
    /// (when the reply is one, as under the <see cref="RagPrompt.Schema"/> response format) and every [n] in its text.
    /// Numbers that name no retrieved chunk are left out: they point at nothing.
    /// </summary>
    private IEnumerable<int> Cited(string text)
    {
        var numbers = new List<int>();
        string answerText = text;
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                var answer = CitedAnswer.Parse(text);
                numbers.AddRange(answer.Citations);
                answerText = answer.Answer;
            }
            catch (SharpLMException)
            {
                // Not an answer object: its [n] markers still count.
            }
        }
        numbers.AddRange(CitationChecker.Markers(answerText));
        return numbers.Where(n => n >= 1 && n <= _chunks.Count).Distinct();
    }

    /// <summary>The nested field's own check, reported under its full name.</summary>
    private static T Nested<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (RequestError e) when (e.Param is { } param && !param.StartsWith("retrieval.", StringComparison.Ordinal))
        {
            throw RequestError.Invalid("retrieval." + param, e.Message.Replace($"'{param}'", $"'retrieval.{param}'"));
        }
    }
}
