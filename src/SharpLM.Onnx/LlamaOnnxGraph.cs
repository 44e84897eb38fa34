using Onnx;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using static SharpLM.Onnx.OnnxGraphBuilder;

namespace SharpLM.Onnx;

/// <summary>
/// The forward pass of a dense Llama-family decoder (llama, qwen3) as an ONNX graph, following transformers'
/// LlamaForCausalLM as the C# engine does: RMSNorm, rotate-half RoPE from precomputed cos/sin tables, grouped-query
/// attention with a causal and padding mask, SwiGLU, tied or untied output. Matrices are stored transposed
/// ([in, out]) so each projection is one MatMul. Positions are counted over the attention mask (cumsum − 1, as
/// transformers does for left-padded batches), so a padded row gives the same logits as the row alone.
/// </summary>
internal sealed class LlamaOnnxGraph
{
    /// <summary>Added to the scores of masked keys: large enough that softmax gives them zero, finite so a row with every key masked stays finite.</summary>
    private const float MaskedScore = -1e9f;

    private readonly OnnxGraphBuilder _g;
    private readonly LlamaConfig _config;
    private readonly ModelWeights _weights;
    private readonly string _eps;

    private LlamaOnnxGraph(OnnxGraphBuilder builder, LlamaConfig config, ModelWeights weights)
    {
        (_g, _config, _weights) = (builder, config, weights);
        _eps = _g.Scalar((float)config.RmsNormEps);
    }

    public static void Build(OnnxGraphBuilder builder, LlamaConfig config, ModelWeights weights) => new LlamaOnnxGraph(builder, config, weights).Build();

    private void Build()
    {
        var c = _config;
        _g.Input(OnnxExport.InputIds, TensorProto.Types.DataType.Int64, "batch", "sequence");
        _g.Input(OnnxExport.AttentionMask, TensorProto.Types.DataType.Int64, "batch", "sequence");

        string embeddings = _g.Weight(LlamaTensorNames.Embeddings, Read(LlamaTensorNames.Embeddings), c.VocabSize, c.HiddenSize);
        string x = _g.Node("Gather", [embeddings, OnnxExport.InputIds], Int("axis", 0));

        var (cos, sin) = RotaryTables();
        string positions = Positions();
        // [batch, 1, sequence, head_dim]: broadcast over heads.
        string rotaryCos = _g.Node("Unsqueeze", [_g.Node("Gather", [cos, positions], Int("axis", 0)), _g.Int64s(1)]);
        string rotarySin = _g.Node("Unsqueeze", [_g.Node("Gather", [sin, positions], Int("axis", 0)), _g.Int64s(1)]);
        string maskBias = MaskBias();

        for (int i = 0; i < c.NumHiddenLayers; i++)
        {
            var n = LlamaTensorNames.Layer(i);
            string normed = RmsNorm(x, Vector(n.InputNorm));
            string attended = Attention(n, normed, rotaryCos, rotarySin, maskBias);
            x = _g.Node("Add", [x, attended]);
            normed = RmsNorm(x, Vector(n.PostAttentionNorm));
            string gate = _g.Node("MatMul", [normed, Matrix(n.Gate)]);
            string up = _g.Node("MatMul", [normed, Matrix(n.Up)]);
            string silu = _g.Node("Mul", [gate, _g.Node("Sigmoid", [gate])]);
            x = _g.Node("Add", [x, _g.Node("MatMul", [_g.Node("Mul", [silu, up]), Matrix(n.Down)])]);
        }

        string final = RmsNorm(x, Vector(LlamaTensorNames.FinalNorm));
        string head = c.TieWordEmbeddings
            ? _g.Node("Transpose", [embeddings], Ints("perm", 1, 0))
            : Matrix(LlamaTensorNames.OutputProjection);
        _g.Name(_g.Node("MatMul", [final, head]), OnnxExport.Logits);
        _g.Output(OnnxExport.Logits, TensorProto.Types.DataType.Float, "batch", "sequence", c.VocabSize.ToString());
    }

