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
