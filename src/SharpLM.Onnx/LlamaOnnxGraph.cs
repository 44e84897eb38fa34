using Onnx;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using static SharpLM.Onnx.OnnxGraphBuilder;

namespace SharpLM.Onnx;

/// <summary>
/// The forward pass of a dense Llama-family decoder (llama, qwen3) as an ONNX graph, following transformers'
/// LlamaForCausalLM as the C# engine does: RMSNorm, rotate-half RoPE from precomputed cos/sin tables, grouped-query
/// attention with a causal and padding mask, SwiGLU, tied or untied output. Matrices are stored transposed
/// ([in, out]) so each projection is one MatMul. Positions come from position_ids (for a left-padded batch, cumsum(mask) − 1 as
/// transformers computes them), so a padded row gives the same logits as the row alone.
/// </summary>
internal sealed class LlamaOnnxGraph
{
    private readonly OnnxGraphBuilder _g;
    private readonly DecoderGraphParts _parts;
    private readonly LlamaConfig _config;
    private readonly string _eps;

    private LlamaOnnxGraph(OnnxGraphBuilder builder, LlamaConfig config, ModelWeights weights)
    {
        (_g, _config, _parts) = (builder, config, new DecoderGraphParts(builder, weights));
        _eps = _g.Scalar((float)config.RmsNormEps);
    }

    public static void Build(OnnxGraphBuilder builder, LlamaConfig config, ModelWeights weights) => new LlamaOnnxGraph(builder, config, weights).Build();

    private void Build()
    {
        var c = _config;
        _parts.Inputs(c.NumHiddenLayers, c.NumKeyValueHeads, c.HeadDim);
        string embeddings = _parts.Stored(LlamaTensorNames.Embeddings);
        string x = _g.Node("Gather", [embeddings, OnnxExport.InputIds], Int("axis", 0));

        var (cos, sin) = RotaryTables();
        string positions = OnnxExport.PositionIds;
        // [batch, 1, sequence, head_dim]: broadcast over heads.
        string rotaryCos = _g.Node("Unsqueeze", [_g.Node("Gather", [cos, positions], Int("axis", 0)), _g.Int64s(1)]);
        string rotarySin = _g.Node("Unsqueeze", [_g.Node("Gather", [sin, positions], Int("axis", 0)), _g.Int64s(1)]);
        string maskBias = _parts.MaskBias();

        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            var n = LlamaTensorNames.Layer(i);
            string normed = _parts.RmsNorm(x, _parts.Stored(n.InputNorm), _eps);
            string attended = Attention(i, n, normed, rotaryCos, rotarySin, maskBias);
            x = _g.Node("Add", [x, attended]);
            normed = _parts.RmsNorm(x, _parts.Stored(n.PostAttentionNorm), _eps);
            string gate = _g.Node("MatMul", [normed, _parts.Transposed(n.Gate)]);
            string up = _g.Node("MatMul", [normed, _parts.Transposed(n.Up)]);
            string silu = _g.Node("Mul", [gate, _g.Node("Sigmoid", [gate])]);
            x = _g.Node("Add", [x, _g.Node("MatMul", [_g.Node("Mul", [silu, up]), _parts.Transposed(n.Down)])]);
        }

        string final = _parts.RmsNorm(x, _parts.Stored(LlamaTensorNames.FinalNorm), _eps);
        string head = c.TieWordEmbeddings
            ? _g.Node("Transpose", [embeddings], Ints("perm", 1, 0))
            : _parts.Transposed(LlamaTensorNames.OutputProjection);
        _parts.Output(_g.Node("MatMul", [final, head]), c.VocabSize);
    }

    private string Attention(int layer, LlamaLayerTensorNames n, string normed, string cos, string sin, string maskBias)
    {
        var c = _config;
        int heads = c.NumAttentionHeads, kvHeads = c.NumKeyValueHeads, headDim = c.HeadDim;
        string q = _parts.Heads(_g.Node("MatMul", [normed, _parts.Transposed(n.Query)]), heads, headDim);
        string k = _parts.Heads(_g.Node("MatMul", [normed, _parts.Transposed(n.Key)]), kvHeads, headDim);
        string v = _parts.Heads(_g.Node("MatMul", [normed, _parts.Transposed(n.Value)]), kvHeads, headDim);
        if (c.UsesQkNorm)
        {
            q = _parts.RmsNorm(q, _parts.Stored(n.QueryNorm), _eps);
            k = _parts.RmsNorm(k, _parts.Stored(n.KeyNorm), _eps);
        }
        q = Rotate(q, cos, sin);
        k = Rotate(k, cos, sin);
        var (keys, values) = _parts.Cache(layer, k, v, kvHeads, headDim); // cached after RoPE, as transformers does
        string context = _parts.Attend(q, RepeatKeyValueHeads(keys), RepeatKeyValueHeads(values), maskBias, heads, headDim);
        return _g.Node("MatMul", [context, _parts.Transposed(n.Output)]);
    }

    /// <summary>Grouped-query attention: key/value head j serves query heads j·r … j·r + r − 1, so each is repeated r times in place.</summary>
    private string RepeatKeyValueHeads(string kv)
    {
        int kvHeads = _config.NumKeyValueHeads, repeat = _config.NumAttentionHeads / kvHeads;
        if (repeat == 1) return kv;
        string grouped = _g.Node("Unsqueeze", [kv, _g.Int64s(2)]); // [batch, kv, 1, sequence, head_dim]
        string expanded = _g.Node("Expand", [grouped, _g.Int64s(1, 1, repeat, 1, 1)]);
        return _g.Node("Reshape", [expanded, _g.Int64s(0, _config.NumAttentionHeads, -1, _config.HeadDim)]);
    }

    /// <summary>Rotate-half RoPE: x·cos + rotate_half(x)·sin with rotate_half(x) = [−x₂, x₁].</summary>
    private string Rotate(string x, string cos, string sin)
    {
        int half = _config.HeadDim / 2;
        var parts = _g.Nodes("Split", [x, _g.Int64s(half, half)], 2, Int("axis", -1));
        string rotated = _g.Node("Concat", [_g.Node("Neg", [parts[1]]), parts[0]], Int("axis", -1));
        return _g.Node("Add", [_g.Node("Mul", [x, cos]), _g.Node("Mul", [rotated, sin])]);
    }

    /// <summary>cos and sin of position · theta^(−2j/head_dim) for every position, each half repeated ([positions, head_dim]), in double precision as the engine computes them.</summary>
    private (string Cos, string Sin) RotaryTables()
    {
        int positions = _config.MaxPositionEmbeddings, headDim = _config.HeadDim, half = headDim / 2;
        var cos = new float[positions * headDim];
        var sin = new float[positions * headDim];
        for (int p = 0; p < positions; p++)
            for (int j = 0; j < half; j++)
            {
                double angle = p * (1.0 / Math.Pow(_config.RopeTheta, 2.0 * j / headDim));
                cos[p * headDim + j] = cos[p * headDim + j + half] = (float)Math.Cos(angle);
                sin[p * headDim + j] = sin[p * headDim + j + half] = (float)Math.Sin(angle);
            }
        return (_g.Weight("rotary.cos", cos, positions, headDim), _g.Weight("rotary.sin", sin, positions, headDim));
    }
}
