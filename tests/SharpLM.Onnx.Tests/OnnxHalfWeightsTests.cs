using SharpLM.Inference;
using SharpLM.Inference.Generation;
using SharpLM.Tokenizers.Bpe;
using static SharpLM.Onnx.Tests.OnnxExportTests;

namespace SharpLM.Onnx.Tests;

/// <summary>Float16 weights: half the file, float32 arithmetic, logits near the engine's float32 ones and the same greedy tokens.</summary>
public class OnnxHalfWeightsTests
{
    /// <summary>Rounding a weight to float16 moves it by up to 2⁻¹¹ of itself; through two tiny layers the logits move by a few 10⁻³.</summary>
    private const float HalfTolerance = 2e-2f;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Half_weights_halve_the_file_and_keep_the_logits_and_greedy_tokens(bool gpt2)
    {
        var tokenizer = BpeTrainer.Train(["the cat sat on the mat", "a dog ran"], new BpeTrainerOptions { VocabularySize = 270 });
        Core.Models.IModelConfig config = gpt2 ? TinyModelFolder.Gpt2(vocabSize: tokenizer.VocabularySize) : TinyModelFolder.Config(vocabSize: tokenizer.VocabularySize);
        var (model, full) = Export(config, seed: 31);
        string half = Path.Combine(model, "model-f16.onnx");
        var result = OnnxExport.Run(model, half, OnnxWeightType.Float16);
        Assert.Equal(OnnxWeightType.Float16, result.WeightType);
        Assert.Equal(config.ParameterCount * 2 + (gpt2 ? 0 : RotaryBytes(config)), result.WeightBytes);
        Assert.InRange(new FileInfo(half).Length, 0.45 * new FileInfo(full).Length, 0.6 * new FileInfo(full).Length);
        var stored = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(half)).Graph.Initializer
            .Single(t => t.Name == "model.layers.0.mlp.up_proj.weight" || t.Name.EndsWith("h.0.mlp.c_fc.weight", StringComparison.Ordinal));
        Assert.Equal((int)global::Onnx.TensorProto.Types.DataType.Float16, stored.DataType);

        int[] tokens = Tokens(16, 7, config.VocabSize);
        var expected = EngineLogits(EngineModel.Load(model), tokens);
        using var decoder = new OnnxDecoder(half);
        var mask = new long[1, tokens.Length];
        var ids = new long[1, tokens.Length];
        for (int t = 0; t < tokens.Length; t++) (ids[0, t], mask[0, t]) = (tokens[t], 1);
        var logits = decoder.Run(ids, mask, decoder.EmptyPast(1)).Logits.Buffer.Span;
        float worst = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            float error = Math.Abs(expected[i] - logits[i]) / Math.Max(1, Math.Abs(expected[i]));
            worst = Math.Max(worst, error);
        }
        Assert.True(worst <= HalfTolerance, $"largest logit error {worst}");
        Assert.True(worst > 0, "float16 weights gave exactly the float32 logits: the weights were not rounded");

        var options = new SamplingOptions { Temperature = 0, MaxNewTokens = 16, StopAtEndOfText = false };
        int[] prompt = tokenizer.Encode("the cat").ToArray();
        var engine = EngineModel.Load(model);
        var greedy = TextGenerator.Generate(new SessionLogitsSource(engine.NewSession(1)), tokenizer, prompt, options);
        var halfGreedy = TextGenerator.Generate(new OnnxDecoder.LogitsSource(decoder, engine.NewSession(1).MaxPositions), tokenizer, prompt, options);
        Assert.Equal(greedy.Tokens, halfGreedy.Tokens);
        Assert.Equal(greedy.Text, halfGreedy.Text);
    }

    /// <summary>The rotary cos/sin tables stay float32: float16 angles would lose precision at far positions.</summary>
    private static long RotaryBytes(Core.Models.IModelConfig config)
    {
        var llama = (Core.Models.LlamaConfig)config;
        return 2L * llama.MaxPositionEmbeddings * llama.HeadDim * sizeof(float);
    }
}
