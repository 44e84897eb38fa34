using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Api;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;

namespace SharpLM.Serving.Clients;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over the engine in-process, no HTTP: conversations go through
/// the same scheduler and generation core as `sharplm serve`, so several callers share continuous batching, and the
/// output equals the server's for the same options and seed. Honours ChatOptions' sampling fields, stop sequences,
/// token budget, seed, JSON response formats and tools (ChatOptions.Tools and ToolMode, through the same tool-call
/// machinery as the HTTP route: a required or named call is enforced by the constrained decoder and comes back as
/// FunctionCallContent; FunctionCallContent and FunctionResultContent in the history are rendered as the route renders
/// tool_calls and tool messages, so a FunctionInvokingChatClient loop runs over it).
/// </summary>
public sealed class SharpLMChatClient : IChatClient
{
    private readonly ServedModel _model;
    private readonly Scheduler _scheduler;
    private readonly bool _ownsScheduler;

    public SharpLMChatClient(ServedModel model, Scheduler scheduler)
    {
        _model = model;
        _scheduler = scheduler;
    }

    private SharpLMChatClient(ServedModel model, Scheduler scheduler, bool owns) : this(model, scheduler) => _ownsScheduler = owns;

    /// <summary>Loads a model folder with its own scheduler of <paramref name="slots"/> slots.</summary>
    public static SharpLMChatClient Load(string modelDirectory, int slots = 4, int? threads = null)
    {
        var model = ServedModel.Load(modelDirectory, slots, threads ?? Environment.ProcessorCount);
        return new SharpLMChatClient(model, new Scheduler(model.Backend, model.Tokenizer, new ServerMetrics(model.Id), queueCapacity: 1024), owns: true);
    }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var (job, tools) = Submit(messages, options, cancellationToken);
        using var endsWithThisCall = job; // a caller that stops reading (or an exception) frees the job's slot
        var text = new StringBuilder();
        int tokens = 0;
        var finish = FinishReason.Length;
        await foreach (var update in job.Updates.ReadAllAsync(CancellationToken.None))
        {
            text.Append(update.Text);
            tokens += update.Tokens.Count;
            if (update.Finish is { } f) finish = f;
        }
        var call = tools.Parse(text.ToString());
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, [Content(text.ToString(), call)]))
        {
            ModelId = _model.Id,
            ResponseId = Guid.NewGuid().ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = call is null ? Finish(finish) : ChatFinishReason.ToolCalls,
            Usage = Usage(job, tokens),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var (job, tools) = Submit(messages, options, cancellationToken);
        using var endsWithThisCall = job; // a caller that stops reading (or an exception) frees the job's slot
        string id = Guid.NewGuid().ToString("N");
        int tokens = 0;
        // With tools, the text is held until it ends: only then is it known to be a call or an answer (as on the HTTP route).
        var held = new StringBuilder();
        await foreach (var update in job.Updates.ReadAllAsync(cancellationToken))
        {
            tokens += update.Tokens.Count;
            var contents = new List<AIContent>();
            ChatFinishReason? finish = update.Finish is { } f ? Finish(f) : null;
            if (tools.Active)
            {
                held.Append(update.Text);
                if (update.Finish is not null)
                {
                    var call = tools.Parse(held.ToString());
                    contents.Add(Content(held.ToString(), call));
                    if (call is not null) finish = ChatFinishReason.ToolCalls;
                }
            }
            else if (update.Text.Length > 0) contents.Add(new TextContent(update.Text));
            if (update.Finish is not null) contents.Add(new UsageContent(Usage(job, tokens)));
            if (contents.Count == 0) continue;
            yield return new ChatResponseUpdate(ChatRole.Assistant, contents) { ResponseId = id, ModelId = _model.Id, FinishReason = finish };
        }
    }

    /// <summary>The assistant's output: a function call when it is one, otherwise its text.</summary>
    private static AIContent Content(string text, ToolCall? call) =>
        call is null ? new TextContent(text) : new FunctionCallContent(call.Id, call.Name, ToolConversation.Arguments(call.ArgumentsJson));

    private (GenerationJob Job, ToolCalls Tools) Submit(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellation)
    {
        var tools = ToolConversation.Tools(options, _model);
        var conversation = ToolConversation.Render(messages);
        tools.AddDescription(conversation);
        var (prompt, stopTokens) = ChatPrompt.Render(_model, conversation);
        var sampling = new SamplingOptions
        {
            Temperature = options?.Temperature ?? 1.0,
            TopP = options?.TopP ?? 1.0,
            TopK = options?.TopK ?? 0,
            FrequencyPenalty = options?.FrequencyPenalty ?? 0,
            PresencePenalty = options?.PresencePenalty ?? 0,
            MaxNewTokens = options?.MaxOutputTokens ?? _model.MaxContext,
            Seed = options?.Seed ?? Random.Shared.NextInt64(),
            StopSequences = options?.StopSequences?.ToArray() ?? [],
        };
        var format = options?.ResponseFormat is ChatResponseFormatJson json
            ? ChatPrompt.JsonOutput(_model, json.Schema?.GetRawText(), "ChatOptions.ResponseFormat schema") : null;
        if (format is not null && tools.NewConstraint is not null)
            throw new ArgumentException("a JSON response format cannot be combined with a required tool call: the call's arguments already follow the function's schema.", nameof(options));
        var job = new GenerationJob(prompt, [sampling], stopTokens, tools.NewConstraint ?? format, cancellation);
        if (!_scheduler.TrySubmit(job)) throw new InvalidOperationException("the scheduler's queue is full; retry later.");
        return (job, tools);
    }

    private static ChatFinishReason Finish(FinishReason finish) => finish == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length;

    private static UsageDetails Usage(GenerationJob job, int outputTokens) => new()
    {
        InputTokenCount = job.Prompt.Count, OutputTokenCount = outputTokens, TotalTokenCount = job.Prompt.Count + outputTokens,
        CachedInputTokenCount = job.CachedPromptTokens,
    };

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(ChatClientMetadata) ? new ChatClientMetadata("sharplm", null, _model.Id)
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose()
    {
        if (_ownsScheduler) _scheduler.Dispose();
    }
}
