using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Safetensors;

/// <summary>A tensor to write: its name, element type, shape and little-endian row-major bytes.</summary>
public sealed record SafetensorsTensor(string Name, SafetensorsDType DType, long[] Shape, ReadOnlyMemory<byte> Data)
{
    public static SafetensorsTensor FromFloat32(string name, long[] shape, float[] values) =>
        new(name, SafetensorsDType.F32, shape, System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()).ToArray());
}

/// <summary>
/// Writes .safetensors files the way the reference implementation does: tensors ordered by descending
/// element alignment then name, the JSON header padded with spaces to a multiple of 8 bytes so every tensor
/// starts naturally aligned for memory mapping, and "__metadata__" carrying "format": "pt", which
/// transformers' loader requires. The file is written atomically.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors
            .OrderByDescending(t => t.DType.SizeInBytes())
            .ThenBy(t => t.Name, StringComparer.Ordinal)
            .ToList();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var tensor in ordered)
        {
            if (!names.Add(tensor.Name)) throw new ArgumentException($"Tensor '{tensor.Name}' is given twice.");
            long expected = tensor.Shape.Aggregate(1L, (a, b) => a * b) * tensor.DType.SizeInBytes();
            if (tensor.Data.Length != expected)
                throw new ArgumentException($"Tensor '{tensor.Name}' has {tensor.Data.Length} bytes but its shape needs {expected}.");
        }

        byte[] header = BuildHeader(ordered, metadata ?? new Dictionary<string, string> { ["format"] = "pt" });
        AtomicFile.Write(path, stream =>
        {
            Span<byte> length = stackalloc byte[8];
            BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);
            stream.Write(length);
            stream.Write(header);
            foreach (var tensor in ordered) stream.Write(tensor.Data.Span);
        });
    }

    private static byte[] BuildHeader(List<SafetensorsTensor> ordered, IReadOnlyDictionary<string, string> metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            foreach (var (key, value) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) json.WriteString(key, value);
            json.WriteEndObject();
            long offset = 0;
            foreach (var tensor in ordered)
            {
                json.WriteStartObject(tensor.Name);
                json.WriteString("dtype", tensor.DType.ToHeaderName());
                json.WriteStartArray("shape");
                foreach (long dim in tensor.Shape) json.WriteNumberValue(dim);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + tensor.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += tensor.Data.Length;
            }
            json.WriteEndObject();
        }
        int padded = (int)((buffer.Length + 7) / 8 * 8);
        byte[] header = new byte[padded];
        buffer.ToArray().CopyTo(header, 0);
        header.AsSpan((int)buffer.Length).Fill((byte)' ');
        return header;
    }
}
