namespace SharpLM.Evaluation.Running;

/// <summary>
/// Where a model's run stands: the task under way, documents scored of all tasks' documents, and requests asked of
/// the model versus read back from the request cache.
/// </summary>
public sealed record EvaluationProgress(string Model, string Task, int DocumentsDone, int DocumentsTotal, int RequestsComputed, int RequestsCached, TimeSpan Elapsed)
{
    /// <summary>Requests the model answered per second of this run (cached answers cost nothing and do not count).</summary>
    public double RequestsPerSecond => Elapsed.TotalSeconds > 0 ? RequestsComputed / Elapsed.TotalSeconds : 0;
}
