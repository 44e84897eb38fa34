using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace SharpLM.Onnx;

/// <summary>
/// Builds one ONNX graph node by node: every node gets a unique output name from a counter, constants and weights
/// become initializers. Only the standard operator set (domain "") is used, so any ONNX runtime can run the result.
/// </summary>
internal sealed class OnnxGraphBuilder
{
    private readonly GraphProto _graph = new();
    private int _counter;

    private readonly bool _halfWeights;

    /// <param name="halfWeights">Store the model's weights as float16 initializers, each cast to float32 where it is used.</param>
    public OnnxGraphBuilder(string name, bool halfWeights = false) => (_graph.Name, _halfWeights) = (name, halfWeights);

    public GraphProto Graph => _graph;

    /// <summary>Bytes of weights and constants held so far (protobuf messages are limited to 2 GiB).</summary>
    public long InitializerBytes { get; private set; }

    /// <summary>A node with one output; returns the output's name.</summary>
    public string Node(string op, IEnumerable<string> inputs, params AttributeProto[] attributes) => Nodes(op, inputs, 1, attributes)[0];

    public string[] Nodes(string op, IEnumerable<string> inputs, int outputs, params AttributeProto[] attributes)
    {
        int id = _counter++;
        var node = new NodeProto { OpType = op, Name = $"{op}_{id}" };
        node.Input.AddRange(inputs);
        var names = Enumerable.Range(0, outputs).Select(i => outputs == 1 ? $"{op}_{id}" : $"{op}_{id}_{i}").ToArray();
        node.Output.AddRange(names);
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return names;
    }

    /// <summary>A float initializer of the given shape (row-major).</summary>
    public string Weight(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values)) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        InitializerBytes += values.Length * sizeof(float);
        return name;
    }

    /// <summary>
    /// A weight of the model: a float32 initializer, or with half weights a float16 one and a Cast to float32, so the
    /// arithmetic stays float32 (ONNX Runtime's CPU provider has few float16 kernels) while the file holds half the bytes.
    /// </summary>
    public string ModelWeight(string name, ReadOnlySpan<float> values, params long[] dims)
    {
        if (!_halfWeights) return Weight(name, values, dims);
        var half = new Half[values.Length];
        for (int i = 0; i < values.Length; i++) half[i] = (Half)values[i];
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float16, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(half.AsSpan())) };
        tensor.Dims.AddRange(dims);
        _graph.Initializer.Add(tensor);
        InitializerBytes += values.Length * 2;
        return Node("Cast", [name], Int("to", (long)TensorProto.Types.DataType.Float));
    }

    /// <summary>An int64 constant (shapes, axes, split sizes) as an initializer.</summary>
    public string Int64s(params long[] values)
    {
        string name = $"const_{_counter++}";
        var tensor = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(values.AsSpan())) };
        tensor.Dims.Add(values.Length);
        _graph.Initializer.Add(tensor);
        return name;
    }

    /// <summary>A float scalar constant.</summary>
    public string Scalar(float value)
    {
        string name = $"const_{_counter++}";
        _graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(BitConverter.GetBytes(value)) });
        return name;
    }

    public void Input(string name, TensorProto.Types.DataType type, params string[] dims) => _graph.Input.Add(Value(name, type, dims));

    public void Output(string name, TensorProto.Types.DataType type, params string[] dims) => _graph.Output.Add(Value(name, type, dims));

    /// <summary>Renames a node output to a graph output name (an Identity node keeps the graph simple to read).</summary>
    public void Name(string value, string name) => _graph.Node.Add(new NodeProto { OpType = "Identity", Name = name, Input = { value }, Output = { name } });

    /// <summary>A tensor type whose dimensions are named (symbolic, like "batch") or fixed (digits).</summary>
    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, string[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (string dim in dims)
            shape.Dim.Add(long.TryParse(dim, out long size) ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = dim });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    public static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    public static AttributeProto Tensor(string name, TensorProto value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = value };
}
