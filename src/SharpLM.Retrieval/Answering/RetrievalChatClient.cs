using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.Extensions.AI;
using SharpLM.Core;
using SharpLM.Retrieval.Search;

namespace SharpLM.Retrieval.Answering;

/// <summary>
/// A retrieval-augmented <see cref="IChatClient"/>: before each request it retrieves the chunks that best match the last
/// user message and puts them, numbered, in a system message ahead of the conversation. By default it also asks for the
/// cited answer object (a JSON schema response format, which SharpLM's constrained decoder enforces) and checks the
/// citations of the reply. The response carries <see cref="ContextKey"/> (the numbered chunks) and, for cited answers,
/// <see cref="AnswerKey"/> and <see cref="CitationsKey"/> (the <see cref="CitationReport"/>) in its AdditionalProperties.
/// </summary>
public sealed class RetrievalChatClient(IChatClient inner, Retriever retriever) : DelegatingChatClient(inner)
{
    public const string ContextKey = "rag_context", AnswerKey = "rag_answer", CitationsKey = "rag_citations", QueriesKey = "rag_queries";

    public RetrievalMethod Method { get; init; } = RetrievalMethod.Hybrid;

    /// <summary>Chunks put in the prompt.</summary>
    public int Chunks { get; init; } = 4;

    /// <summary>Ask for (and check) the answer object; off, the reply is free text with [n] markers, unchecked.</summary>
    public bool CitedAnswers { get; init; } = true;

    /// <summary>Longest answer text the schema allows, in characters: a small model's budget must hold the whole object.</summary>
    public int MaxAnswerLength { get; init; } = RagPrompt.DefaultMaxAnswerLength;

    /// <summary>
    /// Off, a reply that is not a complete answer object (a token budget cut it short) leaves <see cref="AnswerKey"/> and
    /// <see cref="CitationsKey"/> out of the response instead of failing the request: an evaluation counts it and goes on.
    /// </summary>
    public bool RequireReadableAnswer { get; init; } = true;

    /// <summary>The text of a document by id, so that citation spans are verified against the source; null skips that check.</summary>
    public Func<string, string?>? DocumentText { get; init; }

    /// <summary>Search for the model's standalone rewrite of the last user message instead of the message itself.</summary>
    public bool RewriteQuery { get; init; }

    /// <summary>
    /// Retrieval rounds: after the first, the model is asked what the chunks found so far lack, and its query retrieves
    /// <see cref="Chunks"/> more (those not already found), until it says nothing is missing or the rounds run out.
    /// </summary>
    public int Rounds { get; init; } = 1;

    /// <summary>Token budget of each rewrite or missing-information reply.</summary>
    public int QueryTokens { get; init; } = 64;

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (augmented, context, queries, requestOptions) = await AugmentAsync(messages, options, cancellationToken);
        var response = await base.GetResponseAsync(augmented, requestOptions, cancellationToken);
        response.AdditionalProperties ??= [];
        response.AdditionalProperties[ContextKey] = context;
        response.AdditionalProperties[QueriesKey] = queries;
        if (CitedAnswers)
        {
            CitedAnswer answer;
            try
            {
                answer = CitedAnswer.Parse(response.Text);
            }
            catch (SharpLMException) when (!RequireReadableAnswer)
            {
                return response;
            }
            response.AdditionalProperties[AnswerKey] = answer;
            response.AdditionalProperties[CitationsKey] = CitationChecker.Check(answer, context, DocumentText);
        }
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (augmented, _, _, requestOptions) = await AugmentAsync(messages, options, cancellationToken);
        await foreach (var update in base.GetStreamingResponseAsync(augmented, requestOptions, cancellationToken)) yield return update;
    }

    /// <summary>The numbered chunks retrieved for a question.</summary>
    public List<NumberedChunk> Retrieve(string question) => Number(Search(question, []), 1);

    /// <summary>
    /// The chunks to answer from and the queries that found them: the last user message (or the model's rewrite of
    /// it), then, for each further round, the model's query for what is missing.
    /// </summary>
    public async Task<(List<NumberedChunk> Context, List<string> Queries)> RetrieveAsync(IReadOnlyList<ChatMessage> conversation, ChatOptions? options,
        CancellationToken cancellationToken = default)
    {
        if (Rounds < 1) throw new SharpLMException($"retrieval rounds must be at least 1, got {Rounds}.");
        string question = conversation.LastOrDefault(m => m.Role == ChatRole.User)?.Text
            ?? throw new SharpLMException("a retrieval-augmented request needs a user message to retrieve for.");
        // The model's own queries are greedy and short whatever the answer's sampling: they steer the search, not the reply.
        var queryOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = QueryTokens, Seed = options?.Seed };
        string query = RewriteQuery ? await SearchQueries.RewriteAsync(InnerClient, conversation, question, queryOptions, cancellationToken) : question;
        var queries = new List<string> { query };
        var context = Number(Search(query, []), 1);
        for (int round = 2; round <= Rounds && context.Count > 0; round++)
        {
            if (await SearchQueries.MissingAsync(InnerClient, question, context, queryOptions, cancellationToken) is not { } missing) break;
            queries.Add(missing);
            context.AddRange(Number(Search(missing, context.Select(c => c.Chunk.Id).ToHashSet()), context.Count + 1));
        }
        return (context, queries);
    }

    /// <summary>The top <see cref="Chunks"/> chunks for a query that are not already found.</summary>
    private List<Store.StoredChunk> Search(string query, HashSet<long> found) =>
        retriever.Search(query, Method, Chunks + found.Count).Where(r => !found.Contains(r.ChunkId)).Take(Chunks)
            .Select(r => retriever.Store.GetChunk(r.ChunkId)).ToList();

    private static List<NumberedChunk> Number(List<Store.StoredChunk> chunks, int first) =>
        chunks.Select((chunk, i) => new NumberedChunk(first + i, chunk)).ToList();

    private async Task<(List<ChatMessage> Messages, List<NumberedChunk> Context, List<string> Queries, ChatOptions? Options)> AugmentAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellationToken)
    {
        var conversation = messages.ToList();
        var (context, queries) = await RetrieveAsync(conversation, options, cancellationToken);
        if (context.Count == 0) throw new SharpLMException($"{retriever.Store.Location}: no chunk matches the question, so there is nothing to answer from.");
        var augmented = new List<ChatMessage> { new(ChatRole.System, RagPrompt.Context(context)) };
        augmented.AddRange(conversation);
        if (!CitedAnswers) return (augmented, context, queries, options);
        var requestOptions = options?.Clone() ?? new ChatOptions();
        requestOptions.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(RagPrompt.Schema(context.Count, MaxAnswerLength)), "cited_answer");
        return (augmented, context, queries, requestOptions);
    }
}
