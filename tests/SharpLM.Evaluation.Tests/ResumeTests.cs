using System.Text.Json.Nodes;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Tests;

public class ResumeTests
{
    private static readonly EvaluationSettings Settings = new("pretrained=tiny", null, BootstrapIterations: 0);

    private static string Metrics(IReadOnlyList<TaskResult> results) =>
        new JsonArray(results.Select(r => (JsonNode)EvaluationRun.Results("tiny", Settings, [r], DateTime.UnixEpoch, DateTime.UnixEpoch)).ToArray()).ToJsonString();

    private static string Samples(IReadOnlyList<TaskResult> results) => string.Join("\n", results.SelectMany(r => r.Samples).Select(s => s.ToJsonString()));

    [Fact]
    public void A_cancelled_run_resumes_from_its_cache_without_asking_the_model_again_and_gives_the_same_results()
    {
        string folder = TaskFixtures.Folder();
        var tasks = new[] { TaskConfig.Load(NeedleFixture.Write(folder)), TaskConfig.Load(TaskFixtures.Arc(folder)) };
        // The reference: one uninterrupted run without any cache.
        var direct = new CountingModel(TinyEngine.Model(seed: 1));
        var expected = tasks.Select(t => TaskEvaluator.Evaluate(t, direct, bootstrapIterations: 0)).ToList();
        int total = direct.Calls;
        Assert.Equal(12 * 2 + 2 * 2, total);

        string cachePath = Path.Combine(folder, RequestCache.FileName);
        using var stop = new CancellationTokenSource();
        var first = new CountingModel(TinyEngine.Model(seed: 1), stop, cancelAt: 7);
        using (var cache = new RequestCache(cachePath, "tiny seed 1"))
            Assert.Throws<OperationCanceledException>(() => ModelEvaluation.Run(tasks, new CachedEvaluationModel(first, cache), Settings, cancellationToken: stop.Token));
        // Cancellation lands between documents: the document holding the 7th request finishes (2 choices each).
        Assert.Equal(8, first.Calls);

        var second = new CountingModel(TinyEngine.Model(seed: 1));
        var progress = new List<EvaluationProgress>();
        IReadOnlyList<TaskResult> resumed;
        using (var cache = new RequestCache(cachePath, "tiny seed 1"))
        {
            Assert.Equal(8, cache.Count);
            var cached = new CachedEvaluationModel(second, cache);
            resumed = ModelEvaluation.Run(tasks, cached, Settings, progress.Add);
            Assert.Equal((total - 8, 8), (cached.Computed, cached.Cached));
        }
        Assert.Equal(total - 8, second.Calls);
        Assert.Equal(Metrics(expected), Metrics(resumed));
        Assert.Equal(Samples(expected), Samples(resumed));
        Assert.Equal(Enumerable.Range(1, 14), progress.Select(p => p.DocumentsDone));
        Assert.All(progress, p => Assert.Equal(14, p.DocumentsTotal));
        Assert.Equal(("needle", "arc_easy"), (progress[0].Task, progress[^1].Task));

        // A third run asks the model nothing.
        var third = new CountingModel(TinyEngine.Model(seed: 1));
        using (var cache = new RequestCache(cachePath, "tiny seed 1"))
            Assert.Equal(Metrics(expected), Metrics(ModelEvaluation.Run(tasks, new CachedEvaluationModel(third, cache), Settings)));
        Assert.Equal(0, third.Calls);
        Assert.Equal(total, File.ReadLines(cachePath).Count());
    }

    [Fact]
    public void A_torn_last_line_is_skipped_and_the_file_continues_on_a_new_line()
    {
        string folder = TaskFixtures.Folder();
        var task = TaskConfig.Load(TaskFixtures.Arc(folder));
        string cachePath = Path.Combine(folder, RequestCache.FileName);
        using (var cache = new RequestCache(cachePath, "m"))
            TaskEvaluator.Evaluate(task, new CachedEvaluationModel(TinyEngine.Model(seed: 2), cache), bootstrapIterations: 0);
        var lines = File.ReadAllLines(cachePath);
        // A process killed mid-write leaves half of its last line.
        File.WriteAllText(cachePath, string.Join("\n", lines[..^1]) + "\n" + lines[^1][..(lines[^1].Length / 2)]);
        var model = new CountingModel(TinyEngine.Model(seed: 2));
        using (var cache = new RequestCache(cachePath, "m"))
        {
            Assert.Equal(lines.Length - 1, cache.Count);
            TaskEvaluator.Evaluate(task, new CachedEvaluationModel(model, cache), bootstrapIterations: 0);
        }
        Assert.Equal(1, model.Calls);
        using (var cache = new RequestCache(cachePath, "m")) Assert.Equal(lines.Length, cache.Count);
    }

    [Fact]
    public void Answers_belong_to_the_model_identity_that_gave_them()
    {
        string folder = TaskFixtures.Folder();
        var task = TaskConfig.Load(TaskFixtures.Arc(folder));
        string cachePath = Path.Combine(folder, RequestCache.FileName);
        using (var cache = new RequestCache(cachePath, "model a"))
            TaskEvaluator.Evaluate(task, new CachedEvaluationModel(TinyEngine.Model(seed: 3), cache), bootstrapIterations: 0);
        var other = new CountingModel(TinyEngine.Model(seed: 4));
        using (var cache = new RequestCache(cachePath, "model b"))
            TaskEvaluator.Evaluate(task, new CachedEvaluationModel(other, cache), bootstrapIterations: 0);
        Assert.Equal(4, other.Calls);
    }
}
