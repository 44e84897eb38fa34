namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// A tensor to write: name, shape in PyTorch order (outermost first; the writer reverses it into ggml's
/// order), element type, and a function producing its encoded bytes. The bytes are produced only when the
/// writer reaches the tensor, so a large model is converted one tensor at a time.
/// </summary>
public sealed class GgufTensor
{
    private readonly Func<ReadOnlyMemory<byte>> _data;

    public string Name { get; }
    public long[] Shape { get; }
    public GgufTensorType Type { get; }
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => Type.ByteCount(ElementCount);

    public GgufTensor(string name, long[] shape, GgufTensorType type, Func<ReadOnlyMemory<byte>> data)
    {
        Name = name;
        Shape = shape;
        Type = type;
        _data = data;
    }

    /// <summary>A tensor whose float32 values are encoded as <paramref name="type"/> when written.</summary>
    public static GgufTensor FromFloat32(string name, long[] shape, GgufTensorType type, Func<float[]> values) =>
        new(name, shape, type, () => GgufTensorData.Encode(values(), type));

    public ReadOnlyMemory<byte> GetData() => _data();
}
