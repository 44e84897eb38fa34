using Microsoft.ML.OnnxRuntimeGenAI;
using SharpLM.Core.Models;
using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Onnx.Tests;

/// <summary>The exported folder opened by ONNX Runtime GenAI as it is, generating the C# engine's greedy tokens.</summary>
public class GenAiExportTests
{
    private const int NewTokens = 20;

    private static readonly BpeTokenizer Tokenizer =
        BpeTrainer.Train(["the cat sat on the mat", "a dog ran to the cat", "the mat was red"], new BpeTrainerOptions { VocabularySize = 280 });

    private static IModelConfig Family(string family) => family switch
    {
        "llama" => TinyModelFolder.Config(vocabSize: Tokenizer.VocabularySize, maxPositions: 64),
        "qwen3" => TinyModelFolder.Config(qkNorm: true, keyValueHeads: 1, vocabSize: Tokenizer.VocabularySize, maxPositions: 64),
        _ => TinyModelFolder.Gpt2(vocabSize: Tokenizer.VocabularySize),
    };

    /// <summary>A model folder with a tokenizer, exported as a folder beside it.</summary>
    private static (string Model, string Export) ExportFolder(IModelConfig config, int seed, OnnxWeightType type = OnnxWeightType.Float32)
    {
        string model = TinyModelFolder.Create(config, seed);
        TokenizerJson.Save(Tokenizer, Path.Combine(model, "tokenizer.json"));
        // GenAI's tokenizer opens tokenizer_config.json for the tokenizer's class, as a pretrained model folder has it.
        File.WriteAllText(Path.Combine(model, "tokenizer_config.json"), """{ "tokenizer_class": "PreTrainedTokenizerFast", "add_bos_token": false, "add_eos_token": false }""");
        string export = Path.Combine(model, "onnx");
        OnnxExport.RunFolder(model, export, type);
        return (model, export);
    }

