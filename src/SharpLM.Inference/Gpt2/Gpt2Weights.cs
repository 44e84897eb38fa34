using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;

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
    /// buffers some exports include (".attn.bias", ".attn.masked_bias") and a duplicated lm_head.weight are not read.
    /// </summary>
    public static Gpt2Weights Load(string directory)
    {
        string configPath = Path.Combine(directory, "config.json");
        var config = ModelConfigFile.Load(configPath) as Gpt2Config
            ?? throw new SharpLMException($"{configPath}: not a GPT-2 config (model_type must be \"gpt2\").");
        string path = Path.Combine(directory, "model.safetensors");
        Core.IO.InputFiles.RequireFile(path, "model weights");
        using var reader = new SafetensorsReader(path);
        string prefix = reader.Contains("transformer.wte.weight") || !reader.Contains("wte.weight") ? "transformer." : "";
        float[] Read(string name, params long[] shape)
        {
            var info = reader.GetInfo(prefix + name);
            if (!info.Shape.SequenceEqual(shape))
                throw new SharpLMException($"{path}: tensor '{prefix + name}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", shape)}].");
            return reader.ReadFloat32(prefix + name);
        }
        // A Conv1D weight is stored [in, out]; the kernel wants [out, in].
        float[] ReadConv1D(string name, long input, long output) => Transpose(Read(name, input, output), (int)input, (int)output);

        long d = config.Embedding, ff = config.InnerSize;
        var layers = new Gpt2LayerWeights[config.Layers];
        for (int i = 0; i < layers.Length; i++)
        {
            string p = $"h.{i}.";
            layers[i] = new Gpt2LayerWeights(
                Read(p + "ln_1.weight", d), Read(p + "ln_1.bias", d),
                ReadConv1D(p + "attn.c_attn.weight", d, 3 * d), Read(p + "attn.c_attn.bias", 3 * d),
                ReadConv1D(p + "attn.c_proj.weight", d, d), Read(p + "attn.c_proj.bias", d),
                Read(p + "ln_2.weight", d), Read(p + "ln_2.bias", d),
                ReadConv1D(p + "mlp.c_fc.weight", d, ff), Read(p + "mlp.c_fc.bias", ff),
                ReadConv1D(p + "mlp.c_proj.weight", ff, d), Read(p + "mlp.c_proj.bias", d));
        }
        return new Gpt2Weights(config, Read("wte.weight", config.VocabSize, d), Read("wpe.weight", config.Positions, d), layers,
            Read("ln_f.weight", d), Read("ln_f.bias", d));
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
