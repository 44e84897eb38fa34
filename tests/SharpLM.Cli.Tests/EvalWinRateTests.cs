using System.Text.Json.Nodes;
using SharpLM.Core.Formats.Safetensors;

namespace SharpLM.Cli.Tests;

/// <summary>`eval win-rate`: two models' greedy answers judged head to head.</summary>
public class EvalWinRateTests
{
    private static (string Folder, string ModelA, string ModelB) TwoModels()
    {
        string folder = CliProcess.TempDirectory();
        string modelA = Path.Combine(folder, "model-a"), modelB = Path.Combine(folder, "model-b");
        Directory.Move(TinyModelFolder.Create(), modelA);
        Directory.Move(TinyModelFolder.Create(tensors => tensors.Select(t => t.Name.EndsWith("norm.weight")
            ? SafetensorsTensor.FromFloat32(t.Name, t.Shape, Enumerable.Repeat(0.5f, (int)t.Shape[0]).ToArray()) : t).ToList()), modelB);
        return (folder, modelA, modelB);
    }

    private static List<JsonObject> Judgements(string path) => [.. File.ReadAllLines(path).Select(l => JsonNode.Parse(l)!.AsObject())];

    [Fact]
    public void The_verifier_prefers_the_answer_that_matches_and_ties_the_rest()
    {
        var (folder, modelA, modelB) = TwoModels();
        string prompts = Path.Combine(folder, "prompts.jsonl"), first = Path.Combine(folder, "first.jsonl"), second = Path.Combine(folder, "second.jsonl");
        string[] questions = ["the whale", "the ship sails", "Ahab watches the sea", "the captain", "storm and calm", "the crew"];
        File.WriteAllLines(prompts, questions.Select(q => new JsonObject { ["prompt"] = q, ["answer"] = "no model writes this" }.ToJsonString()));
        var run = CliProcess.Run("eval", "win-rate", "--model", modelA, "--baseline", modelB, "--prompts", prompts, "--verifier", "--out", first,
            "--max-new-tokens", "6", "--threads", "1");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var firstRound = Judgements(first);
        Assert.Equal(questions.Length, firstRound.Count);
        Assert.All(firstRound, j => Assert.Equal("tie", (string)j["preferred"]!));
        Assert.Contains("0 wins, 0 losses, 6 ties; win rate 0.500", run.Output);

        // Now each prompt's answer is what model-a said: a wins wherever model-b said something else.
        File.WriteAllLines(prompts, firstRound.Select((j, i) => new JsonObject { ["prompt"] = questions[i], ["answer"] = (string)j["a"]!["response"]! }.ToJsonString()));
        run = CliProcess.Run("eval", "win-rate", "--model", modelA, "--baseline", modelB, "--prompts", prompts, "--verifier", "--out", second,
            "--max-new-tokens", "6", "--threads", "1");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var secondRound = Judgements(second);
        int differing = 0;
        for (int i = 0; i < questions.Length; i++)
        {
            var j = secondRound[i];
            Assert.Equal("model-a", (string)j["a"]!["model"]!);
            Assert.Equal("model-b", (string)j["b"]!["model"]!);
            // Greedy answers do not depend on the run.
            Assert.Equal((string)firstRound[i]["a"]!["response"]!, (string)j["a"]!["response"]!);
            Assert.Equal(1.0, (double)j["a"]!["score"]!);
            bool same = (double)j["b"]!["score"]! == 1.0;
            if (!same) differing++;
            Assert.Equal(same ? "tie" : "a", (string)j["preferred"]!);
        }
        Assert.True(differing > 0, "the two models should answer some prompt differently");
        Assert.Contains($"{differing} wins, 0 losses, {questions.Length - differing} ties", run.Output);

        // The judgements are the pairwise JSONL that `eval report --pairwise` reads.
        var loaded = Evaluation.Pairwise.PairwiseJudgements.Load(second);
        Assert.Equal(questions.Length, loaded.Count);
        Assert.Equal(differing, loaded.Count(j => j is { A: "model-a", B: "model-b", Preferred: Evaluation.Pairwise.Preference.A }));
    }

