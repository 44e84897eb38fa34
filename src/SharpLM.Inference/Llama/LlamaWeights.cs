using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>One SwiGLU feed-forward network: down(silu(gate(x)) · up(x)). A dense layer has one; a mixture-of-experts layer one per expert.</summary>
public sealed record LlamaFeedForward(WeightMatrix Gate, WeightMatrix Up, WeightMatrix Down)
{
    public IEnumerable<WeightMatrix> Matrices => [Gate, Up, Down];
}

/// <summary>
/// One decoder layer's weights, matrices row-major as in the checkpoint ([out, in]). A dense layer has one
/// feed-forward network and no router; a Mixtral layer has a router [experts, hidden] and one network per expert.
/// </summary>
public sealed record LlamaLayerWeights(
    float[] InputNorm, WeightMatrix Query, WeightMatrix Key, WeightMatrix Value, WeightMatrix Output,
    float[]? QueryNorm, float[]? KeyNorm, float[] PostAttentionNorm, LlamaFeedForward[] FeedForwards, WeightMatrix? Router = null)
{
    public IEnumerable<WeightMatrix> Matrices =>
        new[] { Query, Key, Value, Output }.Concat(FeedForwards.SelectMany(f => f.Matrices)).Concat(Router is null ? [] : [Router]);
}

/// <summary>
/// A Llama-family checkpoint (LlamaForCausalLM, Qwen3ForCausalLM with QK-norm, MixtralForCausalLM) with its
/// matrices in any <see cref="WeightFormat"/>. The output projection is the token embedding table when
/// embeddings are tied.
/// </summary>
public sealed class LlamaWeights
{
    public LlamaConfig Config { get; }
    public WeightMatrix Embeddings { get; }
    public LlamaLayerWeights[] Layers { get; }
    public float[] FinalNorm { get; }
    public WeightMatrix OutputProjection { get; }

    /// <summary>
    /// A prompt-tuning adapter's virtual token embeddings, row-major [N, hidden_size], which every new sequence
    /// starts with (<see cref="LlamaForwardPass.NewCache"/>); null without one. Set once, by the adapter loader.
    /// </summary>
    public float[]? VirtualTokens { get; internal set; }

    public LlamaWeights(LlamaConfig config, WeightMatrix embeddings, LlamaLayerWeights[] layers, float[] finalNorm, WeightMatrix output)
    {
        Config = config;
        Embeddings = embeddings;
        Layers = layers;
        FinalNorm = finalNorm;
        OutputProjection = output;
    }

    /// <summary>Random weights of a given shape (normal, std 0.02; norm gains 1): for speed measurements, where values do not matter.</summary>
    public static LlamaWeights Random(LlamaConfig config, int seed)
    {
        var random = new System.Random(seed);
        WeightMatrix Normal(long rows, long columns) => new F32Matrix(RandomWeights.Normal(random, rows * columns), (int)rows, (int)columns);
        float[] Ones(long count) => RandomWeights.Ones(count);
        long d = config.HiddenSize, q = (long)config.NumAttentionHeads * config.HeadDim, kv = (long)config.NumKeyValueHeads * config.HeadDim, ff = config.IntermediateSize;
        int experts = config.IsMixtureOfExperts ? config.NumLocalExperts!.Value : 1;
        var layers = Enumerable.Range(0, config.NumHiddenLayers).Select(_ => new LlamaLayerWeights(
            Ones(d), Normal(q, d), Normal(kv, d), Normal(kv, d), Normal(d, q),
            config.UsesQkNorm ? Ones(config.HeadDim) : null, config.UsesQkNorm ? Ones(config.HeadDim) : null,
            Ones(d), Enumerable.Range(0, experts).Select(_ => new LlamaFeedForward(Normal(ff, d), Normal(ff, d), Normal(d, ff))).ToArray(),
            config.IsMixtureOfExperts ? Normal(experts, d) : null)).ToArray();
        var embeddings = Normal(config.VocabSize, d);
        return new LlamaWeights(config, embeddings, layers, Ones(d), config.TieWordEmbeddings ? embeddings : Normal(config.VocabSize, d));
    }

    /// <summary>Bytes of weights one decoded token reads: every matrix once (for a mixture, only the experts a token uses), plus one embedding row.</summary>
    public long WeightBytesPerToken
    {
        get
        {
            long layers = 0;
            foreach (var layer in Layers)
            {
                long attention = new[] { layer.Query, layer.Key, layer.Value, layer.Output }.Sum(m => m.ByteCount);
                long expert = layer.FeedForwards[0].Matrices.Sum(m => m.ByteCount);
                int used = layer.Router is null ? 1 : Config.NumExpertsPerToken!.Value;
                layers += attention + expert * used + (layer.Router?.ByteCount ?? 0);
            }
            return layers + OutputProjection.ByteCount + Embeddings.ByteCount / Embeddings.Rows;
        }
    }

    /// <summary>Every distinct matrix with its checkpoint name (the embedding table once when tied).</summary>
    public IEnumerable<(string Name, WeightMatrix Matrix)> NamedMatrices()
    {
        yield return (LlamaTensorNames.Embeddings, Embeddings);
        for (int i = 0; i < Layers.Length; i++)
        {
            var l = Layers[i];
            var n = LlamaTensorNames.Layer(i);
            yield return (n.Query, l.Query);
            yield return (n.Key, l.Key);
            yield return (n.Value, l.Value);
            yield return (n.Output, l.Output);
            if (l.Router is null)
            {
                yield return (n.Gate, l.FeedForwards[0].Gate);
                yield return (n.Up, l.FeedForwards[0].Up);
                yield return (n.Down, l.FeedForwards[0].Down);
                continue;
            }
            yield return (n.Router, l.Router);
            for (int e = 0; e < l.FeedForwards.Length; e++)
            {
                yield return (n.ExpertGate(e), l.FeedForwards[e].Gate);
                yield return (n.ExpertUp(e), l.FeedForwards[e].Up);
                yield return (n.ExpertDown(e), l.FeedForwards[e].Down);
            }
        }
        if (!Config.TieWordEmbeddings) yield return (LlamaTensorNames.OutputProjection, OutputProjection);
    }

