using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using static SharpLM.Onnx.OnnxGraphBuilder;

namespace SharpLM.Onnx;

/// <summary>
/// GPT-2's forward pass (transformers' GPT2LMHeadModel, as the C# engine runs it) as an ONNX graph: token plus learned
/// position embeddings, pre-LayerNorm blocks with the fused query/key/value projection, causal attention, GELU (tanh
/// approximation, or exact through Erf for "gelu"), biases on every projection, final LayerNorm and the head tied to
/// the token embeddings. GPT-2 stores its matrices as [in, out] (Conv1D), which is MatMul's layout already.
/// </summary>
internal sealed class Gpt2OnnxGraph
{
    private readonly OnnxGraphBuilder _g;
    private readonly DecoderGraphParts _parts;
    private readonly Gpt2Config _config;
    private readonly string _eps;

    private Gpt2OnnxGraph(OnnxGraphBuilder builder, Gpt2Config config, ModelWeights weights)
    {
        (_g, _config, _parts) = (builder, config, new DecoderGraphParts(builder, weights));
        _eps = _g.Scalar((float)config.LayerNormEpsilon);
    }

    public static void Build(OnnxGraphBuilder builder, Gpt2Config config, ModelWeights weights) => new Gpt2OnnxGraph(builder, config, weights).Build();

    private void Build()
    {
        var c = _config;
        int heads = c.Heads, headDim = c.Embedding / c.Heads;
        _parts.Inputs(c.Layers, heads, headDim);
        string tokens = _parts.Stored(Gpt2TensorNames.TokenEmbeddings);
        string positions = _g.Node("Gather", [_parts.Stored(Gpt2TensorNames.PositionEmbeddings), OnnxExport.PositionIds], Int("axis", 0));
        string x = _g.Node("Add", [_g.Node("Gather", [tokens, OnnxExport.InputIds], Int("axis", 0)), positions]);
        string maskBias = _parts.MaskBias();

        for (int i = 0; i < c.Layers; i++)
        {
            var n = Gpt2TensorNames.Layer(i);
            string normed = _parts.LayerNorm(x, _parts.Stored(n.AttentionNormGain), _parts.Stored(n.AttentionNormBias), _eps);
            string qkv = Affine(normed, n.QueryKeyValue, n.QueryKeyValueBias);
            var split = _g.Nodes("Split", [qkv, _g.Int64s(c.Embedding, c.Embedding, c.Embedding)], 3, Int("axis", -1));
            var (keys, values) = _parts.Cache(i, _parts.Heads(split[1], heads, headDim), _parts.Heads(split[2], heads, headDim), heads, headDim);
            string context = _parts.Attend(_parts.Heads(split[0], heads, headDim), keys, values, maskBias, heads, headDim);
            x = _g.Node("Add", [x, Affine(context, n.AttentionOutput, n.AttentionOutputBias)]);

            normed = _parts.LayerNorm(x, _parts.Stored(n.FeedForwardNormGain), _parts.Stored(n.FeedForwardNormBias), _eps);
            string hidden = Gelu(Affine(normed, n.FeedForwardUp, n.FeedForwardUpBias));
            x = _g.Node("Add", [x, Affine(hidden, n.FeedForwardDown, n.FeedForwardDownBias)]);
        }

        string final = _parts.LayerNorm(x, _parts.Stored(Gpt2TensorNames.FinalNormGain), _parts.Stored(Gpt2TensorNames.FinalNormBias), _eps);
        _parts.Output(_g.Node("MatMul", [final, _g.Node("Transpose", [tokens], Ints("perm", 1, 0))]), c.VocabSize);
    }

    private string Affine(string x, string weight, string bias) => _g.Node("Add", [_g.Node("MatMul", [x, _parts.Stored(weight)]), _parts.Stored(bias)]);

    /// <summary>0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))), or 0.5·x·(1 + erf(x/√2)) for activation_function "gelu".</summary>
    private string Gelu(string x)
    {
        string inner;
        if (_config.Activation == "gelu")
            inner = _g.Node("Erf", [_g.Node("Mul", [x, _g.Scalar(0.70710678118654752f)])]);
        else
        {
            string cube = _g.Node("Mul", [_g.Node("Mul", [x, x]), x]);
            string sum = _g.Node("Add", [x, _g.Node("Mul", [cube, _g.Scalar(0.044715f)])]);
            inner = _g.Node("Tanh", [_g.Node("Mul", [sum, _g.Scalar(0.7978845608028654f)])]);
        }
        return _g.Node("Mul", [_g.Node("Mul", [x, _g.Scalar(0.5f)]), _g.Node("Add", [inner, _g.Scalar(1f)])]);
    }
}
