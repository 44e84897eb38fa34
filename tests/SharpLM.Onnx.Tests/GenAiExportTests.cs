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
        Assert.Equal(expected, GenAiGreedy(export, prompt, NewTokens));
    }
}
