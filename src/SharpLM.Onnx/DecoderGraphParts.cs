using Onnx;
using SharpLM.Core.Models.Folder;
using static SharpLM.Onnx.OnnxGraphBuilder;

namespace SharpLM.Onnx;

/// <summary>
/// The pieces every decoder graph shares: the inputs, the key/value cache, the attention mask, multi-head causal
/// attention, normalisations, and weights read from the model folder.
/// </summary>
internal sealed class DecoderGraphParts(OnnxGraphBuilder g, ModelWeights weights)
{
    /// <summary>Added to the scores of masked keys: large enough that softmax gives them zero, finite so a row with every key masked stays finite.</summary>
    private const float MaskedScore = -1e9f;

    public OnnxGraphBuilder Graph => g;

    /// <summary>
    /// Declares input_ids and position_ids ([batch, sequence], int64), attention_mask over the past and the new tokens
    /// ([batch, total_sequence], int64), and each layer's past keys and values ([batch, kv_heads, past_sequence, head_dim]).
    /// </summary>
    public void Inputs(int layers, int keyValueHeads, int headDim)
    {
        g.Input(OnnxExport.InputIds, TensorProto.Types.DataType.Int64, "batch", "sequence");
        g.Input(OnnxExport.AttentionMask, TensorProto.Types.DataType.Int64, "batch", "total_sequence");
        g.Input(OnnxExport.PositionIds, TensorProto.Types.DataType.Int64, "batch", "sequence");
        for (int i = 0; i < layers; i++)
            foreach (string name in new[] { OnnxExport.PastKey(i), OnnxExport.PastValue(i) })
                g.Input(name, TensorProto.Types.DataType.Float, "batch", keyValueHeads.ToString(), "past_sequence", headDim.ToString());
    }

    /// <summary>Names <paramref name="logits"/> the graph's output ([batch, sequence, vocab], float32).</summary>
    public void Output(string logits, int vocabulary)
    {
        g.Name(logits, OnnxExport.Logits);
        g.Output(OnnxExport.Logits, TensorProto.Types.DataType.Float, "batch", "sequence", vocabulary.ToString());
    }

    /// <summary>
    /// Appends the new tokens' keys and values ([batch, kv_heads, sequence, head_dim]) to the layer's past ones and
    /// makes the results the layer's present outputs; returns them for attention over every position so far.
    /// </summary>
    public (string Keys, string Values) Cache(int layer, string keys, string values, int keyValueHeads, int headDim)
    {
        string allKeys = g.Node("Concat", [OnnxExport.PastKey(layer), keys], Int("axis", 2));
        string allValues = g.Node("Concat", [OnnxExport.PastValue(layer), values], Int("axis", 2));
        foreach (var (value, name) in new[] { (allKeys, OnnxExport.PresentKey(layer)), (allValues, OnnxExport.PresentValue(layer)) })
        {
            g.Name(value, name);
            g.Output(name, TensorProto.Types.DataType.Float, "batch", keyValueHeads.ToString(), "total_sequence", headDim.ToString());
        }
        return (allKeys, allValues);
    }

    /// <summary>
    /// [batch, 1, sequence, total_sequence]: 0 where a query may see a key (key not after the query's place, which is
    /// past_sequence + its index, and not padding), <see cref="MaskedScore"/> elsewhere.
    /// </summary>
    public string MaskBias()
    {
        string newLength = g.Node("Gather", [g.Node("Shape", [OnnxExport.InputIds]), g.Int64s(1)], Int("axis", 0));
        string totalLength = g.Node("Gather", [g.Node("Shape", [OnnxExport.AttentionMask]), g.Int64s(1)], Int("axis", 0));
        string pastLength = g.Node("Squeeze", [g.Node("Sub", [totalLength, newLength]), g.Int64s(0)]); // Trilu's k is a 0-D tensor
        string ones = g.Node("ConstantOfShape", [g.Node("Concat", [newLength, totalLength], Int("axis", 0))], Tensor("value", new TensorProto
        {
            DataType = (int)TensorProto.Types.DataType.Float, Dims = { 1 }, FloatData = { 1f },
        }));
        string causal = g.Node("Trilu", [ones, pastLength], Int("upper", 0));
        string keys = g.Node("Cast", [OnnxExport.AttentionMask], Int("to", (long)TensorProto.Types.DataType.Float));
        keys = g.Node("Unsqueeze", [keys, g.Int64s(1, 2)]); // [batch, 1, 1, total_sequence]
        string allowed = g.Node("Mul", [causal, keys]);
        return g.Node("Mul", [g.Node("Sub", [allowed, g.Scalar(1f)]), g.Scalar(-MaskedScore)]);
    }

