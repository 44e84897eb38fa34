using System.Text.Json.Nodes;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.PostTraining.PromptTuning;
using SharpLM.PostTraining.Sft;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

/// <summary>
/// Prompt tuning: PEFT's files, TEXT initialisation, training that moves only the prompt, and the engine starting
/// every sequence with the virtual tokens, checked against the TorchSharp model fed [virtual embeddings ; token
/// embeddings] directly (PEFT's definition, computed independently of both the engine and the training batch code).
/// </summary>
public class PromptTuningTests
{
    private static readonly int[] Prompt = [3, 17, 42, 99, 5, 250, 8];
    private const int VirtualTokens = 5;

    /// <summary>A base folder, and a prompt-tuning adapter for it with RANDOM-initialised virtual tokens.</summary>
    private static (string Base, string Adapter, LlamaForCausalLM Model, PromptEmbedding PromptEmbedding) Build(int virtualTokens = VirtualTokens)
    {
        string root = Directory.CreateTempSubdirectory("sharplm-prompt-").FullName;
        string baseFolder = Path.Combine(root, "base"), adapterFolder = Path.Combine(root, "adapter");
        var model = ChatFixture.Model(tie: false);
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, baseFolder);
        var prompt = PromptEmbedding.Create(model, new PromptTuningOptions { VirtualTokens = virtualTokens }, ChatFixture.Tokenizer, seed: 9);
        Directory.CreateDirectory(adapterFolder);
        prompt.SavePeft(adapterFolder, baseFolder);
        return (baseFolder, adapterFolder, model, prompt);
    }

    /// <summary>Logits [N + T, vocab] of the TorchSharp model on cat(prompt rows, token embedding rows), positions 0..N+T−1.</summary>
    private static float[][] TorchLogits(LlamaForCausalLM model, Tensor promptRows, IReadOnlyList<int> tokens)
    {
        using var noGrad = no_grad();
        using var ids = tensor(tokens.Select(t => (long)t).ToArray());
        using var embeddings = cat([promptRows.detach(), model.Decoder.EmbeddingWeight.index_select(0, ids)], 0).unsqueeze(0);
        using var logits = model.ForwardEmbeddings(embeddings, null);
        return Enumerable.Range(0, (int)logits.shape[1]).Select(i => logits[0, i].data<float>().ToArray()).ToArray();
    }

    private static void SameLogits(float[] expected, ReadOnlySpan<float> actual, double tolerance)
    {
        for (int i = 0; i < expected.Length; i++) Near(expected[i], actual[i], tolerance);
    }

    [Fact]
    public void The_engine_with_a_prompt_adapter_matches_torchsharp_on_virtual_then_token_embeddings()
    {
        var (baseFolder, adapter, model, prompt) = Build();
        using var _ = model;
        using var __ = prompt;
        var expected = TorchLogits(model, prompt.Embeddings, Prompt);
        var engine = EngineModel.Load(ModelFolder.Open(baseFolder), adapter);
        int vocab = engine.Config.VocabSize;

        // One sequence (generate, chat, eval): every position's logits, token by token and as a block.
        var session = engine.NewSession(1);
        Assert.Equal(128 - VirtualTokens, session.MaxPositions);
        var logits = new float[Prompt.Length * vocab];
        session.Forward(Prompt, logits);
        Assert.Equal(Prompt.Length, session.Length);
        for (int i = 0; i < Prompt.Length; i++) SameLogits(expected[VirtualTokens + i], logits.AsSpan(i * vocab, vocab), 1e-4);
        session.Truncate(2);
        SameLogits(expected[VirtualTokens + 2], session.Forward(Prompt[2]), 1e-4);
        session.Truncate(0);
        SameLogits(expected[VirtualTokens + Prompt.Length - 1], session.Prefill(Prompt), 1e-4);

        // The server's batch session: two sequences at once, each after its own copy of the virtual tokens.
        var batch = new Inference.Llama.LlamaBatchSession(engine.Llama!, 1, 2);
        Assert.Equal(128 - VirtualTokens, batch.MaxPositions);
        SameLogits(expected[VirtualTokens + Prompt.Length - 1], batch.Prefill(0, Prompt), 1e-4);
        SameLogits(expected[VirtualTokens + 2], batch.Prefill(1, Prompt.AsSpan(0, 3)), 1e-4);
        var step = new float[2 * vocab];
        batch.Truncate(0, 3);
        batch.Step([0, 1], [Prompt[3], Prompt[3]], step);
        SameLogits(expected[VirtualTokens + 3], step.AsSpan(0, vocab), 1e-4);
        SameLogits(expected[VirtualTokens + 3], step.AsSpan(vocab, vocab), 1e-4);
        Assert.Equal(4, batch.Length(0));

        var plain = EngineModel.Load(ModelFolder.Open(baseFolder)).NewSession(1).Prefill(Prompt).ToArray();
        Assert.True(plain.Zip(expected[^1]).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the virtual tokens change the logits");
    }

    [Fact]
    public void The_virtual_tokens_shorten_the_context_and_the_error_says_so()
    {
        var (baseFolder, adapter, model, prompt) = Build(virtualTokens: 8);
        using var _ = model;
        using var __ = prompt;
        var session = EngineModel.Load(ModelFolder.Open(baseFolder), adapter).NewSession(1);
        var tokens = Enumerable.Range(0, 121).Select(i => 3 + i % 50).ToArray();
        var error = Assert.Throws<Core.SharpLMException>(() => session.Prefill(tokens));
        Assert.Equal("the sequence reached its context of 120 positions (max_position_embeddings 128 less the prompt-tuning adapter's 8 virtual tokens).", error.Message);
    }

    [Fact]
    public void Adapter_files_have_peft_prompt_tuning_keys_and_one_prompt_embeddings_tensor()
    {
        var (baseFolder, adapter, model, prompt) = Build();
        using var _ = model;
        using var __ = prompt;
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(adapter, "adapter_config.json")))!.AsObject();
        // PromptTuningConfig's fields with those of PromptLearningConfig, PeftConfig and PeftConfigMixin that PEFT writes
        // (peft_version, which PEFT fills in itself when absent, aside).
        string[] keys =
        [
            "auto_mapping", "base_model_name_or_path", "inference_mode", "modules_to_save", "num_attention_heads", "num_layers",
            "num_transformer_submodules", "num_virtual_tokens", "peft_type", "prompt_tuning_init", "prompt_tuning_init_text", "revision",
            "task_type", "token_dim", "tokenizer_kwargs", "tokenizer_name_or_path",
        ];
        Assert.Equal(keys, json.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("PROMPT_TUNING", (string)json["peft_type"]!);
        Assert.Equal("CAUSAL_LM", (string)json["task_type"]!);
        Assert.Equal(VirtualTokens, (int)json["num_virtual_tokens"]!);
        Assert.Equal(32, (int)json["token_dim"]!);
        Assert.Equal(1, (int)json["num_transformer_submodules"]!);
        Assert.Equal(4, (int)json["num_attention_heads"]!);
        Assert.Equal(2, (int)json["num_layers"]!);
        Assert.Equal("RANDOM", (string)json["prompt_tuning_init"]!);
        Assert.Null(json["prompt_tuning_init_text"]);
        Assert.True((bool)json["inference_mode"]!);
        Assert.Equal(baseFolder, (string)json["base_model_name_or_path"]!);

        using var reader = new SafetensorsReader(Path.Combine(adapter, "adapter_model.safetensors"));
        var info = Assert.Single(reader.Tensors);
        Assert.Equal("prompt_embeddings", info.Name);
        Assert.Equal(SafetensorsDType.F32, info.DType);
        Assert.Equal([VirtualTokens, 32L], info.Shape);
        Assert.Equal("pt", reader.Metadata["format"]);
        Assert.Equal(prompt.Embeddings.detach().data<float>().ToArray(), reader.ReadFloat32("prompt_embeddings"));
    }

    [Fact]
    public void Text_init_takes_the_embedding_rows_of_the_texts_tokens_repeated_or_cut()
    {
        using var model = ChatFixture.Model();
        const string text = "Whom does Ahab watch?";
        var ids = ChatFixture.Tokenizer.Encode(text, allowSpecial: false);
        Assert.True(ids.Count is > 2 and < 12, $"the text is {ids.Count} tokens");
        foreach (int n in new[] { ids.Count - 2, ids.Count, 2 * ids.Count + 1 })
        {
            using var prompt = PromptEmbedding.Create(model, new PromptTuningOptions { VirtualTokens = n, InitText = text }, ChatFixture.Tokenizer, seed: 1);
            var table = model.Decoder.EmbeddingWeight.detach();
            for (int v = 0; v < n; v++)
            {
                using var expected = table[ids[v % ids.Count]];
                using var actual = prompt.Embeddings.detach()[v];
                Assert.True(actual.data<float>().ToArray().AsSpan().SequenceEqual(expected.data<float>().ToArray()), $"virtual token {v} of {n}");
            }
        }
        Assert.Equal([7, 8, 9, 7, 8], PromptEmbedding.InitialTokens([7, 8, 9], 5)!);
        Assert.Equal([7, 8], PromptEmbedding.InitialTokens([7, 8, 9], 2)!);
    }

    [Fact]
    public void A_packed_training_row_gives_each_conversation_the_prompt_as_if_alone()
    {
        using var model = ChatFixture.Model();
        using var prompt = PromptEmbedding.Create(model, new PromptTuningOptions { VirtualTokens = 3 }, ChatFixture.Tokenizer, seed: 2);
        var data = SftData.Load(ChatFixture.ChatFile, ChatFixture.Template, new SftOptions { MaxLength = 64, ValidationFraction = 0 });
        var (first, second) = (data.Train[0], data.Train[1]);
        using var batch = SftBatch.Build(data.Train, [[0, 1]], CPU, 3);
        float[][] packed;
        using (no_grad())
        using (var logits = prompt.Forward(batch.Inputs, batch.VirtualSlots!, batch.Layout))
            packed = Enumerable.Range(0, (int)logits.shape[1]).Select(i => logits[0, i].data<float>().ToArray()).ToArray();
        var alone = TorchLogits(model, prompt.Embeddings, second.Inputs);
        int offset = 3 + first.Length;
        for (int i = 0; i < alone.Length; i++) SameLogits(alone[i], packed[offset + i], 1e-4);
        // The virtual positions are never targets.
        using var targets = batch.Targets[0, TensorIndex.Slice(offset, offset + 3)];
        Assert.True(targets.eq(SftBatch.IgnoredTarget).all().item<bool>());
    }

    [Fact]
    public void Training_lowers_the_loss_and_leaves_every_base_weight_bit_identical()
    {
        var options = new SftOptions { MaxLength = 64, ValidationFraction = 0.1, Seed = 4, PromptTuning = new PromptTuningOptions { VirtualTokens = 4, InitText = "Ahab" } };
        var data = SftData.Load(ChatFixture.ChatFile, ChatFixture.Template, options);
        // Weights of std 0.02 in so small a model leave the output near uniform whatever comes first in the context,
        // so nothing placed before the conversation could lower the loss much; a wider initialisation gives the
        // attention and output something to work with.
        using var model = new LlamaForCausalLM(ChatFixture.Config() with { InitializerRange = 0.2 });
        model.InitializeWeights(3);
        var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone().data<float>().ToArray());
        using var prompt = PromptEmbedding.Create(model, options.PromptTuning!, ChatFixture.Tokenizer, options.Seed);
        var config = new PretrainConfig
        {
            Training = new PretrainOptions { Steps = 15, BatchSize = 4, SequenceLength = 64, LearningRate = 3e-2, WarmupSteps = 1, EvalInterval = 100, EvalBatches = 2, CheckpointInterval = 0, WeightDecay = 0 },
        };
        var objective = new SftObjective(data, options, config.Training.BatchSize, config.Training.EvalBatches, prompt: prompt);
        double FixedBatchLoss()
        {
            using var noGrad = no_grad();
            var (loss, _) = objective.MicroBatchLoss(model, 0, 0, 64, CPU);
            using (loss) return loss.item<float>();
        }
        double start = FixedBatchLoss();
        new Pretrainer(model, config).Run(objective, prompt);
        double end = FixedBatchLoss();
        Assert.True(end < start - 0.1, $"the loss on a training batch went from {start} to {end}");
        foreach (var (name, parameter) in model.named_parameters())
            Assert.True(before[name].AsSpan().SequenceEqual(parameter.detach().data<float>().ToArray()), $"base weight {name} changed");
    }

    [Fact]
    public void An_adapter_for_another_hidden_size_or_method_is_refused_naming_file_and_field()
    {
        var (baseFolder, adapter, model, prompt) = Build();
        using var _ = model;
        using var __ = prompt;
        string configPath = Path.Combine(adapter, "adapter_config.json");
        var json = JsonNode.Parse(File.ReadAllText(configPath))!;
        json["token_dim"] = 48;
        File.WriteAllText(configPath, json.ToJsonString());
        var error = Assert.Throws<Core.SharpLMException>(() => EngineModel.Load(ModelFolder.Open(baseFolder), adapter));
        Assert.Equal($"{configPath}: field 'token_dim' is 48; the base model's hidden_size is 32.", error.Message);

        json["peft_type"] = "PREFIX_TUNING";
        File.WriteAllText(configPath, json.ToJsonString());
        error = Assert.Throws<Core.SharpLMException>(() => EngineModel.Load(ModelFolder.Open(baseFolder), adapter));
        Assert.Equal($"{configPath}: field 'peft_type' is 'PREFIX_TUNING'; SharpLM applies LORA, PROMPT_TUNING and TRAINABLE_TOKENS adapters.", error.Message);
    }
}
