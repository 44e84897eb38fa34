using SharpLM.Core;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Running;

/// <summary>One document made into its prompt, gold target and (for multiple choice) choices.</summary>
public sealed record TaskInstance(int DocId, Dictionary<string, object?> Document, string Context, object? Target, IReadOnlyList<string>? Choices)
{
    /// <summary>The gold answer as text: a choice when the target indexes the choices.</summary>
    public string TargetText => Target switch
    {
        long index when Choices is not null => index >= 0 && index < Choices.Count ? Choices[(int)index]
            : throw new SharpLMException($"document {DocId}: target index {index} is outside its {Choices.Count} choices."),
        List<object?> list when list.Count > 0 => PythonValue.Str(list[0]),
        _ => PythonValue.Str(Target),
    };
}

/// <summary>Builds instances: description, few-shot examples and the document's text joined as lm-eval joins them.</summary>
public static class TaskInstances
{
    public static List<TaskInstance> Build(TaskConfig task, int? limit, int fewshotSeed)
    {
        string split = task.EvaluationSplit;
        var documents = TaskDocuments.Load(task, split);
        if (limit is int n) documents = documents.Take(n).ToList();
        List<Dictionary<string, object?>>? pool = null;
        if (task.NumFewshot > 0)
        {
            string fewshotSplit = task.FewshotSplit ?? task.TrainingSplit ?? task.ValidationSplit
                ?? throw new SharpLMException($"{task.SourcePath}: num_fewshot {task.NumFewshot} needs fewshot_split, training_split or validation_split.");
            pool = TaskDocuments.Load(task, fewshotSplit);
            int needed = task.NumFewshot + (fewshotSplit == split ? 1 : 0);
            if (pool.Count < needed)
                throw new SharpLMException($"{task.SourcePath}: num_fewshot {task.NumFewshot} needs {needed} documents in split '{fewshotSplit}', which has {pool.Count}.");
        }
        var random = new Random(fewshotSeed);
        bool hasChoices = task.DocToChoice is not null;
        var instances = new List<TaskInstance>();
        for (int id = 0; id < documents.Count; id++)
        {
            var document = documents[id];
            string prefix = task.Description;
            if (pool is not null)
            {
                var examples = Fewshot(task, pool, document, random);
                prefix += string.Join(task.FewshotDelimiter, examples.Select(e => Text(task, e, hasChoices) + task.TargetDelimiter + TargetOf(task, e, hasChoices)))
                    + task.FewshotDelimiter;
            }
            var choices = hasChoices ? task.DocToChoice!.EvaluateChoices(document) : null;
            var target = task.DocToTarget.EvaluateTextOrIndex(document, hasChoices);
            instances.Add(new TaskInstance(id, document, prefix + Text(task, document, hasChoices), target, choices));
        }
        return instances;
    }

    /// <summary>
    /// first_n takes the split's first documents; the default sampler draws without replacement from a seeded
    /// generator shared across the task's documents, skipping the document itself when both come from one split.
    /// </summary>
    private static List<Dictionary<string, object?>> Fewshot(TaskConfig task, List<Dictionary<string, object?>> pool, Dictionary<string, object?> document, Random random)
    {
        int count = task.NumFewshot;
        if (task.FewshotSampler == "first_n") return pool.Where(d => !ReferenceEquals(d, document)).Take(count).ToList();
        var indices = Enumerable.Range(0, pool.Count).ToArray();
        random.Shuffle(indices);
        return indices.Select(i => pool[i]).Where(d => !SameDocument(d, document)).Take(count).ToList();
    }

    private static bool SameDocument(Dictionary<string, object?> a, Dictionary<string, object?> b) =>
        PythonValue.Repr(a) == PythonValue.Repr(b);

    private static string Text(TaskConfig task, Dictionary<string, object?> document, bool hasChoices) =>
        task.DocToText.EvaluateTextOrIndex(document, hasChoices) switch
        {
            long index when hasChoices => task.DocToChoice!.EvaluateChoices(document)[(int)index],
            var value => PythonValue.Str(value),
        };

    private static string TargetOf(TaskConfig task, Dictionary<string, object?> document, bool hasChoices)
    {
        var target = task.DocToTarget.EvaluateTextOrIndex(document, hasChoices);
        var choices = hasChoices ? task.DocToChoice!.EvaluateChoices(document) : null;
        return new TaskInstance(-1, document, "", target, choices).TargetText;
    }
}
