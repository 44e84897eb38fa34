using System.Text;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// Writes GGUF version 3 files (ggml's docs/gguf.md), the format llama.cpp and Ollama load:
/// <code>
/// "GGUF" (4 bytes) · uint32 version = 3 · uint64 tensor count · uint64 metadata count
/// metadata:  string key · uint32 value type · value            (strings: uint64 byte length + UTF-8, no NUL)
/// tensors:   string name · uint32 n_dims · uint64 dims (ggml order: fastest-varying first) · uint32 ggml type · uint64 offset
/// zero padding to the alignment · tensor data, each tensor at its offset, zero padding between
/// </code>
/// Everything is little-endian. Offsets are relative to the start of the data section and multiples of the
/// alignment: general.alignment when the metadata has it (a UINT32, multiple of 8), else 32 as ggml assumes.
/// </summary>
public static class GgufWriter
{
    public const uint Version = 3;
    public const uint DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";

    /// <summary>ggml's GGML_MAX_NAME is 64 bytes including the terminating NUL.</summary>
    public const int MaxTensorNameBytes = 63;

    public const int MaxDimensions = 4;

    /// <summary>Writes the file atomically (a reader never sees a half-written file).</summary>
    public static void WriteFile(string path, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensor> tensors) =>
        AtomicFile.Write(path, stream => Write(stream, metadata, tensors));

    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        uint alignment = AlignmentOf(metadata);
        var offsets = Validate(metadata, tensors, alignment);

        using var header = new MemoryStream();
        using (var writer = new BinaryWriter(header, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write("GGUF"u8);
            writer.Write(Version);
            writer.Write((ulong)tensors.Count);
            writer.Write((ulong)metadata.Count);
            foreach (var (key, value) in metadata)
            {
                WriteString(writer, key);
                writer.Write((uint)value.Type);
                WriteValue(writer, value);
            }
            for (int i = 0; i < tensors.Count; i++)
            {
                var tensor = tensors[i];
                WriteString(writer, tensor.Name);
                writer.Write((uint)tensor.Shape.Length);
                for (int d = tensor.Shape.Length - 1; d >= 0; d--) writer.Write((ulong)tensor.Shape[d]);
                writer.Write((uint)tensor.Type);
                writer.Write((ulong)offsets[i]);
            }
            writer.Write(new byte[Padding(header.Length, alignment)]);
        }
        header.Position = 0;
        header.CopyTo(stream);

        long position = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            stream.Write(new byte[offsets[i] - position]);
            var data = tensors[i].GetData();
            if (data.Length != tensors[i].ByteLength)
                throw new InvalidOperationException($"Tensor '{tensors[i].Name}' produced {data.Length} bytes, its shape and type need {tensors[i].ByteLength}.");
            stream.Write(data.Span);
            position = offsets[i] + data.Length;
        }
    }

    /// <summary>Zero bytes that bring <paramref name="offset"/> to a multiple of <paramref name="alignment"/>.</summary>
    public static long Padding(long offset, uint alignment) => (alignment - offset % alignment) % alignment;

    public static uint AlignmentOf(IEnumerable<KeyValuePair<string, GgufValue>> metadata)
    {
        foreach (var (key, value) in metadata)
        {
            if (key != AlignmentKey) continue;
            if (value.Type != GgufValueType.UInt32 || value.As<uint>() == 0 || value.As<uint>() % 8 != 0)
                throw new ArgumentException($"{AlignmentKey} must be a UINT32 multiple of 8 (got {value.Describe()} {value}).");
            return value.As<uint>();
        }
        return DefaultAlignment;
    }

    private static long[] Validate(IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensor> tensors, uint alignment)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in metadata)
            if (!keys.Add(key)) throw new ArgumentException($"Metadata key '{key}' is given twice.");

        var names = new HashSet<string>(StringComparer.Ordinal);
        var offsets = new long[tensors.Count];
        long offset = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            var tensor = tensors[i];
            if (!names.Add(tensor.Name)) throw new ArgumentException($"Tensor '{tensor.Name}' is given twice.");
            if (Encoding.UTF8.GetByteCount(tensor.Name) > MaxTensorNameBytes)
                throw new ArgumentException($"Tensor name '{tensor.Name}' is longer than ggml's {MaxTensorNameBytes} bytes.");
            if (tensor.Shape.Length is < 1 or > MaxDimensions)
                throw new ArgumentException($"Tensor '{tensor.Name}' has {tensor.Shape.Length} dimensions; GGUF allows 1 to {MaxDimensions}.");
            if (tensor.Shape.Any(d => d <= 0)) throw new ArgumentException($"Tensor '{tensor.Name}' has a dimension that is not positive.");
            int block = tensor.Type.BlockSize();
            if (tensor.Shape[^1] % block != 0)
                throw new ArgumentException($"Tensor '{tensor.Name}' has rows of {tensor.Shape[^1]} values; {tensor.Type} needs a multiple of {block}.");
            offset += Padding(offset, alignment);
            offsets[i] = offset;
            offset += tensor.ByteLength;
        }
        return offsets;
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValue value)
    {
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(writer, value.Type, value.Value);
            return;
        }
        var elements = (Array)value.Value;
        writer.Write((uint)value.ElementType!.Value);
        writer.Write((ulong)elements.Length);
        foreach (object element in elements) WriteScalar(writer, value.ElementType.Value, element);
    }

    private static void WriteScalar(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: writer.Write((byte)value); break;
            case GgufValueType.Int8: writer.Write((sbyte)value); break;
            case GgufValueType.UInt16: writer.Write((ushort)value); break;
            case GgufValueType.Int16: writer.Write((short)value); break;
            case GgufValueType.UInt32: writer.Write((uint)value); break;
            case GgufValueType.Int32: writer.Write((int)value); break;
            case GgufValueType.Float32: writer.Write((float)value); break;
            case GgufValueType.Bool: writer.Write((byte)((bool)value ? 1 : 0)); break;
            case GgufValueType.String: WriteString(writer, (string)value); break;
            case GgufValueType.UInt64: writer.Write((ulong)value); break;
            case GgufValueType.Int64: writer.Write((long)value); break;
            case GgufValueType.Float64: writer.Write((double)value); break;
            default: throw new ArgumentException($"GGUF value type {type} cannot be written as a scalar.");
        }
    }
}
