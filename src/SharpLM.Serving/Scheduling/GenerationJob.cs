using System.Diagnostics;
using System.Threading.Channels;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Generation;

namespace SharpLM.Serving.Scheduling;

/// <summary>What one choice of a job produced since its last update; <see cref="Finish"/> is set on its last update.</summary>
/// <see cref="PromptLogProbabilities"/> comes once, on a choice's first update, when the job asked for them.
public sealed record ChoiceUpdate(int Index, string Text, IReadOnlyList<int> Tokens, IReadOnlyList<TokenLogProbabilities> LogProbabilities,
    FinishReason? Finish = null, IReadOnlyList<TokenLogProbabilities?>? PromptLogProbabilities = null);

/// <summary>
/// One request to the scheduler: a prompt and one set of sampling options per choice (n choices run in n slots).
/// Updates arrive on <see cref="Updates"/> as the scheduler steps. The job ends early, its slots freed at the next
/// step, when the caller's token is cancelled (a client that went away), when <see cref="Cancel"/> is called, or when
/// the job is disposed: whoever submits a job disposes it when done with it, so a caller that stops reading for any
/// reason (an exception included) never leaves its choices generating to their budget.
/// </summary>
public sealed class GenerationJob : IDisposable
{
    private readonly Channel<ChoiceUpdate> _updates = Channel.CreateUnbounded<ChoiceUpdate>(new UnboundedChannelOptions { SingleWriter = true });
    private readonly CancellationTokenSource _cancellation;

    /// <param name="promptLogProbabilities">Score the prompt too: each prompt token's log-probability given those before it
    /// (null for the first), with this many most likely alternatives; the prompt is then computed whole, not taken from a cache.</param>
    public GenerationJob(IReadOnlyList<int> prompt, IReadOnlyList<SamplingOptions> choices, IReadOnlySet<int>? stopTokens = null,
        Func<ITokenConstraint>? newConstraint = null, CancellationToken cancellation = default, int? promptLogProbabilities = null)
    {
        PromptLogProbabilities = promptLogProbabilities;
        if (choices.Count == 0) throw new ArgumentException("a job needs at least one choice.", nameof(choices));
        Prompt = prompt;
        Choices = choices;
        StopTokens = stopTokens;
        NewConstraint = newConstraint;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        Cancellation = _cancellation.Token;
    }

    public IReadOnlyList<int> Prompt { get; }
    public IReadOnlyList<SamplingOptions> Choices { get; }
    public IReadOnlySet<int>? StopTokens { get; }
    public Func<ITokenConstraint>? NewConstraint { get; }
    /// <summary>Cancelled when the job is to end early (the caller's token, <see cref="Cancel"/> or <see cref="Dispose"/>).</summary>
    public CancellationToken Cancellation { get; }
    public int? PromptLogProbabilities { get; }
    public ChannelReader<ChoiceUpdate> Updates => _updates.Reader;

    /// <summary>Prompt tokens found already in a slot's cache, at admission (the most over the job's choices).</summary>
    public int CachedPromptTokens { get; internal set; }

    internal long ArrivalTicks { get; } = Stopwatch.GetTimestamp();
    internal long? AdmittedTicks { get; set; }
    /// <summary>The span the job was submitted under (the HTTP request's), parent of its queue, prefill and decode spans.</summary>
    internal ActivityContext TraceParent { get; } = Activity.Current?.Context ?? default;
    internal long? FirstTokenTicks { get; set; }
    internal long LastTokenTicks { get; set; }
    internal int Unfinished { get; set; }

    private int _generatedTokens;

    /// <summary>Tokens generated so far over all choices (what a per-key token budget is charged, with the prompt).</summary>
    public int GeneratedTokens => Volatile.Read(ref _generatedTokens);

    internal void Publish(ChoiceUpdate update)
    {
        Interlocked.Add(ref _generatedTokens, update.Tokens.Count);
        _updates.Writer.TryWrite(update);
    }
    internal void Complete(Exception? error = null) => _updates.Writer.TryComplete(error);

    /// <summary>Ends the job early: the scheduler frees its slots at its next step (nothing happens to a finished job).</summary>
    public void Cancel() => _cancellation.Cancel();

    /// <summary>Cancels the job if it is still running, and lets go of the caller's token.</summary>
    public void Dispose()
    {
        // Unlinking from the caller's token without cancelling would leave a job whose reader has gone generating on.
        _cancellation.Cancel();
        _cancellation.Dispose();
    }
}
