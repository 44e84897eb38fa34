using System.Diagnostics;
using SharpLM.Serving.Scheduling;

namespace SharpLM.Serving.Telemetry;

/// <summary>
/// OpenTelemetry spans for a generation, under the request's span (ASP.NET Core's, when the job came over HTTP):
/// "queue wait" (arrival to a slot), "prefill" (to the first token) and "decode" (to the end). The scheduler's
/// thread serves many jobs at once, so the spans are written when a job ends, from the times it recorded.
/// </summary>
public static class RequestTracing
{
    public const string SourceName = "SharpLM.Serving";
    public static readonly ActivitySource Source = new(SourceName);

    internal static void Record(GenerationJob job, string outcome)
    {
        if (!Source.HasListeners()) return;
        // One clock reading converts every recorded timestamp, so consecutive phases meet exactly.
        long end = Stopwatch.GetTimestamp();
        var now = DateTimeOffset.UtcNow;
        long admitted = job.AdmittedTicks ?? end;
        long firstToken = job.FirstTokenTicks ?? end;
        Span(job, "queue wait", job.ArrivalTicks, admitted, end, now, outcome);
        if (job.AdmittedTicks is null) return;
        Span(job, "prefill", admitted, firstToken, end, now, outcome);
        if (job.FirstTokenTicks is not null) Span(job, "decode", firstToken, end, end, now, outcome);
    }

    private static void Span(GenerationJob job, string name, long startTicks, long endTicks, long nowTicks, DateTimeOffset now, string outcome)
    {
        using var activity = Source.StartActivity(name, ActivityKind.Internal, job.TraceParent, startTime: now - Stopwatch.GetElapsedTime(startTicks, nowTicks));
        if (activity is null) return;
        activity.SetTag("sharplm.prompt_tokens", job.Prompt.Count);
        activity.SetTag("sharplm.cached_prompt_tokens", job.CachedPromptTokens);
        activity.SetTag("sharplm.generated_tokens", job.GeneratedTokens);
        activity.SetTag("sharplm.choices", job.Choices.Count);
        activity.SetTag("sharplm.outcome", outcome);
        if (outcome != "finished") activity.SetStatus(ActivityStatusCode.Error, outcome);
        activity.SetEndTime((now - Stopwatch.GetElapsedTime(endTicks, nowTicks)).UtcDateTime);
    }
}