    /// <summary>[batch, sequence, heads·head_dim] → [batch, heads, sequence, head_dim].</summary>
    public string Heads(string projected, int heads, int headDim) =>
        g.Node("Transpose", [g.Node("Reshape", [projected, g.Int64s(0, 0, heads, headDim)])], Ints("perm", 0, 2, 1, 3));

    /// <summary>softmax(q·kᵀ/√head_dim + mask)·v, queries [batch, heads, sequence, head_dim] over keys and values [batch, heads, total_sequence, head_dim], back to [batch, sequence, heads·head_dim].</summary>
    public string Attend(string q, string k, string v, string maskBias, int heads, int headDim)
    {
        string scores = g.Node("MatMul", [q, g.Node("Transpose", [k], Ints("perm", 0, 1, 3, 2))]);
        scores = g.Node("Mul", [scores, g.Scalar(1f / MathF.Sqrt(headDim))]);
        string probabilities = g.Node("Softmax", [g.Node("Add", [scores, maskBias])], Int("axis", -1));
        string context = g.Node("Transpose", [g.Node("MatMul", [probabilities, v])], Ints("perm", 0, 2, 1, 3));
        return g.Node("Reshape", [context, g.Int64s(0, 0, (long)heads * headDim)]);
    }

    /// <summary>x / sqrt(mean(x²) + eps) · gain over the last axis.</summary>
    public string RmsNorm(string x, string gain, string eps)
    {
        string meanSquare = g.Node("ReduceMean", [g.Node("Mul", [x, x])], Ints("axes", -1), Int("keepdims", 1));
        string normalised = g.Node("Div", [x, g.Node("Sqrt", [g.Node("Add", [meanSquare, eps])])]);
        return g.Node("Mul", [normalised, gain]);
    }

    /// <summary>(x − mean) / sqrt(biased variance + eps) · gain + bias over the last axis.</summary>
    public string LayerNorm(string x, string gain, string bias, string eps)
    {
        string centred = g.Node("Sub", [x, g.Node("ReduceMean", [x], Ints("axes", -1), Int("keepdims", 1))]);
        string variance = g.Node("ReduceMean", [g.Node("Mul", [centred, centred])], Ints("axes", -1), Int("keepdims", 1));
        string normalised = g.Node("Div", [centred, g.Node("Sqrt", [g.Node("Add", [variance, eps])])]);
        return g.Node("Add", [g.Node("Mul", [normalised, gain]), bias]);
    }

    /// <summary>A tensor of the folder as an initializer of its stored shape.</summary>
    public string Stored(string name) => g.ModelWeight(name, weights.ReadFloat32(name), weights.Info(name).Shape);

    /// <summary>A stored [out, in] matrix as an [in, out] initializer, so that x · W is one MatMul.</summary>
    public string Transposed(string name)
    {
        var shape = weights.Info(name).Shape;
        int rows = (int)shape[0], columns = (int)shape[1];
        var stored = weights.ReadFloat32(name);
        var transposed = new float[stored.Length];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                transposed[c * rows + r] = stored[r * columns + c];
        return g.ModelWeight(name, transposed, columns, rows);
    }
}
