using System.Text;
using SharpLM.Inference.Generation;
using SharpLM.Serving.Scheduling;

namespace SharpLM.Serving.Api;

/// <summary>One choice's output, gathered from its updates for a response that is not streamed.</summary>
public sealed class CollectedChoice
{
    public StringBuilder Text { get; } = new();
    public List<int> Tokens { get; } = new();
    public List<TokenLogProbabilities> LogProbabilities { get; } = new();
    public FinishReason Finish { get; set; } = FinishReason.Length;
    public IReadOnlyList<TokenLogProbabilities?>? PromptLogProbabilities { get; set; }
}

/// <summary>Submits a job to the scheduler and reads its updates: all at once, or as they come (streaming).</summary>
public static class JobCollector
{
    /// <summary>Submits a request's job, remembered on the request so its tokens can be charged to the caller's budget.</summary>
    public static void Submit(Microsoft.AspNetCore.Http.HttpContext context, Scheduler scheduler, GenerationJob job)
    {
        Security.TokenBudget.Track(context, job);
        Submit(scheduler, job);
    }

    public static void Submit(Scheduler scheduler, GenerationJob job)
    {
        if (!scheduler.TrySubmit(job))
            throw new RequestError(503, "the server is busy: its request queue is full; retry later.", type: "server_error", code: "queue_full");
    }

    public static async Task<CollectedChoice[]> CollectAsync(GenerationJob job)
    {
        var choices = job.Choices.Select(_ => new CollectedChoice()).ToArray();
        await foreach (var update in job.Updates.ReadAllAsync(CancellationToken.None))
        {
            var choice = choices[update.Index];
            choice.Text.Append(update.Text);
            choice.Tokens.AddRange(update.Tokens);
            choice.LogProbabilities.AddRange(update.LogProbabilities);
            if (update.Finish is { } finish) choice.Finish = finish;
            choice.PromptLogProbabilities ??= update.PromptLogProbabilities;
        }
        return choices;
    }

    public static string FinishName(FinishReason finish) => finish == FinishReason.Stop ? "stop" : "length";
}
