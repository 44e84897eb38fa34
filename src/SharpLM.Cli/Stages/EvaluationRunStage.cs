using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.Evaluation.Reporting;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Cli.Stages;

/// <summary>A model to evaluate, opened only when its turn comes so one model is in memory at a time.</summary>
public sealed record EvaluationTarget(string RunName, string ModelArguments, string Identity, Func<IEvaluationModel> Open)
{
    /// <summary>Documents scored at once; above 1 only for thread-safe models (endpoints).</summary>
    public int Concurrency { get; init; } = 1;
}

/// <summary>
/// `eval run` for one or more models: per model, tasks through the request cache in OUT/&lt;model&gt;/requests.jsonl with a
/// progress bar; results and samples per model as lm-eval lays them out; events in OUT/metrics.jsonl; then the report
/// card comparing them in OUT. The output folder is locked for the run, so two runs never share a cache.
/// </summary>
public static class EvaluationRunStage
{
    public static IReadOnlyList<(string Path, IReadOnlyList<TaskResult> Results)> Run(string output, IReadOnlyList<EvaluationTarget> targets,
        IReadOnlyList<TaskConfig> tasks, Func<string, EvaluationSettings> settingsFor)
    {
        var clash = targets.GroupBy(t => EvaluationRun.Sanitize(t.RunName)).FirstOrDefault(g => g.Count() > 1);
        if (clash is not null)
            throw new SharpLMException($"--model: two models would write to the same folder '{clash.Key}' under --out; evaluate them into different --out folders.");
        using var claim = FolderLock.Acquire(output);
        using var metrics = new MetricsWriter(Path.Combine(output, "metrics.jsonl"));
        var written = new List<(string, IReadOnlyList<TaskResult>)>();
        foreach (var target in targets)
        {
            var settings = settingsFor(target.ModelArguments) with { Concurrency = target.Concurrency };
            int documents = tasks.Sum(t => ModelEvaluation.DocumentCount(t, settings.Limit));
            var model = target.Open();
            string folder = Path.Combine(output, EvaluationRun.Sanitize(target.RunName));
            Directory.CreateDirectory(folder);
            using var cache = new RequestCache(Path.Combine(folder, RequestCache.FileName), target.Identity);
            var cached = new CachedEvaluationModel(model, cache);
            if (cache.Count > 0) Display.Info($"{target.RunName}: {cache.Count} answers cached by an earlier run are reused");
            var start = DateTime.Now;
            EvaluationProgress? last = null;
            var results = Display.Progress(target.RunName, documents, sink => ModelEvaluation.Run(tasks, cached, settings,
                p => { last = p; sink.Report(p.DocumentsDone, Detail(p)); },
                (result, p) => metrics.Write("eval_task", new Dictionary<string, object?>
                {
                    ["model"] = target.RunName, ["task"] = result.Task.Name, ["documents"] = result.EffectiveDocuments,
                    ["documents_done"] = p.DocumentsDone, ["documents_total"] = p.DocumentsTotal, ["requests_computed"] = p.RequestsComputed,
                    ["requests_cached"] = p.RequestsCached, ["seconds"] = p.Elapsed.TotalSeconds, ["requests_per_second"] = p.RequestsPerSecond,
                })));
            string path = EvaluationRun.Write(output, target.RunName, settings, results, start, DateTime.Now);
            metrics.Write("eval_model", new Dictionary<string, object?>
            {
                ["model"] = target.RunName, ["results"] = Path.GetFullPath(path), ["documents"] = documents,
                ["requests_computed"] = last?.RequestsComputed ?? 0, ["requests_cached"] = last?.RequestsCached ?? 0,
                ["seconds"] = (DateTime.Now - start).TotalSeconds, ["requests_per_second"] = last?.RequestsPerSecond ?? 0,
            });
            written.Add((path, results));
        }
        ReportCard.Write(output, written.Select(w => ResultsFile.Load(w.Item1)).ToList());
        return written;
    }

    private static string Detail(EvaluationProgress p)
    {
        double rate = p.DocumentsDone / Math.Max(1e-9, p.Elapsed.TotalSeconds);
        string eta = rate > 0 ? TimeSpan.FromSeconds(Math.Round((p.DocumentsTotal - p.DocumentsDone) / rate)).ToString("c") : "?";
        return $"{p.Task} {p.DocumentsDone}/{p.DocumentsTotal} documents, {p.RequestsPerSecond:F1} requests/s, {p.RequestsCached} cached, eta {eta}";
    }
}
