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

/// <summary>
/// Builds instances: description, few-shot examples and the document's text joined as lm-eval joins them. The
/// examples are drawn as lm-eval's samplers draw them: <c>first_n</c> takes the split's first documents; the default
/// sampler calls Python's <c>random.Random(seed).sample</c> once per document, in document order, on one generator;
/// either way the document itself is dropped from its own examples.
/// </summary>
public static class TaskInstances
{
    public static List<TaskInstance> Build(TaskConfig task, int? limit, int fewshotSeed)
    {
        string split = task.EvaluationSplit;
        var documents = TaskDocuments.Load(task, split);
        if (limit is int n) documents = documents.Take(n).ToList();
        List<Dictionary<string, object?>>? pool = null;
        int draws = 0;
        if (task.NumFewshot > 0)
        {
            string fewshotSplit = task.FewshotSplit ?? task.TrainingSplit ?? task.ValidationSplit ?? split;
            pool = TaskDocuments.Load(task, fewshotSplit);
            // lm-eval draws one extra example when few-shot and test documents share a split, to drop the document itself.
            draws = task.NumFewshot + (fewshotSplit == task.TestSplit ? 1 : 0);
            if (pool.Count < draws)
                throw new SharpLMException($"{task.SourcePath}: num_fewshot {task.NumFewshot} needs {draws} documents in split '{fewshotSplit}', which has {pool.Count}.");
        }
        var random = new PythonRandom(fewshotSeed);
        var description = task.Description.Length == 0 ? null : DocumentTemplate.From(task.Description, $"{task.SourcePath}: description");
        bool hasChoices = task.DocToChoice is not null;
        var instances = new List<TaskInstance>();
        for (int id = 0; id < documents.Count; id++)
        {
            var document = documents[id];
            string prefix = description is null ? "" : PythonValue.Str(description.Evaluate(document));
            if (pool is not null)
            {
                var candidates = task.FewshotSampler == "first_n" ? pool.Take(draws).ToList() : random.Sample(pool, draws);
                var examples = candidates.Where(c => !SameDocument(c, document)).Take(task.NumFewshot);
                prefix += string.Join(task.FewshotDelimiter, examples.Select(e => Text(task, e, hasChoices) + task.TargetDelimiter + TargetOf(task, e, hasChoices)))
                    + task.FewshotDelimiter;
            }
            var choices = hasChoices ? task.DocToChoice!.EvaluateChoices(document) : null;
            var target = task.DocToTarget.EvaluateTextOrIndex(document, hasChoices);
            instances.Add(new TaskInstance(id, document, prefix + Text(task, document, hasChoices), target, choices));
        }
        return instances;
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
