namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// A tensor as a GGUF file describes it. <see cref="Dimensions"/> are in ggml order (fastest-varying first,
/// as stored); <see cref="Shape"/> is the same reversed, PyTorch's order.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Dimensions, GgufTensorType Type, long Offset, long FileOffset)
{
    public long[] Shape => [.. Dimensions.Reverse()];
    public long ElementCount => Dimensions.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => Type.ByteCount(ElementCount);
}
