namespace SharpLM.Core.Formats.Safetensors;

/// <summary>One header entry: a tensor's element type, shape and byte range within the data buffer.</summary>
public sealed record SafetensorsTensorInfo(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, b) => a * b);
    public long ByteLength => End - Begin;
}
