using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Evaluation.Reporting;

namespace SharpLM.Flywheel.Promotion;

/// <summary>A task's main metric in one results file, with its standard error and which way is better.</summary>
public sealed record TaskScore(string Task, string Metric, double Value, double? StandardError, bool HigherIsBetter);

/// <summary>The main metric of every task of an lm-eval-shaped results file, chosen as the report card chooses it.</summary>
public sealed record ModelScores(string Path, string Model, IReadOnlyList<TaskScore> Tasks)
{
    public static ModelScores Load(string path)
    {
        var file = ResultsFile.Load(path);
        // The report card does not need the direction of a metric; the scorecard does (perplexity falls as models improve).
        var directions = JsonNode.Parse(File.ReadAllText(path))?["higher_is_better"] as JsonObject;
        var tasks = new List<TaskScore>();
        foreach (var task in file.Tasks)
        {
            if (task.Main is not { Value: { } value } main) throw new SharpLMException($"{path}: task '{task.Task}' has no metric with a value.");
            bool higher = (directions?[task.Task]?[main.Metric] as JsonValue)?.TryGetValue(out bool h) == true ? h : true;
            tasks.Add(new TaskScore(task.Task, main.Metric, value, main.StandardError, higher));
        }
        return new ModelScores(path, file.Model, tasks);
    }
}
