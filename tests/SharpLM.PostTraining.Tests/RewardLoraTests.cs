using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models.Folder;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Reward;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

public class RewardLoraTests
{
    private static readonly LoraOptions Lora = new() { Rank = 4, Alpha = 8, Dropout = 0.1 };

    internal static PretrainConfig Config(int steps) => new()
    {
        Training = new PretrainOptions
        {
            Steps = steps, BatchSize = 4, SequenceLength = 64, LearningRate = 3e-3, WarmupSteps = 1, EvalInterval = 8, EvalBatches = 2,
            CheckpointInterval = 8, WeightDecay = 0,
        },
    };

    private static Dictionary<string, float[]> Values(IEnumerable<(string Name, TorchSharp.Modules.Parameter Parameter)> parameters) =>
        parameters.ToDictionary(p => p.Name, p => p.Parameter.detach().contiguous().data<float>().ToArray());

    [Fact]
    public void Lora_reward_training_changes_only_the_adapters_and_the_head()
    {
        var data = PreferenceFixture.Data();
        using var model = ChatFixture.Model();
        using var adapters = new LoraAdapters(model, Lora, seed: 6);
        var reward = new RewardModel(model, seed: 6, adapters);
        // PEFT's names: the factors of every projection and the head as modules_to_save saves it.
        Assert.Equal(2 * 7 * 2 + 1, reward.Parameters.Count);
        Assert.Equal("base_model.model.score.weight", reward.Parameters[^1].Name);
        Assert.All(reward.Parameters.SkipLast(1), p => Assert.Matches(@"^base_model\.model\.model\.layers\.[01]\.(self_attn|mlp)\.[a-z_]+\.lora_[AB]\.weight$", p.Name));
        TrainAndCheckOnlyTrainedChanged(model, reward, data, new RewardOptions { MaxLength = 64, ValidationFraction = 0.25, Seed = 6, Lora = Lora });
    }

    /// <summary>Four steps of reward training, after which every base weight is bit-identical and every trained parameter changed.</summary>
    internal static void TrainAndCheckOnlyTrainedChanged(Training.Modeling.LlamaForCausalLM model, RewardModel reward, Preference.PreferenceData data, RewardOptions options)
    {
        var baseBefore = Values(model.named_parameters());
        var trainedBefore = Values(reward.Parameters);
        var config = Config(steps: 4);
        new Pretrainer(model, config).Run(new RewardObjective(data, reward, options, config.Training.BatchSize, config.Training.EvalBatches), reward);
        foreach (var (name, values) in Values(model.named_parameters()))
            Assert.True(values.SequenceEqual(baseBefore[name]), $"base parameter {name} changed");
        foreach (var (name, values) in Values(reward.Parameters))
            Assert.False(values.SequenceEqual(trainedBefore[name]), $"trainable parameter {name} did not change");
    }

