namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// A GGUF file's header as read and validated by <see cref="GgufReader"/>: version, metadata in file order,
/// tensor descriptions and where the data section starts. Tensor data is read from disk on request.
/// </summary>
public sealed class GgufFile
{
    public required string Path { get; init; }
    public required uint Version { get; init; }
    public required uint Alignment { get; init; }
    public required IReadOnlyList<KeyValuePair<string, GgufValue>> Metadata { get; init; }
    public required IReadOnlyList<GgufTensorInfo> Tensors { get; init; }

    /// <summary>File offset of the data section (the end of the header, padded to the alignment).</summary>
    public required long DataStart { get; init; }

    public long FileLength { get; init; }

    public bool TryGetValue(string key, out GgufValue value)
    {
        foreach (var entry in Metadata)
            if (entry.Key == key) { value = entry.Value; return true; }
        value = null!;
        return false;
    }

    public GgufValue this[string key] =>
        TryGetValue(key, out var value) ? value : throw new SharpLMException($"{Path}: metadata key '{key}' is missing.");

    public GgufTensorInfo GetTensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new SharpLMException($"{Path}: tensor '{name}' is missing.");

    public byte[] ReadBytes(string name)
    {
        var info = GetTensor(name);
        var bytes = new byte[info.ByteLength];
        using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        stream.Position = info.FileOffset;
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>The tensor's values as float32 (dequantized for Q8_0), in PyTorch row-major order.</summary>
    public float[] ReadFloat32(string name)
    {
        var info = GetTensor(name);
        return GgufTensorData.Decode(ReadBytes(name), info.Type, info.ElementCount);
    }
}
