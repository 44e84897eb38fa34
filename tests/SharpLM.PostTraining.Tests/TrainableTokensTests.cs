using System.Text.Json.Nodes;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.Tokens;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Tests;

using static Tolerance;

/// <summary>
/// Trainable tokens (PEFT's TRAINABLE_TOKENS and LoRA's trainable_token_indices): the rows start as the base's,
/// their gradient equals the embedding matrix's own gradient at those rows (a second computation: the plain
/// model with its embedding trainable), merging gives the model the rows computed, and the engine applies PEFT's
/// files as TorchSharp does.
/// </summary>
public class TrainableTokensTests
{
    private static readonly int[] Tokens = [3, 17, 42, 99, 5, 250, 8, 17];
    private static readonly int[] Chosen = [17, 250, 261];

    private static Tensor Logits(CausalLanguageModel model)
    {
        using var ids = tensor(Tokens.Select(t => (long)t).ToArray(), [1, Tokens.Length]);
        return model.forward(ids);
    }

    /// <summary>A loss that reads the chosen tokens as inputs (17, 250) and as predicted rows (261 is never an input: only the tied output reaches it).</summary>
    private static Tensor Loss(CausalLanguageModel model)
    {
        using var logits = Logits(model);
        using var targets = tensor(new long[] { 17, 99, 261, 5, 250, 8, 17, 261 });
        return nn.functional.cross_entropy(logits.view(-1, logits.shape[2]), targets);
    }

    [Fact]
    public void The_rows_start_as_the_base_so_the_logits_do_not_move()
    {
        using var model = ChatFixture.Model();
        float[] before;
        using (no_grad())
        using (var logits = Logits(model))
            before = logits.data<float>().ToArray();
        using var rows = new TrainableTokenRows(model, Chosen);
        using (no_grad())
        using (var logits = Logits(model))
            Assert.Equal(before, logits.data<float>().ToArray());
        Assert.All(model.parameters(), p => Assert.False(p.requires_grad));
        Assert.Equal([3L, 32L], rows.Values.shape);
    }

    [Fact]
    public void The_rows_gradient_equals_the_embedding_matrix_gradient_at_those_rows_through_input_and_tied_output()
    {
        using var plain = ChatFixture.Model();
        using (var loss = Loss(plain)) loss.backward();
        var weightGradient = plain.Decoder.EmbeddingWeight.grad!;

        using var model = ChatFixture.Model();
        using var rows = new TrainableTokenRows(model, Chosen);
        using (var loss = Loss(model)) loss.backward();
        var rowGradient = rows.Values.grad!;
        for (int i = 0; i < Chosen.Length; i++)
        {
            float[] expected = weightGradient[Chosen[i]].data<float>().ToArray(), actual = rowGradient[i].data<float>().ToArray();
            Assert.True(expected.Any(v => v != 0), $"token {Chosen[i]} gets a gradient");
            for (int d = 0; d < expected.Length; d++) Near(expected[d], actual[d], 1e-6);
        }
        Assert.All(model.parameters(), p => Assert.Null(p.grad));
    }

    [Fact]
    public void Merging_gives_the_model_the_logits_it_computed_with_the_rows_and_changes_nothing_else()
    {
        using var model = ChatFixture.Model();
        var others = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        using var rows = new TrainableTokenRows(model, Chosen);
        using (no_grad()) rows.Values.add_(randn(rows.Values.shape, generator: new Generator(4, CPU)));
        float[] hooked;
        using (no_grad())
        using (var logits = Logits(model))
            hooked = logits.data<float>().ToArray();
        rows.MergeAndUnload();
        using (no_grad())
        using (var logits = Logits(model))
            Assert.Equal(hooked, logits.data<float>().ToArray());
        foreach (var (name, parameter) in model.named_parameters())
        {
            float[] now = parameter.data<float>().ToArray();
            if (name != "model.embed_tokens.weight")
            {
                Assert.Equal(others[name], now);
                continue;
            }
            for (int row = 0; row < 300; row++)
                Assert.Equal(Chosen.Contains(row), !now.AsSpan(row * 32, 32).SequenceEqual(others[name].AsSpan(row * 32, 32)));
        }
    }