    /// <summary>A LoRA reward model whose B factors are random (a trained-looking adapter), with its base saved as a model folder.</summary>
    private static (Training.Modeling.LlamaForCausalLM Model, LoraAdapters Adapters, RewardModel Reward, string BaseDirectory) Adapted()
    {
        string baseDirectory = Path.Combine(Directory.CreateTempSubdirectory("sharplm-lora-reward-").FullName, "base");
        var model = ChatFixture.Model();
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, baseDirectory);
        model.eval();
        var adapters = new LoraAdapters(model, Lora, seed: 4);
        var reward = new RewardModel(model, seed: 4, adapters);
        using var generator = new Generator(11, CPU);
        using (no_grad())
            foreach (var (name, parameter) in adapters.Parameters.Where(p => p.Name.EndsWith(".lora_B.weight")))
                parameter.copy_(randn(parameter.shape, generator: generator) * 0.2);
        return (model, adapters, reward, baseDirectory);
    }

    /// <summary>The libtorch reward of one sequence run alone with the adapters hooked: its last hidden state dotted with the head by hand.</summary>
    private static double AloneReward(Training.Modeling.LlamaForCausalLM model, RewardModel reward, int[] sequence)
    {
        using var noGrad = no_grad();
        using var hidden = model.Decoder.forward(tensor(sequence.Select(t => (long)t).ToArray(), [1, sequence.Length]));
        var last = hidden[0, sequence.Length - 1].data<float>().ToArray();
        return last.Zip(reward.Score.data<float>().ToArray(), (h, w) => (double)h * w).Sum();
    }

    [Fact]
    public void The_engine_scores_the_merged_model_folder_as_libtorch_scores_the_adapted_model()
    {
        var (model, adapters, reward, _) = Adapted();
        using var _model = model;
        using var _adapters = adapters;
        Core.Formats.Chat.ChatTurn[] prompt = [new("system", "Answer in one sentence."), new("user", "Whom does Ahab follow?")];
        string[] completions = ["Ahab follows Stubb.", "Queequeg greets Starbuck and fears Ishmael.", "I do not know."];
        var sequences = completions.Select(c => ChatFixture.Template.Render([.. prompt.Select(t => new Tokenizers.Chat.ChatMessage(t.Role, t.Content)),
            new Tokenizers.Chat.ChatMessage("assistant", c)]).Ids).ToList();
        var adapted = sequences.Select(s => AloneReward(model, reward, s)).ToList();

        string run = Directory.CreateTempSubdirectory("sharplm-lora-reward-run-").FullName;
        reward.SaveModelFolder(ChatFixture.Tokenizer, Path.Combine(run, "model"));
        var engine = EngineRewardModel.Load(run, threads: 1);
        for (int i = 0; i < completions.Length; i++) Near(adapted[i], engine.Score(prompt, completions[i]), 1e-4);
        // The adapter matters: the base model with the same head scores these sequences otherwise.
        using var plain = ChatFixture.Model();
        plain.eval();
        Assert.True(sequences.Select((s, i) => Math.Abs(AloneReward(plain, reward, s) - adapted[i])).Max() > 1e-3);
    }

    [Fact]
    public void The_adapter_folder_has_peft_seq_cls_names_and_reproduces_the_merged_model_and_head()
    {
        var (model, adapters, reward, baseDirectory) = Adapted();
        using var _model = model;
        using var _adapters = adapters;
        string run = Directory.CreateTempSubdirectory("sharplm-lora-reward-run-").FullName;
        string adapter = Path.Combine(run, "adapter"), merged = Path.Combine(run, "model");
        Directory.CreateDirectory(adapter);
        reward.SavePeft(adapter, baseDirectory);
        reward.SaveModelFolder(ChatFixture.Tokenizer, merged);

        // adapter_config.json as PEFT writes it for LoraConfig(task_type="SEQ_CLS") on a model with a "score" head.
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", config["peft_type"]!.GetValue<string>());
        Assert.Equal("SEQ_CLS", config["task_type"]!.GetValue<string>());
        Assert.Equal(["classifier", "score"], config["modules_to_save"]!.AsArray().Select(n => n!.GetValue<string>()));
        Assert.Equal(4, config["r"]!.GetValue<int>());
        Assert.Equal(8, config["lora_alpha"]!.GetValue<double>());
        Assert.Equal(baseDirectory, config["base_model_name_or_path"]!.GetValue<string>());

        using var weights = new SafetensorsReader(Path.Combine(adapter, "adapter_model.safetensors"));
        var names = weights.Tensors.Select(t => t.Name).ToHashSet();
        Assert.Equal(2 * 7 * 2 + 1, names.Count);
        Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", names);
        Assert.Contains("base_model.model.model.layers.1.mlp.down_proj.lora_B.weight", names);
        Assert.Equal([1L, 32], weights.GetInfo("base_model.model.score.weight").Shape);
        Assert.Equal(RewardHeadFile.Read(Path.Combine(merged, RewardHeadFile.FileName), 32), weights.ReadFloat32("base_model.model.score.weight"));

        // The factors merged into the base by Core's merge (double accumulation, no libtorch) give model/'s weights.
        var baseFolder = ModelFolder.Open(baseDirectory);
        using var baseWeights = baseFolder.OpenWeights();
        using var mergedWeights = ModelFolder.Open(merged).OpenWeights();
        double scaling = 8.0 / 4;
        int adapted = 0;
        foreach (var spec in baseWeights.Table.Tensors)
        {
            float[] expected = baseWeights.ReadFloat32(spec.Name), actual = mergedWeights.ReadFloat32(spec.Name);
            string module = spec.Name[..^".weight".Length];
            if (names.Contains(PeftTensorNames.LoraA(module)))
            {
                var (rows, columns) = baseWeights.Table[spec.Name].MatrixShape;
                LoraMerge.Apply(expected, rows, columns, weights.ReadFloat32(PeftTensorNames.LoraA(module)), weights.ReadFloat32(PeftTensorNames.LoraB(module)), 4, scaling);
                adapted++;
            }
            for (int i = 0; i < expected.Length; i++) Near(expected[i], actual[i], 1e-5);
        }
        Assert.Equal(14, adapted);

        // SharpLM's adapter readers (generate --adapter, export --merge-lora) refuse it by name: it scores, it does not generate.
        var error = Assert.Throws<SharpLMException>(() => PeftAdapter.Load(adapter, baseFolder.Config));
        Assert.Contains("field 'task_type' is 'SEQ_CLS'", error.Message);
    }

    private static (List<double> Losses, double Before, double After) Train(string run, string? quantizeBase, bool resume = false, int? stopAfter = null)
    {
        var data = PreferenceFixture.Data();
        using var model = QuantizedBase.Format(quantizeBase) is { } format
            ? QuantizedBase.Load(ModelFolder.Open(QloraTests.ChatModelFolder.Value), format).Model : ChatFixture.Model();
        var options = new RewardOptions { MaxLength = 64, ValidationFraction = 0.25, Seed = 6, Lora = Lora, QuantizeBase = quantizeBase };
        using var adapters = new LoraAdapters(model, Lora, options.Seed);
        var reward = new RewardModel(model, options.Seed, adapters);
        var config = Config(steps: 32);
        var objective = new RewardObjective(data, reward, options, config.Training.BatchSize, config.Training.EvalBatches);
        // The loss over all training pairs, without dropout: whether the model fits the preference (a step's loss is one noisy batch).
        var onTrain = new RewardObjective(data with { Validation = data.Train }, reward, options, 8, 10);
        double Fit()
        {
            using var noGrad = no_grad();
            model.eval();
            return onTrain.ValidationLoss(model, CPU)!.Value;
        }
        double before = Fit();
        var losses = new List<double>();
        InterruptedRun.Run(model, config, objective, reward, run, resume, stopAfter, r =>
        {
            losses.Add(r.Loss);
        });
        return (losses, before, Fit());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("q8_0")]
    public void A_lora_reward_model_learns_and_a_resumed_run_reproduces_it_exactly(string? quantizeBase)
    {
        var (uninterrupted, before, after) = Train(Directory.CreateTempSubdirectory().FullName, quantizeBase);
        Assert.True(after < before - 0.05, $"loss over the training pairs {before} before, {after} after");
        string run = Directory.CreateTempSubdirectory().FullName;
        var (first, _, _) = Train(run, quantizeBase, stopAfter: 10); // the last checkpoint is at step 8
        Assert.True(File.Exists(Path.Combine(run, "checkpoints", "step-00000008", "adapter_model.safetensors")));
        var (second, _, _) = Train(run, quantizeBase, resume: true);
        Assert.Equal(uninterrupted.Take(10), first);
        Assert.Equal(uninterrupted.Skip(8), second);
    }

    [Fact]
    public void Reward_options_check_lora_and_quantize_base_with_the_rules_sft_uses()
    {
        Assert.StartsWith("reward: option '--quantize-base' quantizes the frozen base under LoRA adapters",
            Assert.Throws<SharpLMException>(() => new RewardOptions { QuantizeBase = "q4" }.Validate("reward")).Message);
        Assert.StartsWith("reward: option '--lora-rank' is 0",
            Assert.Throws<SharpLMException>(() => new RewardOptions { Lora = new LoraOptions { Rank = 0 } }.Validate("reward")).Message);
        // A full run's recorded settings are what they were before LoRA existed, so its checkpoints still resume.
        Assert.DoesNotContain("lora", System.Text.Json.JsonSerializer.Serialize(new RewardOptions()));
        Assert.Equal(10 * RewardOptions.DefaultLearningRate(100_000_000, lora: false), RewardOptions.DefaultLearningRate(100_000_000, lora: true), 12);
        Assert.StartsWith("reward: option '--trainable-tokens' trains a reward model's token rows beside LoRA adapters; add --lora-rank.",
            Assert.Throws<SharpLMException>(() => new RewardOptions { TrainableTokens = [3] }.Validate("reward")).Message);
        new RewardOptions { TrainableTokens = [3], Lora = Lora }.Validate("reward");
    }

    /// <summary>
    /// LoRA with the chat tokens' rows (LoRA's trainable_token_indices): the rows train beside the factors and the
    /// head, the adapter carries all three under PEFT's names, and the merged folder holds the rows, which the engine
    /// scores with as libtorch scores the hooked model.
    /// </summary>
    [Fact]
    public void Token_rows_train_beside_a_lora_reward_model_and_merge_into_its_folder()
    {
        var data = PreferenceFixture.Data();
        int[] ids = [ChatFixture.Tokenizer.Specials["<|im_start|>"], ChatFixture.Tokenizer.Specials["<|im_end|>"]];
        using var model = ChatFixture.Model();
        var baseBefore = Values(model.named_parameters());
        using var rows = new Tokens.TrainableTokenRows(model, ids, besideLora: true);
        using var adapters = new LoraAdapters(model, Lora, seed: 6);
        var reward = new RewardModel(model, seed: 6, adapters, rows);
        Assert.Equal(2 * 7 * 2 + 2, reward.Parameters.Count);
        Assert.Equal(TokenRows.BesideLoraTensor, reward.Parameters[^2].Name);
        TrainAndCheckOnlyTrainedChanged(model, reward, data, new RewardOptions { MaxLength = 64, ValidationFraction = 0.25, Seed = 6, Lora = Lora, TrainableTokens = ids });

        model.eval();
        Core.Formats.Chat.ChatTurn[] prompt = [new("user", "Whom does Ahab follow?")];
        string[] completions = ["Ahab follows Stubb.", "I do not know."];
        var hooked = completions.Select(c => AloneReward(model, reward, ChatFixture.Template.Render([new Tokenizers.Chat.ChatMessage("user", prompt[0].Content),
            new Tokenizers.Chat.ChatMessage("assistant", c)]).Ids)).ToList();
        var trainedRows = rows.Values.detach().contiguous().data<float>().ToArray();

        string run = Directory.CreateTempSubdirectory("sharplm-token-reward-run-").FullName, adapter = Path.Combine(run, "adapter");
        Directory.CreateDirectory(adapter);
        reward.SavePeft(adapter, "base");
        var config2 = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!.AsObject();
        Assert.Equal("SEQ_CLS", config2["task_type"]!.GetValue<string>());
        Assert.Equal(ids, config2["trainable_token_indices"]!.AsArray().Select(n => n!.GetValue<int>()));
        using (var weights = new SafetensorsReader(Path.Combine(adapter, "adapter_model.safetensors")))
        {
            Assert.Equal(trainedRows, weights.ReadFloat32(TokenRows.BesideLoraTensor));
            Assert.Contains(weights.Tensors, t => t.Name == "base_model.model.score.weight");
        }

        reward.SaveModelFolder(ChatFixture.Tokenizer, Path.Combine(run, "model"));
        using (var saved = ModelFolder.Open(Path.Combine(run, "model")).OpenWeights())
        {
            var embedding = saved.ReadFloat32("model.embed_tokens.weight");
            int hidden = trainedRows.Length / ids.Length;
            for (int i = 0; i < ids.Length; i++)
                Assert.Equal(trainedRows.AsSpan(i * hidden, hidden).ToArray(), embedding.AsSpan(ids[i] * hidden, hidden).ToArray());
            var untouched = baseBefore["model.embed_tokens.weight"];
            Assert.Equal(untouched.AsSpan(5 * hidden, hidden).ToArray(), embedding.AsSpan(5 * hidden, hidden).ToArray());
        }
        var engine = EngineRewardModel.Load(run, threads: 1);
        for (int i = 0; i < completions.Length; i++) Near(hooked[i], engine.Score(prompt, completions[i]), 1e-4);
    }
}
