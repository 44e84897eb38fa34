using SharpLM.Core.Models.Folder;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Cli.Stages;

/// <summary>One model's scores on a folder of tasks: "task/metric,filter" → value, standard errors left out.</summary>
public sealed record ModelScores(string Model, string ResultsPath, IReadOnlyDictionary<string, double> Scores);

/// <summary>
/// Several model folders on one folder of task YAMLs through the evaluation stage (`eval run`'s code: request cache,
/// lm-eval results files, report card), each model under the name given. The output folder is replaced, so answers
/// cached for other weights are never reused.
/// </summary>
public static class HeldOutEvaluation
{
    public static IReadOnlyList<ModelScores> Run(string output, string tasksDirectory, IReadOnlyList<(string Name, string ModelDirectory)> models)
    {
        var tasks = TaskPaths.Expand([tasksDirectory]).Select(TaskConfig.Load).ToList();
        if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        var targets = models.Select(m =>
        {
            var folder = ModelFolder.Open(m.ModelDirectory);
            string arguments = $"pretrained={folder.Directory}";
            return new EvaluationTarget(m.Name, arguments, arguments, () =>
            {
                var (session, tokenizer) = ModelLoader.OpenEngine(folder, Environment.ProcessorCount);
                return new EngineEvaluationModel(session, tokenizer, folder.Directory);
            });
        }).ToList();
        var runs = EvaluationRunStage.Run(output, targets, tasks, arguments => new EvaluationSettings(arguments, Limit: null, BootstrapIterations: 0));
        return models.Zip(runs, (m, r) => new ModelScores(m.Name, r.Path, r.Results
            .SelectMany(t => t.Metrics.Where(p => !p.Key.Contains("_stderr,")).Select(p => (Key: $"{t.Task.Name}/{p.Key}", p.Value)))
            .Where(p => p.Value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out double _))
            .ToDictionary(p => p.Key, p => (double)p.Value!))).ToList();
    }
}