    [Fact]
    public void A_reward_model_judges_by_its_scores_and_a_model_against_its_copy_always_ties()
    {
        var (folder, modelA, _) = TwoModels();
        string copy = Path.Combine(folder, "copy");
        Directory.CreateDirectory(copy);
        foreach (string file in Directory.GetFiles(modelA)) File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        string pairs = Path.Combine(folder, "prefs.jsonl"), rewardRun = Path.Combine(folder, "reward"), output = Path.Combine(folder, "judgements.jsonl");
        File.WriteAllLines(pairs, Enumerable.Range(0, 8).Select(i => $$$"""{"prompt": "the whale {{{i}}}", "chosen": "calm sea", "rejected": "storm storm storm"}"""));
        var reward = CliProcess.Run("reward", "--model", modelA, "--data", pairs, "--out", rewardRun, "--steps", "2", "--batch-size", "2",
            "--validation-fraction", "0.25", "--eval-interval", "2", "--checkpoint-interval", "0", "--threads", "1");
        Assert.True(reward.ExitCode == 0, reward.Error + reward.Output);
        var run = CliProcess.Run("eval", "win-rate", "--model", modelA, "--baseline", copy, "--prompts", pairs, "--reward-model", rewardRun, "--out", output,
            "--max-new-tokens", "4", "--threads", "1");
        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        var judgements = Judgements(output);
        Assert.Equal(8, judgements.Count);
        foreach (var j in judgements)
        {
            Assert.Equal((double)j["a"]!["score"]!, (double)j["b"]!["score"]!);
            Assert.Equal("tie", (string)j["preferred"]!);
            Assert.StartsWith("reward-model:", (string)j["judge"]!);
        }
        // Reward-model scores are real numbers, not the verifier's 0 and 1.
        Assert.Contains(judgements, j => (double)j["a"]!["score"]! is not (0 or 1));
    }

    [Fact]
    public void A_lora_adapter_applied_at_load_answers_as_its_merged_model_does()
    {
        string model = TinyModelFolder.Create();
        string root = CliProcess.TempDirectory(), run = Path.Combine(root, "sft-run"), chat = Path.Combine(root, "chat.jsonl"), output = Path.Combine(root, "judgements.jsonl");
        File.WriteAllLines(chat, Enumerable.Range(0, 12).Select(i =>
            $$$"""{"messages":[{"role":"user","content":"the whale {{{i}}}"},{"role":"assistant","content":"Ahab watches the sea."}]}"""));
        var sft = CliProcess.Run("sft", "--model", model, "--data", chat, "--out", run, "--steps", "4", "--batch-size", "4", "--lora-rank", "4",
            "--learning-rate", "0.05", "--checkpoint-interval", "0", "--threads", "1");
        Assert.True(sft.ExitCode == 0, sft.Error + sft.Output);
        string merged = Path.Combine(root, "merged");
        Directory.Move(Path.Combine(run, "model"), merged);
        string prompts = Path.Combine(root, "prompts.jsonl");
        File.WriteAllLines(prompts, ["""{"prompt": "the whale", "answer": "Ahab watches the sea."}""", """{"prompt": "the ship", "answer": "Ahab watches the sea."}"""]);
        var result = CliProcess.Run("eval", "win-rate", "--model", model, "--adapter", Path.Combine(run, "adapter"), "--baseline", merged,
            "--prompts", prompts, "--verifier", "--out", output, "--max-new-tokens", "8", "--threads", "1");
        Assert.True(result.ExitCode == 0, result.Error + result.Output);
        foreach (var j in Judgements(output))
        {
            // The adapter is named after its run.
            Assert.Equal("sft-run", (string)j["a"]!["model"]!);
            Assert.Equal("merged", (string)j["b"]!["model"]!);
            Assert.Equal((string)j["b"]!["response"]!, (string)j["a"]!["response"]!);
            Assert.Equal("tie", (string)j["preferred"]!);
        }
    }

    [Fact]
    public void Exactly_one_judge_is_required()
    {
        var (folder, modelA, modelB) = TwoModels();
        string prompts = Path.Combine(folder, "prompts.jsonl");
        File.WriteAllLines(prompts, ["""{"prompt": "the whale", "answer": "x"}"""]);
        var result = CliProcess.Run("eval", "win-rate", "--model", modelA, "--baseline", modelB, "--prompts", prompts, "--out", Path.Combine(folder, "j.jsonl"));
        Assert.Equal(2, result.ExitCode);
        Assert.Equal("sharplm: error: give exactly one judge: --reward-model DIR or --verifier.", result.Error.Trim());
        Assert.False(File.Exists(Path.Combine(folder, "j.jsonl")));
    }
}
