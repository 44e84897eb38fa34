using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Scheduling;
using SharpLM.Serving.Telemetry;
using TemplateMessage = SharpLM.Tokenizers.Chat.ChatMessage;

namespace SharpLM.Serving.Clients;

/// <summary>
/// Microsoft.Extensions.AI's <see cref="IChatClient"/> over the engine in-process, no HTTP: conversations go through
/// the same scheduler and generation core as `sharplm serve`, so several callers share continuous batching, and the
/// output equals the server's for the same options and seed. Honours ChatOptions' sampling fields, stop sequences,
/// token budget, seed and JSON response formats (enforced by the constrained decoder).
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
        var job = Submit(messages, options, cancellationToken);
        var text = new StringBuilder();
        int tokens = 0;
        var finish = FinishReason.Length;
        await foreach (var update in job.Updates.ReadAllAsync(CancellationToken.None))
        {
            text.Append(update.Text);
            tokens += update.Tokens.Count;
            if (update.Finish is { } f) finish = f;
        }
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, text.ToString()))
        {
            ModelId = _model.Id,
            ResponseId = Guid.NewGuid().ToString("N"),
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Finish(finish),
            Usage = Usage(job, tokens),
        };
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var job = Submit(messages, options, cancellationToken);
        string id = Guid.NewGuid().ToString("N");
        int tokens = 0;
        await foreach (var update in job.Updates.ReadAllAsync(cancellationToken))
        {
            tokens += update.Tokens.Count;
            var contents = new List<AIContent>();
            if (update.Text.Length > 0) contents.Add(new TextContent(update.Text));
            if (update.Finish is not null) contents.Add(new UsageContent(Usage(job, tokens)));
            if (contents.Count == 0) continue;
            yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
            {
                ResponseId = id, ModelId = _model.Id, FinishReason = update.Finish is { } f ? Finish(f) : null,
            };
        }
    }

    private GenerationJob Submit(IEnumerable<ChatMessage> messages, ChatOptions? options, CancellationToken cancellation)
    {
        if (options?.Tools is { Count: > 0 } && options.ToolMode is not NoneChatToolMode)
            throw new NotSupportedException("SharpLM's chat client does not call tools yet; pass no tools or ChatToolMode.None.");
        var conversation = messages.Select(m => new TemplateMessage(Role(m.Role), m.Text)).ToList();
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
        var constraint = options?.ResponseFormat is ChatResponseFormatJson json
            ? ChatPrompt.JsonOutput(_model, json.Schema?.GetRawText(), "ChatOptions.ResponseFormat schema") : null;
        var job = new GenerationJob(prompt, [sampling], stopTokens, constraint, cancellation);
        if (!_scheduler.TrySubmit(job)) throw new InvalidOperationException("the scheduler's queue is full; retry later.");
        return job;
    }

    private static string Role(ChatRole role) =>
        role == ChatRole.System ? TemplateMessage.System
        : role == ChatRole.User ? TemplateMessage.User
        : role == ChatRole.Assistant ? TemplateMessage.Assistant
        : throw new NotSupportedException($"messages with role '{role}' are not supported (system, user and assistant are).");

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