    /// <summary>A base folder, and the model with moved rows (and, with <paramref name="lora"/>, LoRA adapters) saved as a PEFT adapter and merged.</summary>
    private static (string Base, string Adapter, string Merged) Build(bool lora, bool tie)
    {
        string root = Directory.CreateTempSubdirectory("sharplm-tokens-").FullName;
        string baseFolder = Path.Combine(root, "base"), adapterFolder = Path.Combine(root, "adapter"), mergedFolder = Path.Combine(root, "merged");
        using var model = ChatFixture.Model(tie: tie);
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, baseFolder);
        using var rows = new TrainableTokenRows(model, Chosen, besideLora: lora);
        using var adapters = lora ? new LoraAdapters(model, new LoraOptions { Rank = 4, Alpha = 8, Dropout = 0 }, seed: 2) : null;
        using (no_grad())
        {
            var generator = new Generator(5, CPU);
            rows.Values.add_(randn(rows.Values.shape, generator: generator));
            foreach (var (_, parameter) in adapters?.Parameters.Where(p => p.Name.Contains("lora_B")) ?? [])
                parameter.copy_(randn(parameter.shape, generator: generator) * 0.1);
        }
        Directory.CreateDirectory(adapterFolder);
        if (adapters is not null) adapters.SavePeft(adapterFolder, baseFolder, rows);
        else rows.SavePeft(adapterFolder, baseFolder);
        adapters?.MergeAndUnload();
        rows.MergeAndUnload();
        HfCheckpoint.Save(model, ChatFixture.Tokenizer, mergedFolder);
        return (baseFolder, adapterFolder, mergedFolder);
    }

    private static float[] EngineLogits(string folder, string? adapter) =>
        EngineModel.Load(ModelFolder.Open(folder), adapter).NewSession(1).Prefill(Tokens).ToArray();

    [Theory]
    [InlineData(false, true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void The_engine_applies_the_peft_adapter_as_torchsharp_merged_it(bool lora, bool tie)
    {
        var (baseFolder, adapter, merged) = Build(lora, tie);
        float[] expected = EngineLogits(merged, null), actual = EngineLogits(baseFolder, adapter), plain = EngineLogits(baseFolder, null);
        for (int i = 0; i < expected.Length; i++) Near(expected[i], actual[i], 1e-4);
        Assert.True(plain.Zip(actual).Max(p => Math.Abs(p.First - p.Second)) > 1e-2, "the rows change the logits");
        if (!lora) return;
        string exported = Path.Combine(Path.GetDirectoryName(baseFolder)!, "exported");
        LoraMergedFolder.Write(baseFolder, adapter, exported);
        float[] fromFiles = EngineLogits(exported, null);
        for (int i = 0; i < expected.Length; i++) Near(expected[i], fromFiles[i], 1e-4);
    }

    [Fact]
    public void Adapter_files_have_peft_names_and_keys()
    {
        var (_, standalone, _) = Build(lora: false, tie: true);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(standalone, "adapter_config.json")))!.AsObject();
        Assert.Equal(["auto_mapping", "base_model_name_or_path", "inference_mode", "init_weights", "peft_type", "revision", "target_modules", "task_type", "token_indices"],
            json.Select(p => p.Key));
        Assert.Equal("TRAINABLE_TOKENS", (string)json["peft_type"]!);
        Assert.Equal(Chosen, json["token_indices"]!.AsArray().Select(n => (int)n!));
        Assert.Equal(["embed_tokens"], json["target_modules"]!.AsArray().Select(n => (string)n!));
        using (var reader = new SafetensorsReader(Path.Combine(standalone, "adapter_model.safetensors")))
        {
            var info = Assert.Single(reader.Tensors);
            Assert.Equal("base_model.model.model.embed_tokens.trainable_tokens_delta", info.Name);
            Assert.Equal([3L, 32L], info.Shape);
        }

        var (_, withLora, _) = Build(lora: true, tie: true);
        var loraJson = JsonNode.Parse(File.ReadAllText(Path.Combine(withLora, "adapter_config.json")))!.AsObject();
        Assert.Equal("LORA", (string)loraJson["peft_type"]!);
        Assert.Equal(Chosen, loraJson["trainable_token_indices"]!.AsArray().Select(n => (int)n!));
        using var loraReader = new SafetensorsReader(Path.Combine(withLora, "adapter_model.safetensors"));
        Assert.Contains(loraReader.Tensors, t => t.Name == "base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta");
        Assert.Contains(loraReader.Tensors, t => t.Name == "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight");
    }

    [Fact]
    public void Config_forms_peft_accepts_are_read_and_others_refused_by_field()
    {
        var (baseFolder, adapter, _) = Build(lora: true, tie: true);
        var folder = ModelFolder.Open(baseFolder);
        string config = Path.Combine(adapter, "adapter_config.json");
        var json = JsonNode.Parse(File.ReadAllText(config))!.AsObject();

        json["trainable_token_indices"] = new JsonObject { ["embed_tokens"] = new JsonArray(17, 250, 261) };
        File.WriteAllText(config, json.ToJsonString());
        Assert.Equal(Chosen, PeftAdapter.Load(adapter, folder.Config).TokenRows!.TokenIds);

        json["trainable_token_indices"] = new JsonObject { ["lm_head"] = new JsonArray(17) };
        File.WriteAllText(config, json.ToJsonString());
        var error = Assert.Throws<Core.SharpLMException>(() => PeftAdapter.Load(adapter, folder.Config));
        Assert.Equal($"{config}: field 'trainable_token_indices' is {{\"lm_head\":[17]}}; SharpLM applies trainable tokens of embed_tokens only (a list of token ids).", error.Message);

        json["trainable_token_indices"] = new JsonArray(17, 250);
        File.WriteAllText(config, json.ToJsonString());
        error = Assert.Throws<Core.SharpLMException>(() => PeftAdapter.Load(adapter, folder.Config));
        Assert.EndsWith("tensor 'base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta' has shape [3, 32]; 2 tokens of hidden_size 32 imply [2, 32].", error.Message);

        json.Remove("trainable_token_indices");
        File.WriteAllText(config, json.ToJsonString());
        error = Assert.Throws<Core.SharpLMException>(() => PeftAdapter.Load(adapter, folder.Config));
        Assert.EndsWith("unexpected tensor 'base_model.model.model.embed_tokens.token_adapter.trainable_tokens_delta' (a LoRA adapter holds only lora_A and lora_B weights).", error.Message);
    }
}