    /// <summary>Every norm gain vector with its checkpoint name.</summary>
    public IEnumerable<(string Name, float[] Values)> NamedNorms()
    {
        for (int i = 0; i < Layers.Length; i++)
        {
            var n = LlamaTensorNames.Layer(i);
            yield return (n.InputNorm, Layers[i].InputNorm);
            yield return (n.PostAttentionNorm, Layers[i].PostAttentionNorm);
            if (Layers[i].QueryNorm is { } qn) yield return (n.QueryNorm, qn);
            if (Layers[i].KeyNorm is { } kn) yield return (n.KeyNorm, kn);
        }
        yield return (LlamaTensorNames.FinalNorm, FinalNorm);
    }

    /// <summary>
    /// These weights with every matrix stored in <paramref name="format"/>, except the embedding table and output
    /// projection, which take <paramref name="tableFormat"/> (default: the same). The router stays float32: it is
    /// tiny and its choice is discrete, so small errors there change which experts run.
    /// </summary>
    public LlamaWeights Convert(WeightFormat format, WeightFormat? tableFormat = null)
    {
        var cache = new Dictionary<WeightMatrix, WeightMatrix>(ReferenceEqualityComparer.Instance);
        WeightMatrix To(WeightMatrix m, WeightFormat f)
        {
            if (!cache.TryGetValue(m, out var converted))
                cache[m] = converted = m.ConvertTo(WeightMatrix.Supports(f, m.Columns) ? f : WeightFormat.F32);
            return converted;
        }
        var table = tableFormat ?? format;
        var layers = Layers.Select(l => l with
        {
            Query = To(l.Query, format), Key = To(l.Key, format), Value = To(l.Value, format), Output = To(l.Output, format),
            FeedForwards = l.FeedForwards.Select(f => new LlamaFeedForward(To(f.Gate, format), To(f.Up, format), To(f.Down, format))).ToArray(),
        }).ToArray();
        return new LlamaWeights(Config, To(Embeddings, table), layers, FinalNorm, To(OutputProjection, table));
    }

    /// <summary>The embedding/output format a quantized model uses: 4-bit tables cost the most quality for the least saving, so Q4 keeps them in Q8_0 (as llama.cpp keeps its output layer at higher precision).</summary>
    public static WeightFormat TableFormatFor(WeightFormat format) => format == WeightFormat.Q4 ? WeightFormat.Q8_0 : format;

    /// <summary>Reads config.json and model.safetensors from a Hugging Face model folder (float or quantized, see <see cref="StoredMatrixLayout"/>).</summary>
    public static LlamaWeights Load(string directory) => Load(ModelFolder.Open(directory));

    /// <summary>Reads a Llama-family folder's weights, checked whole against its config.json first (<see cref="ModelWeights"/>).</summary>
    public static LlamaWeights Load(ModelFolder folder)
    {
        var config = folder.RequireFamily<LlamaConfig>("the inference engine's Llama loader", "Llama-family models (llama, qwen3, mixtral)");
        using var weights = folder.OpenWeights();
        WeightMatrix Matrix(string name) => WeightTensors.Read(weights, name);
        var layers = new LlamaLayerWeights[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++)
        {
            var n = LlamaTensorNames.Layer(i);
            LlamaFeedForward[] feedForwards;
            WeightMatrix? router = null;
            if (config.IsMixtureOfExperts)
            {
                router = Matrix(n.Router);
                feedForwards = Enumerable.Range(0, config.NumLocalExperts!.Value)
                    .Select(e => new LlamaFeedForward(Matrix(n.ExpertGate(e)), Matrix(n.ExpertUp(e)), Matrix(n.ExpertDown(e)))).ToArray();
            }
            else
                feedForwards = [new LlamaFeedForward(Matrix(n.Gate), Matrix(n.Up), Matrix(n.Down))];
            layers[i] = new LlamaLayerWeights(
                weights.ReadFloat32(n.InputNorm), Matrix(n.Query), Matrix(n.Key), Matrix(n.Value), Matrix(n.Output),
                config.UsesQkNorm ? weights.ReadFloat32(n.QueryNorm) : null,
                config.UsesQkNorm ? weights.ReadFloat32(n.KeyNorm) : null,
                weights.ReadFloat32(n.PostAttentionNorm), feedForwards, router);
        }
        var embeddings = Matrix(LlamaTensorNames.Embeddings);
        var output = config.TieWordEmbeddings ? embeddings : Matrix(LlamaTensorNames.OutputProjection);
        return new LlamaWeights(config, embeddings, layers, weights.ReadFloat32(LlamaTensorNames.FinalNorm), output);
    }

    /// <summary>
    /// The same model cut to its first <paramref name="layers"/> decoder layers, sharing the arrays (no copy):
    /// the final norm and output projection then read an earlier layer's hidden state. A cheap draft model for
    /// speculative decoding when no smaller model was trained, since it agrees with the full model where the
    /// later layers change little.
    /// </summary>
    public LlamaWeights FirstLayers(int layers)
    {
        if (layers < 1 || layers > Layers.Length)
            throw new SharpLMException($"a model of {Layers.Length} layers cannot be cut to {layers} (1 to {Layers.Length}).");
        return new LlamaWeights(Config with { NumHiddenLayers = layers }, Embeddings, Layers[..layers], FinalNorm, OutputProjection);
    }
}
