using SharpLM.Core;
using SharpLM.Core.Models;
using SharpLM.Inference;

namespace SharpLM.Onnx.Tests;

/// <summary>Exported graphs run by ONNX Runtime against the C# engine's logits on the same weights.</summary>
public class OnnxExportTests
{
    private const float Tolerance = 1e-4f;

    internal static (string Model, string Onnx) Export(IModelConfig config, int seed)
    {
        string model = TinyModelFolder.Create(config, seed);
        string onnx = Path.Combine(model, "model.onnx");
        OnnxExport.Run(model, onnx);
        return (model, onnx);
    }

    internal static float[] EngineLogits(EngineModel engine, int[] tokens)
    {
        var logits = new float[tokens.Length * engine.Config.VocabSize];
        engine.NewSession(1).Forward(tokens, logits);
        return logits;
    }

    /// <summary>One prefill call (empty past) of the whole batch.</summary>
    private static float[] RunOnnx(string onnx, long[,] ids, long[,] mask)
    {
        int batch = ids.GetLength(0), length = ids.GetLength(1);
        using var decoder = new OnnxDecoder(onnx);
        var (logits, present) = decoder.Run(ids, mask, decoder.EmptyPast(batch));
        Assert.Equal([batch, length, logits.Dimensions[2]], logits.Dimensions.ToArray());
        Assert.All(present.Values, p => Assert.Equal(length, p.Dimensions[2]));
        return logits.ToArray();
    }

    internal static int[] Tokens(int count, int seed, int vocab)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => random.Next(vocab)).ToArray();
    }

    internal static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= Tolerance * Math.Max(1, Math.Abs(expected[i])), $"{what}, logit {i}: onnx {actual[i]} vs engine {expected[i]}");
    }

    [Theory]
    [InlineData(true, false, 2)]   // tied embeddings, grouped-query attention
    [InlineData(false, false, 4)]  // untied output head, one key/value head per query head
    [InlineData(true, true, 1)]    // qwen3 QK-norm, multi-query attention
    public void Logits_match_the_engine_for_a_batch_of_two_at_several_lengths(bool tied, bool qkNorm, int keyValueHeads)
    {
        var config = TinyModelFolder.Config(tied, qkNorm, keyValueHeads);
        var (model, onnx) = Export(config, seed: 11);
        var engine = EngineModel.Load(model);
        foreach (int length in new[] { 1, 5, 17, 48 })
        {
            int[][] rows = [Tokens(length, length, config.VocabSize), Tokens(length, 100 + length, config.VocabSize)];
            var ids = new long[2, length];
            var mask = new long[2, length];
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < length; t++) (ids[b, t], mask[b, t]) = (rows[b][t], 1);
            var actual = RunOnnx(onnx, ids, mask);
            int rowSize = length * config.VocabSize;
            for (int b = 0; b < 2; b++)
                AssertClose(EngineLogits(engine, rows[b]), actual.AsSpan(b * rowSize, rowSize), $"length {length}, row {b}");
        }
    }

    [Theory]
    [InlineData("gelu_new")]
    [InlineData("gelu")]
    public void Gpt2_logits_match_the_engine_for_a_batch_of_two(string activation)
    {
        var config = TinyModelFolder.Gpt2(activation);
        var (model, onnx) = Export(config, seed: 15);
        var engine = EngineModel.Load(model);
        foreach (int length in new[] { 1, 9, 40 })
        {
            int[][] rows = [Tokens(length, length, config.VocabSize), Tokens(length, 200 + length, config.VocabSize)];
            var ids = new long[2, length];
            var mask = new long[2, length];
            for (int b = 0; b < 2; b++)
                for (int t = 0; t < length; t++) (ids[b, t], mask[b, t]) = (rows[b][t], 1);
            var actual = RunOnnx(onnx, ids, mask);
            int rowSize = length * config.VocabSize;
            for (int b = 0; b < 2; b++)
                AssertClose(EngineLogits(engine, rows[b]), actual.AsSpan(b * rowSize, rowSize), $"{activation}, length {length}, row {b}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_left_padded_row_gives_the_logits_of_the_row_alone(bool gpt2)
    {
        IModelConfig config = gpt2 ? TinyModelFolder.Gpt2() : TinyModelFolder.Config();
        var (model, onnx) = Export(config, seed: 12);
        var engine = EngineModel.Load(model);
        int[] longRow = Tokens(12, 1, config.VocabSize), shortRow = Tokens(7, 2, config.VocabSize);
        int padding = longRow.Length - shortRow.Length;
        var ids = new long[2, longRow.Length];
        var mask = new long[2, longRow.Length];
        for (int t = 0; t < longRow.Length; t++)
        {
            (ids[0, t], mask[0, t]) = (longRow[t], 1);
            // Padding holds an arbitrary real token id: the mask alone must hide it.
            (ids[1, t], mask[1, t]) = t < padding ? (5, 0) : (shortRow[t - padding], 1);
        }
        var actual = RunOnnx(onnx, ids, mask);
        int vocab = config.VocabSize, rowSize = longRow.Length * vocab;
        AssertClose(EngineLogits(engine, longRow), actual.AsSpan(0, rowSize), "full row");
        AssertClose(EngineLogits(engine, shortRow), actual.AsSpan(rowSize + padding * vocab, shortRow.Length * vocab), "padded row");
    }

    [Fact]
    public void The_graph_uses_only_decomposed_standard_operators_at_opset_17()
    {
        var (_, onnx) = Export(TinyModelFolder.Config(), seed: 13);
        var model = global::Onnx.ModelProto.Parser.ParseFrom(File.ReadAllBytes(onnx));
        Assert.Equal(17, model.OpsetImport.Single(o => o.Domain == "").Version);
        Assert.Equal([OnnxExport.InputIds, OnnxExport.AttentionMask, OnnxExport.PositionIds, "past_key_values.0.key", "past_key_values.0.value",
            "past_key_values.1.key", "past_key_values.1.value"], model.Graph.Input.Select(i => i.Name));
        Assert.Equal([OnnxExport.Logits, "present.0.key", "present.0.value", "present.1.key", "present.1.value"], model.Graph.Output.Select(o => o.Name).Order(StringComparer.Ordinal));
        string[] allowed = ["Add", "Erf", "Tanh", "Cast", "Concat", "ConstantOfShape", "Div", "Expand", "Gather", "Identity", "MatMul", "Mul",
            "Neg", "ReduceMean", "Reshape", "Shape", "Sigmoid", "Softmax", "Split", "Sqrt", "Squeeze", "Sub", "Transpose", "Trilu", "Unsqueeze"];
        Assert.Empty(model.Graph.Node.Select(n => n.OpType).Distinct().Except(allowed));
        Assert.All(model.Graph.Node, n => Assert.Equal("", n.Domain));
        // Every weight of the folder is an initializer (the tied head reuses the embedding table).
        Assert.Contains(model.Graph.Initializer, t => t.Name == "model.layers.1.mlp.down_proj.weight" && t.Dims.SequenceEqual([48L, 32L]));
    }

    [Fact]
    public void A_mixture_of_experts_model_is_refused_in_one_sentence()
    {
        string model = TinyModelFolder.Create(TinyModelFolder.Config().WithExperts(4, 2), seed: 14);
        var error = Assert.Throws<SharpLMException>(() => OnnxExport.Run(model, Path.Combine(model, "model.onnx")));
        Assert.Contains("mixtral", error.Message);
        Assert.False(File.Exists(Path.Combine(model, "model.onnx")));
    }
}
