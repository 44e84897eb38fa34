using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.PostTraining.PromptTuning;
using SharpLM.PostTraining.Reward;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

/// <summary>A reward model trained by prompt tuning: virtual tokens and the head on a frozen decoder (PEFT's prompt learning for SEQ_CLS).</summary>
public class RewardPromptTuningTests
{
    private static readonly PromptTuningOptions Prompt = new() { VirtualTokens = 3 };

    private static RewardOptions Options => new() { MaxLength = 64, ValidationFraction = 0.25, Seed = 6, PromptTuning = Prompt };

    [Fact]
    public void Prompt_tuning_a_reward_model_changes_only_the_virtual_tokens_and_the_head()
    {
        using var model = ChatFixture.Model();
        using var prompt = PromptEmbedding.Create(model, Prompt, ChatFixture.Tokenizer, seed: 6);
        var reward = new RewardModel(model, seed: 6, prompt: prompt);
        Assert.Equal(["prompt_embeddings", "base_model.score.weight"], reward.Parameters.Select(p => p.Name));
        RewardLoraTests.TrainAndCheckOnlyTrainedChanged(model, reward, PreferenceFixture.Data(), Options);
    }

    /// <summary>The libtorch reward of one sequence with the virtual tokens before it: the head on its last hidden state.</summary>
    private static double AloneReward(RewardModel reward, int[] sequence)
    {
        using var noGrad = no_grad();
        int n = Prompt.VirtualTokens, width = n + sequence.Length;
        using var inputs = tensor(Enumerable.Repeat(0L, n).Concat(sequence.Select(t => (long)t)).ToArray(), [1, width]);
        using var slots = tensor(Enumerable.Range(0, width).Select(i => i < n ? (long)i : -1L).ToArray(), [1, width]);
        using var layout = SequenceLayout.FromSegments([new int[width]]);
        using var last = tensor(new long[] { width - 1 });
        return reward.Rewards(inputs, layout, last, slots).item<float>();
    }

    [Fact]
    public void The_engine_scores_the_seq_cls_prompt_adapter_as_libtorch_and_generation_refuses_it()
    {
        string root = Directory.CreateTempSubdirectory("sharplm-prompt-reward-").FullName;
        string baseDirectory = Path.Combine(root, "base"), adapter = Path.Combine(root, "run", "adapter");
        using var model = ChatFixture.Model();
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, baseDirectory);
        model.eval();
        using var prompt = PromptEmbedding.Create(model, Prompt, ChatFixture.Tokenizer, seed: 4);
        var reward = new RewardModel(model, seed: 4, prompt: prompt);
        Directory.CreateDirectory(adapter);
        reward.SavePeft(adapter, baseDirectory);

        // PEFT's prompt learning for sequence classification: the head trained whole beside the virtual tokens.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!.AsObject();
        Assert.Equal("PROMPT_TUNING", config["peft_type"]!.GetValue<string>());
        Assert.Equal("SEQ_CLS", config["task_type"]!.GetValue<string>());
        Assert.Equal(["classifier", "score"], config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
        using (var weights = new SafetensorsReader(Path.Combine(adapter, "adapter_model.safetensors")))
        {
            Assert.Equal(["base_model.score.weight", "prompt_embeddings"], weights.Tensors.Select(t => t.Name).Order());
            Assert.Equal([1L, 32], weights.GetInfo("base_model.score.weight").Shape);
        }

        Core.Formats.Chat.ChatTurn[] turns = [new("user", "Whom does Ahab follow?")];
        string[] completions = ["Ahab follows Stubb.", "I do not know.", "Queequeg greets Starbuck."];
        var engine = EngineRewardModel.Load(Path.Combine(root, "run"), threads: 1);
        var plain = new List<double>();
        foreach (string completion in completions)
        {
            var ids = ChatFixture.Template.Render([new Tokenizers.Chat.ChatMessage("user", turns[0].Content), new Tokenizers.Chat.ChatMessage("assistant", completion)]).Ids;
            Near(AloneReward(reward, ids), engine.Score(turns, completion), 1e-4);
            using var noGrad = no_grad();
            using var hidden = model.Decoder.forward(tensor(ids.Select(t => (long)t).ToArray(), [1, ids.Length]));
            plain.Add(hidden[0, ids.Length - 1].data<float>().ToArray().Zip(reward.Score.data<float>().ToArray(), (h, w) => (double)h * w).Sum());
        }
        // The virtual tokens matter: the same head on the model without them scores otherwise.
        Assert.True(completions.Select((c, i) => Math.Abs(plain[i] - engine.Score(turns, c))).Max() > 1e-3);

        var generation = Assert.Throws<SharpLMException>(() => PromptTuningAdapter.Load(adapter, ModelFolderConfig(baseDirectory)));
        Assert.Contains("field 'task_type' is 'SEQ_CLS'", generation.Message);
        string causal = Path.Combine(root, "causal");
        Directory.CreateDirectory(causal);
        prompt.SavePeft(causal, baseDirectory);
        var scoring = Assert.Throws<SharpLMException>(() => EngineRewardModel.Load(causal, threads: 1));
        Assert.Contains("field 'task_type' is 'CAUSAL_LM'", scoring.Message);
    }

    private static Core.Models.IModelConfig ModelFolderConfig(string directory) => Core.Models.Folder.ModelFolder.Open(directory).Config;

    private static List<double> Train(string run, bool resume = false, int? stopAfter = null)
    {
        using var model = ChatFixture.Model();
        using var prompt = PromptEmbedding.Create(model, Prompt, ChatFixture.Tokenizer, seed: 6);
        var reward = new RewardModel(model, seed: 6, prompt: prompt);
        var config = RewardLoraTests.Config(steps: 12);
        var objective = new RewardObjective(PreferenceFixture.Data(), reward, Options, config.Training.BatchSize, config.Training.EvalBatches);
        var losses = new List<double>();
        InterruptedRun.Run(model, config, objective, reward, run, resume, stopAfter, r =>
        {
            losses.Add(r.Loss);
        });
        return losses;
    }

    [Fact]
    public void A_killed_and_resumed_prompt_tuned_reward_run_reproduces_the_uninterrupted_run_exactly()
    {
        var uninterrupted = Train(Directory.CreateTempSubdirectory().FullName);
        string run = Directory.CreateTempSubdirectory().FullName;
        var first = Train(run, stopAfter: 10); // the last checkpoint is at step 8
        var second = Train(run, resume: true);
        Assert.Equal(uninterrupted.Take(10), first);
        Assert.Equal(uninterrupted.Skip(8), second);
    }

    [Fact]
    public void Reward_prompt_tuning_is_refused_beside_lora_or_token_rows()
    {
        Assert.Contains("'--prompt-tuning' and '--lora-rank' train different adapters",
            Assert.Throws<SharpLMException>(() => (Options with { Lora = new Lora.LoraOptions { Rank = 4 } }).Validate("reward")).Message);
        Assert.Contains("'--trainable-tokens' and '--prompt-tuning' train different adapters",
            Assert.Throws<SharpLMException>(() => (Options with { TrainableTokens = [3] }).Validate("reward")).Message);
    }
}
