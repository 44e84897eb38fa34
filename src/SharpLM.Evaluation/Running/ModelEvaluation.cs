using System.Diagnostics;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Running;

/// <summary>
/// Evaluates one model on a list of tasks through its request cache: reports progress after every document and
/// a finished task to <paramref name="taskDone"/>, and stops between documents when cancelled, every answer so far
/// already in the cache for the next run.
/// </summary>
public static class ModelEvaluation
{
    public static IReadOnlyList<TaskResult> Run(IReadOnlyList<TaskConfig> tasks, CachedEvaluationModel model, EvaluationSettings settings,
        Action<EvaluationProgress>? progress = null, Action<TaskResult, EvaluationProgress>? taskDone = null, CancellationToken cancellationToken = default)
    {
        var totals = tasks.Select(t => DocumentCount(t, settings.Limit)).ToList();
        int total = totals.Sum(), before = 0, computedAtStart = model.Computed, cachedAtStart = model.Cached;
        var clock = Stopwatch.StartNew();
        EvaluationProgress Now(string task, int done) =>
            new(model.Name, task, done, total, model.Computed - computedAtStart, model.Cached - cachedAtStart, clock.Elapsed);
        var results = new List<TaskResult>();
        for (int t = 0; t < tasks.Count; t++)
        {
            var task = tasks[t];
            var result = TaskEvaluator.Evaluate(task, model, settings.Limit, settings.FewshotSeed, settings.BootstrapIterations,
                (done, _) => progress?.Invoke(Now(task.Name, before + done)), settings.Concurrency, cancellationToken);
            before += totals[t];
            results.Add(result);
            taskDone?.Invoke(result, Now(task.Name, before));
        }
        return results;
    }

    public static int DocumentCount(TaskConfig task, int? limit)
    {
        int documents = TaskDocuments.Load(task, task.EvaluationSplit).Count;
        return limit is int cap ? Math.Min(documents, cap) : documents;
    }
}