    private static int[] EngineGreedy(string model, int[] prompt, int count)
    {
        var engine = EngineModel.Load(model);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = count, StopAtEndOfText = false };
        return TextGenerator.Generate(new SessionLogitsSource(engine.NewSession(1)), Tokenizer, prompt, options).Tokens.ToArray();
    }

    private static int[] GenAiGreedy(string export, int[] prompt, int count)
    {
        using var model = new Model(export);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + count);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);
        while (!generator.IsDone()) generator.GenerateNextToken();
        return generator.GetSequence(0).ToArray()[prompt.Length..];
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("qwen3")]
    [InlineData("gpt2")]
    public void GenAi_generates_the_engines_greedy_tokens(string family)
    {
        var (model, export) = ExportFolder(Family(family), seed: 31);
        int[] prompt = Tokenizer.Encode("the cat sat").ToArray();
        int[] expected = EngineGreedy(model, prompt, NewTokens);
        Assert.Equal(NewTokens, expected.Length);
        Assert.True(expected.Distinct().Count() > 1, "the engine's continuation repeats one token, too weak a check");
        Assert.Equal(expected, GenAiGreedy(export, prompt, NewTokens));
    }

    /// <summary>Why GPT-2 is written as GenAI's generic "decoder": its "gpt2" type wants one combined key/value tensor per layer.</summary>
    [Fact]
    public void GenAis_gpt2_type_does_not_take_separate_key_and_value_caches()
    {
        var (_, export) = ExportFolder(Family("gpt2"), seed: 36);
        string path = Path.Combine(export, GenAiConfig.FileName);
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal("decoder", (string?)config["model"]!["type"]);
        config["model"]!["type"] = "gpt2";
        File.WriteAllText(path, config.ToJsonString());
        var error = Assert.Throws<OnnxRuntimeGenAIException>(() => GenAiGreedy(export, Tokenizer.Encode("the cat").ToArray(), 2));
        Assert.StartsWith("Model input was not found", error.Message);
    }

    [Fact]
    public void GenAi_runs_the_float16_export_greedily_like_the_engine()
    {
        var (model, export) = ExportFolder(Family("llama"), seed: 32, OnnxWeightType.Float16);
        int[] prompt = Tokenizer.Encode("a dog").ToArray();
        // Rounding the weights moves the logits by a few 10⁻³ (see OnnxHalfWeightsTests), too little to change the greedy path here.
        Assert.Equal(EngineGreedy(model, prompt, NewTokens), GenAiGreedy(export, prompt, NewTokens));
    }

    [Fact]
    public void GenAis_tokenizer_reads_the_exported_tokenizer_and_encodes_as_ours()
    {
        var (_, export) = ExportFolder(Family("llama"), seed: 33);
        using var model = new Model(export);
        using var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(model);
        foreach (string text in new[] { "the cat sat on the mat", "a red dog ran to the mat" })
        {
            using var sequences = tokenizer.Encode(text);
            Assert.Equal(Tokenizer.Encode(text).ToArray(), sequences[0].ToArray());
        }
    }

    [Fact]
    public void GenAi_from_text_gives_the_engines_greedy_tokens_and_decodes_the_prompt_back()
    {
        var (model, export) = ExportFolder(Family("llama"), seed: 35);
        const string prompt = "the cat";
        int[] promptIds = Tokenizer.Encode(prompt).ToArray();
        var engine = EngineModel.Load(model);
        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = NewTokens, StopAtEndOfText = false };
        var expected = TextGenerator.Generate(new SessionLogitsSource(engine.NewSession(1)), Tokenizer, promptIds, options);

        using var genai = new Model(export);
        using var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(genai);
        using var sequences = tokenizer.Encode(prompt);
        using var parameters = new GeneratorParams(genai);
        parameters.SetSearchOption("max_length", promptIds.Length + NewTokens);
        using var generator = new Generator(genai, parameters);
        generator.AppendTokenSequences(sequences);
        while (!generator.IsDone()) generator.GenerateNextToken();
        Assert.Equal([.. promptIds, .. expected.Tokens], generator.GetSequence(0).ToArray());
        // Only the prompt is compared as text: a random model's tokens are byte pieces that need not form UTF-8.
        Assert.Equal(prompt, tokenizer.Decode(promptIds));
    }

    [Fact]
    public void The_genai_config_describes_the_graph_and_the_model()
    {
        var config = TinyModelFolder.Config(keyValueHeads: 2, maxPositions: 64, vocabSize: Tokenizer.VocabularySize) with { BosTokenId = 1, EosTokenId = 2 };
        var (_, export) = ExportFolder(config, seed: 34);
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(export, GenAiConfig.FileName)));
        var model = json.RootElement.GetProperty("model");
        var decoder = model.GetProperty("decoder");
        Assert.Equal("llama", model.GetProperty("type").GetString());
        Assert.Equal(64, model.GetProperty("context_length").GetInt32());
        Assert.Equal(Tokenizer.VocabularySize, model.GetProperty("vocab_size").GetInt32());
        Assert.Equal((1, 2, 2), (model.GetProperty("bos_token_id").GetInt32(), model.GetProperty("eos_token_id").GetInt32(), model.GetProperty("pad_token_id").GetInt32()));
        Assert.Equal((32 / 4, 32, 4, 2, 2), (decoder.GetProperty("head_size").GetInt32(), decoder.GetProperty("hidden_size").GetInt32(),
            decoder.GetProperty("num_attention_heads").GetInt32(), decoder.GetProperty("num_key_value_heads").GetInt32(), decoder.GetProperty("num_hidden_layers").GetInt32()));
        Assert.Equal("past_key_values.%d.value", decoder.GetProperty("inputs").GetProperty("past_value_names").GetString());
        Assert.Equal("present.%d.key", decoder.GetProperty("outputs").GetProperty("present_key_names").GetString());
        Assert.Equal(64, json.RootElement.GetProperty("search").GetProperty("max_length").GetInt32());
        Assert.True(File.Exists(Path.Combine(export, decoder.GetProperty("filename").GetString()!)));
        Assert.True(File.Exists(Path.Combine(export, "tokenizer.json")));
        Assert.True(File.Exists(Path.Combine(export, "tokenizer_config.json")));
    }
}
