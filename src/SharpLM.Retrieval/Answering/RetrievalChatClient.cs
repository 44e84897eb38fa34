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
    public const string ContextKey = "rag_context", AnswerKey = "rag_answer", CitationsKey = "rag_citations";

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

    public override async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (augmented, context, requestOptions) = Augment(messages, options);
        var response = await base.GetResponseAsync(augmented, requestOptions, cancellationToken);
        response.AdditionalProperties ??= [];
        response.AdditionalProperties[ContextKey] = context;
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
        var (augmented, _, requestOptions) = Augment(messages, options);
        await foreach (var update in base.GetStreamingResponseAsync(augmented, requestOptions, cancellationToken)) yield return update;
    }

    /// <summary>The numbered chunks retrieved for a question.</summary>
    public List<NumberedChunk> Retrieve(string question) =>
        retriever.Search(question, Method, Chunks).Select((r, i) => new NumberedChunk(i + 1, retriever.Store.GetChunk(r.ChunkId))).ToList();

    private (List<ChatMessage> Messages, List<NumberedChunk> Context, ChatOptions? Options) Augment(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        var conversation = messages.ToList();
        string question = conversation.LastOrDefault(m => m.Role == ChatRole.User)?.Text
            ?? throw new SharpLMException("a retrieval-augmented request needs a user message to retrieve for.");
        var context = Retrieve(question);
        if (context.Count == 0) throw new SharpLMException($"{retriever.Store.Location}: no chunk matches the question, so there is nothing to answer from.");
        var augmented = new List<ChatMessage> { new(ChatRole.System, RagPrompt.Context(context)) };
        augmented.AddRange(conversation);
        if (!CitedAnswers) return (augmented, context, options);
        var requestOptions = options?.Clone() ?? new ChatOptions();
        requestOptions.ResponseFormat = ChatResponseFormat.ForJsonSchema(JsonSerializer.SerializeToElement(RagPrompt.Schema(context.Count, MaxAnswerLength)), "cited_answer");
        return (augmented, context, requestOptions);
    }
}
