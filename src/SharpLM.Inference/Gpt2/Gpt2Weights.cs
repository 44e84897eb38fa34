using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Inference.Gpt2;

/// <summary>
/// One GPT-2 block's float32 weights. Every matrix is row-major [out, in], the layout the matrix-vector kernel
/// reads; vectors are gains and biases. The fused query/key/value projection keeps its fused form: rows
/// 0..d are the query, d..2d the key, 2d..3d the value.
/// </summary>
public sealed record Gpt2LayerWeights(
    float[] AttentionNormGain, float[] AttentionNormBias,
    float[] QueryKeyValue, float[] QueryKeyValueBias,
    float[] AttentionOutput, float[] AttentionOutputBias,
    float[] FeedForwardNormGain, float[] FeedForwardNormBias,
    float[] FeedForwardUp, float[] FeedForwardUpBias,
    float[] FeedForwardDown, float[] FeedForwardDownBias);

/// <summary>
/// A GPT-2 checkpoint (GPT2LMHeadModel) read into float32 arrays. Hugging Face stores GPT-2's projections as
/// Conv1D weights, [in, out]; they are transposed once here so that decoding reads each row contiguously.
/// The output projection is the token embedding table (GPT-2 always ties them).
/// </summary>
public sealed class Gpt2Weights
{
    public Gpt2Config Config { get; }

    /// <summary>wte: [vocab, d]; also the output projection.</summary>
    public float[] TokenEmbeddings { get; }

    /// <summary>wpe: [n_positions, d], added to the token embedding at each position.</summary>
    public float[] PositionEmbeddings { get; }

    public Gpt2LayerWeights[] Layers { get; }
    public float[] FinalNormGain { get; }
    public float[] FinalNormBias { get; }

    private Gpt2Weights(Gpt2Config config, float[] tokenEmbeddings, float[] positionEmbeddings, Gpt2LayerWeights[] layers, float[] finalGain, float[] finalBias)
    {
        Config = config;
        TokenEmbeddings = tokenEmbeddings;
        PositionEmbeddings = positionEmbeddings;
        Layers = layers;
        FinalNormGain = finalGain;
        FinalNormBias = finalBias;
    }

    /// <summary>Bytes of weights one decoded token reads: every matrix once (output projection included), plus one row of each embedding table.</summary>
    public long WeightBytesPerToken
    {
        get
        {
            long perLayer = Layers.Length == 0 ? 0 : (long)Layers[0].QueryKeyValue.Length + Layers[0].AttentionOutput.Length
                + Layers[0].FeedForwardUp.Length + Layers[0].FeedForwardDown.Length;
            return 4 * (perLayer * Layers.Length + TokenEmbeddings.Length + 2L * Config.Embedding);
        }
    }

    /// <summary>
    /// Random weights of a given shape (normal, std 0.02; norm gains 1, biases 0): for speed measurements, where
    /// values do not matter.
    /// </summary>
    public static Gpt2Weights Random(Gpt2Config config, int seed)
    {
        config.Validate("config");
        var random = new System.Random(seed);
        float[] Normal(long count) => RandomWeights.Normal(random, count);
        float[] Ones(long count) => RandomWeights.Ones(count);
        float[] Zeros(long count) => new float[count];
        long d = config.Embedding, ff = config.InnerSize;
        var layers = Enumerable.Range(0, config.Layers).Select(_ => new Gpt2LayerWeights(
            Ones(d), Zeros(d), Normal(3 * d * d), Zeros(3 * d), Normal(d * d), Zeros(d),
            Ones(d), Zeros(d), Normal(ff * d), Zeros(ff), Normal(d * ff), Zeros(d))).ToArray();
        return new Gpt2Weights(config, Normal(config.VocabSize * d), Normal(config.Positions * d), layers, Ones(d), Zeros(d));
    }

    /// <summary>
    /// Reads config.json and model.safetensors from a Hugging Face model folder. Tensor names may carry
    /// transformers' "transformer." prefix or not (the original GPT-2 exports have none); the attention-mask
    /// buffers some exports include and a duplicated lm_head.weight are not read (<see cref="Gpt2TensorNames"/>).
    /// </summary>
    public static Gpt2Weights Load(string directory) => Load(ModelFolder.Open(directory));

    public static Gpt2Weights Load(ModelFolder folder)
    {
        var config = folder.RequireFamily<Gpt2Config>("the inference engine's GPT-2 loader", "GPT-2 models (model_type \"gpt2\")");
        using var weights = folder.OpenWeights();
        float[] Read(string name) => weights.ReadFloat32(name);
        // A Conv1D weight is stored [in, out]; the kernel wants [out, in].
        float[] ReadConv1D(string name)
        {
            var (rows, columns) = weights.Table[name].MatrixShape;
            return Transpose(Read(name), columns, rows);
        }
        var layers = new Gpt2LayerWeights[config.Layers];
        for (int i = 0; i < layers.Length; i++)
        {
            var n = Gpt2TensorNames.Layer(i);
            layers[i] = new Gpt2LayerWeights(
                Read(n.AttentionNormGain), Read(n.AttentionNormBias),
                ReadConv1D(n.QueryKeyValue), Read(n.QueryKeyValueBias),
                ReadConv1D(n.AttentionOutput), Read(n.AttentionOutputBias),
                Read(n.FeedForwardNormGain), Read(n.FeedForwardNormBias),
                ReadConv1D(n.FeedForwardUp), Read(n.FeedForwardUpBias),
                ReadConv1D(n.FeedForwardDown), Read(n.FeedForwardDownBias));
        }
        return new Gpt2Weights(config, Read(Gpt2TensorNames.TokenEmbeddings), Read(Gpt2TensorNames.PositionEmbeddings), layers,
            Read(Gpt2TensorNames.FinalNormGain), Read(Gpt2TensorNames.FinalNormBias));
    }

    /// <summary>[rows, columns] → [columns, rows], in tiles so both sides stay in cache for the large matrices.</summary>
    private static float[] Transpose(float[] source, int rows, int columns)
    {
        const int Tile = 32;
        var result = new float[source.Length];
        for (int r0 = 0; r0 < rows; r0 += Tile)
            for (int c0 = 0; c0 < columns; c0 += Tile)
            {
                int rEnd = Math.Min(r0 + Tile, rows), cEnd = Math.Min(c0 + Tile, columns);
                for (int r = r0; r < rEnd; r++)
                    for (int c = c0; c < cEnd; c++)
                        result[(long)c * rows + r] = source[(long)r * columns + c];
            }
        return result;
    }
}
