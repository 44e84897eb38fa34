using SharpLM.Core;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Tests;

public class TaskConfigTests
{
    [Fact]
    public void LoadsAnArcShapedTaskAndItsInclude()
    {
        string folder = TaskFixtures.Folder();
        var easy = TaskConfig.Load(TaskFixtures.Arc(folder));
        Assert.Equal("arc_easy", easy.Name);
        Assert.Equal(OutputType.MultipleChoice, easy.OutputType);
        Assert.Equal(["acc", "acc_norm"], easy.Metrics.Select(m => m.Name));
        Assert.Equal(1.0, easy.Version);

        var challenge = TaskConfig.Load(Path.Combine(folder, "arc_challenge.yaml"));
        Assert.Equal("arc_challenge", challenge.Name);
        Assert.Equal(1, challenge.NumFewshot);
        Assert.Equal(easy.DataFiles["test"], challenge.DataFiles["test"]);
    }

    [Fact]
    public void InstancesCarryPromptTargetAndChoices()
    {
        string folder = TaskFixtures.Folder();
        var instances = TaskInstances.Build(TaskConfig.Load(TaskFixtures.Arc(folder)), null, 1234);
        Assert.Equal("Question: Sky colour?\nAnswer:", instances[0].Context);
        Assert.Equal(1L, instances[0].Target);
        Assert.Equal("blue", instances[0].TargetText);
        Assert.Equal(["red", "blue"], instances[0].Choices);

        var fewshot = TaskInstances.Build(TaskConfig.Load(Path.Combine(folder, "arc_challenge.yaml")), null, 1234);
        Assert.Equal("Question: Snow colour?\nAnswer: white\n\nQuestion: Sky colour?\nAnswer:", fewshot[0].Context);
    }

    [Fact]
    public void GsmShapedTaskReadsGenerationAndFilters()
    {
        var task = TaskConfig.Load(TaskFixtures.Gsm8k(TaskFixtures.Folder()));
        Assert.Equal(OutputType.GenerateUntil, task.OutputType);
        Assert.Equal(["Question:", "</s>"], task.Generation.Until);
        Assert.Equal(256, task.Generation.MaxGenTokens);
        Assert.Equal(["strict-match", "flexible-extract"], task.Filters.Select(f => f.Name));
        Assert.Equal(-1, task.Filters[1].Steps[0].GroupSelect);
    }

    [Theory]
    [InlineData("process_docs: !function utils.process_docs\n", "process_docs")]
    [InlineData("doc_to_target: !function utils.target\n", "!function")]
    [InlineData("dataset_path: allenai/ai2_arc\n", "allenai/ai2_arc")]
    [InlineData("output_type: ranking\n", "ranking")]
    [InlineData("doc_to_text: \"{% macro q() %}{% endmacro %}\"\n", "doc_to_text")]
    [InlineData("generation_kwargs:\n  top_k: 5\n", "top_k")]
    [InlineData("repeats: 5\n", "repeats")]
    [InlineData("filter_list:\n  - name: vote\n    filter:\n      - function: majority_vote\n", "majority_vote")]
    public void UnsupportedContentIsNamedWithTheFile(string overrideLine, string named)
    {
        string folder = TaskFixtures.Folder();
        TaskFixtures.Arc(folder);
        string path = Path.Combine(folder, "bad.yaml");
        File.WriteAllText(path, "include: arc_easy.yaml\n" + overrideLine);
        var error = Assert.Throws<SharpLMException>(() => TaskConfig.Load(path));
        Assert.Contains(named, error.Message);
        Assert.Contains(folder, error.Message);
    }

    [Fact]
    public void MissingDataFileIsNamed()
    {
        string folder = TaskFixtures.Folder();
        var task = TaskConfig.Load(TaskFixtures.Arc(folder));
        File.Delete(Path.Combine(folder, "arc_test.jsonl"));
        var error = Assert.Throws<SharpLMException>(() => TaskInstances.Build(task, null, 1));
        Assert.Contains("arc_test.jsonl", error.Message);
    }
}

public class FewshotSamplingTests
{
    [Theory]
    // Python: r = random.Random(1234); r.sample(range(6), 2) → [3, 0], then [0, 5]; with seed 7 → [2, 1], then [3, 0].
    [InlineData(1234, new[] { 3, 0 }, new[] { 0, 5 })]
    [InlineData(7, new[] { 2, 1 }, new[] { 3, 0 })]
    public void DefaultSamplerDrawsWhatLmEvalDraws(int seed, int[] first, int[] second)
    {
        string folder = TaskFixtures.Folder();
        TaskFixtures.Arc(folder);
        File.WriteAllLines(Path.Combine(folder, "arc_train.jsonl"), Enumerable.Range(0, 6).Select(i =>
            $$"""{"question": "q{{i}}", "choices": {"text": ["a{{i}}", "b{{i}}"], "label": ["A", "B"]}, "answerKey": "A"}"""));
        File.WriteAllText(Path.Combine(folder, "two_shot.yaml"), "include: arc_easy.yaml\ntask: two_shot\nnum_fewshot: 2\ndescription: \"Science ({{question}}):\\n\\n\"\n");
        var instances = TaskInstances.Build(TaskConfig.Load(Path.Combine(folder, "two_shot.yaml")), null, seed);
        string Shots(int[] picks) => string.Concat(picks.Select(i => $"Question: q{i}\nAnswer: a{i}\n\n"));
        Assert.Equal("Science (Sky colour?):\n\n" + Shots(first) + "Question: Sky colour?\nAnswer:", instances[0].Context);
        Assert.Equal("Science (Grass colour?):\n\n" + Shots(second) + "Question: Grass colour?\nAnswer:", instances[1].Context);
    }
}