    private string Attention(LlamaLayerTensorNames n, string normed, string cos, string sin, string maskBias)
    {
        var c = _config;
        int heads = c.NumAttentionHeads, kvHeads = c.NumKeyValueHeads, headDim = c.HeadDim;
        string q = Heads(_g.Node("MatMul", [normed, Matrix(n.Query)]), heads);
        string k = Heads(_g.Node("MatMul", [normed, Matrix(n.Key)]), kvHeads);
        string v = Heads(_g.Node("MatMul", [normed, Matrix(n.Value)]), kvHeads);
        if (c.UsesQkNorm)
        {
            q = RmsNorm(q, Vector(n.QueryNorm));
            k = RmsNorm(k, Vector(n.KeyNorm));
        }
        q = Rotate(q, cos, sin);
        k = Rotate(k, cos, sin);
        k = RepeatKeyValueHeads(k);
        v = RepeatKeyValueHeads(v);

        string scores = _g.Node("MatMul", [q, _g.Node("Transpose", [k], Ints("perm", 0, 1, 3, 2))]);
        scores = _g.Node("Mul", [scores, _g.Scalar(1f / MathF.Sqrt(headDim))]);
        string probabilities = _g.Node("Softmax", [_g.Node("Add", [scores, maskBias])], Int("axis", -1));
        string context = _g.Node("Transpose", [_g.Node("MatMul", [probabilities, v])], Ints("perm", 0, 2, 1, 3));
        context = _g.Node("Reshape", [context, _g.Int64s(0, 0, (long)heads * headDim)]);
        return _g.Node("MatMul", [context, Matrix(n.Output)]);
    }

    /// <summary>[batch, sequence, heads·head_dim] → [batch, heads, sequence, head_dim].</summary>
    private string Heads(string projected, int heads) =>
        _g.Node("Transpose", [_g.Node("Reshape", [projected, _g.Int64s(0, 0, heads, _config.HeadDim)])], Ints("perm", 0, 2, 1, 3));

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

    /// <summary>x / sqrt(mean(x²) + eps) · gain over the last axis.</summary>
    private string RmsNorm(string x, string gain)
    {
        string meanSquare = _g.Node("ReduceMean", [_g.Node("Mul", [x, x])], Ints("axes", -1), Int("keepdims", 1));
        string normalised = _g.Node("Div", [x, _g.Node("Sqrt", [_g.Node("Add", [meanSquare, _eps])])]);
        return _g.Node("Mul", [normalised, gain]);
    }

    /// <summary>Position of each token: the number of unmasked tokens before it in its row (0 for padding before the first).</summary>
    private string Positions()
    {
        string counted = _g.Node("CumSum", [OnnxExport.AttentionMask, _g.Int64s(1)]);
        string zeroBased = _g.Node("Sub", [counted, _g.Int64s(1)]);
        return _g.Node("Max", [zeroBased, _g.Int64s(0)]);
    }

    /// <summary>[batch, 1, sequence, sequence]: 0 where a query may see a key (key not after it and not padding), <see cref="MaskedScore"/> elsewhere.</summary>
    private string MaskBias()
    {
        string shape = _g.Node("Shape", [OnnxExport.InputIds]);
        string length = _g.Node("Gather", [shape, _g.Int64s(1)], Int("axis", 0));
        string square = _g.Node("Concat", [length, length], Int("axis", 0));
        string ones = _g.Node("ConstantOfShape", [square], Tensor("value", new TensorProto
        {
            DataType = (int)TensorProto.Types.DataType.Float, Dims = { 1 }, FloatData = { 1f },
        }));
        string causal = _g.Node("Trilu", [ones], Int("upper", 0));
        string keys = _g.Node("Cast", [OnnxExport.AttentionMask], Int("to", (long)TensorProto.Types.DataType.Float));
        keys = _g.Node("Unsqueeze", [keys, _g.Int64s(1, 2)]); // [batch, 1, 1, sequence]
        string allowed = _g.Node("Mul", [causal, keys]);
        return _g.Node("Mul", [_g.Node("Sub", [allowed, _g.Scalar(1f)]), _g.Scalar(-MaskedScore)]);
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

    private float[] Read(string name) => _weights.ReadFloat32(name);

    private string Vector(string name)
    {
        var values = Read(name);
        return _g.Weight(name, values, values.Length);
    }

    /// <summary>A stored [out, in] matrix as an [in, out] initializer, so that x · W is one MatMul.</summary>
    private string Matrix(string name)
    {
        var shape = _weights.Info(name).Shape;
        int rows = (int)shape[0], columns = (int)shape[1];
        var stored = Read(name);
        var transposed = new float[stored.Length];
        for (int r = 0; r < rows; r++)
            for (int col = 0; col < columns; col++)
                transposed[col * rows + r] = stored[r * columns + col];
        return _g.Weight(name, transposed, columns, rows);
    }
}
