using System.IO.MemoryMappedFiles;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace SharpLM.Core.Formats.Safetensors;

/// <summary>
/// Reads a .safetensors file (https://github.com/huggingface/safetensors): an 8-byte little-endian header
/// length, a UTF-8 JSON header, then the raw tensor bytes. The file is memory-mapped, so opening is cheap
/// and tensors are read on demand. Every header entry is validated (known dtype, shape matching the byte
/// range, ranges inside the buffer, no overlaps or holes) so a truncated or corrupt file fails on open with
/// a message that names the file and the offending tensor.
/// </summary>
public sealed unsafe class SafetensorsReader : IDisposable
{
    public const long MaxHeaderSize = 100_000_000;

    private readonly MemoryMappedFile? _map;
    private readonly MemoryMappedViewAccessor? _view;
    private readonly byte* _base;
    private readonly long _dataStart;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;

    public string Path { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }
    public IReadOnlyCollection<SafetensorsTensorInfo> Tensors => _tensors.Values;

    public SafetensorsReader(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new SharpLMException($"{path}: safetensors file not found.");
        long fileLength = new FileInfo(path).Length;
        if (fileLength < 8) throw Corrupt($"file is {fileLength} bytes, too short to hold the 8-byte header length (truncated?)");

        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;

        long headerLength = *(long*)_base;
        if (!BitConverter.IsLittleEndian) headerLength = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(headerLength);
        if (headerLength <= 0 || headerLength > MaxHeaderSize)
            throw Corrupt($"header length {headerLength} is outside 1..{MaxHeaderSize} (not a safetensors file?)");
        if (8 + headerLength > fileLength)
            throw Corrupt($"header claims {headerLength} bytes but the file has only {fileLength - 8} after the length (truncated?)");
        _dataStart = 8 + headerLength;

        var headerBytes = new ReadOnlySpan<byte>(_base + 8, checked((int)headerLength));
        (_tensors, Metadata) = ParseHeader(headerBytes, fileLength - _dataStart);
    }

    public bool Contains(string name) => _tensors.ContainsKey(name);

    public SafetensorsTensorInfo GetInfo(string name) =>
        _tensors.TryGetValue(name, out var info) ? info : throw new SharpLMException($"{Path}: tensor '{name}' is missing.");

    /// <summary>The tensor's raw little-endian bytes, straight from the mapping (no copy).</summary>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        var info = GetInfo(name);
        return new ReadOnlySpan<byte>(_base + _dataStart + info.Begin, checked((int)info.ByteLength));
    }

    /// <summary>Reads a floating-point tensor (F32, F16 or BF16) as float32 values.</summary>
    public float[] ReadFloat32(string name)
    {
        var info = GetInfo(name);
        var bytes = GetBytes(name);
        var result = new float[info.ElementCount];
        switch (info.DType)
        {
            case SafetensorsDType.F32:
                MemoryMarshal.Cast<byte, float>(bytes).CopyTo(result);
                break;
            case SafetensorsDType.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(bytes);
                for (int i = 0; i < result.Length; i++) result[i] = (float)halves[i];
                break;
            case SafetensorsDType.BF16:
                var raw = MemoryMarshal.Cast<byte, ushort>(bytes);
                Quantization.BFloat16.ToSingle(raw, result);
                break;
            default:
                throw new SharpLMException($"{Path}: tensor '{name}' has dtype {info.DType.ToHeaderName()}, expected F32, F16 or BF16.");
        }
        return result;
    }

    private (Dictionary<string, SafetensorsTensorInfo>, Dictionary<string, string>) ParseHeader(ReadOnlySpan<byte> header, long bufferLength)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header.ToArray());
        }
        catch (JsonException e)
        {
            throw Corrupt($"header is not valid JSON ({e.Message})");
        }
        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object) throw Corrupt("header is not a JSON object");
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    if (property.Value.ValueKind != JsonValueKind.Object) throw Corrupt("__metadata__ is not an object");
                    foreach (var entry in property.Value.EnumerateObject())
                    {
                        if (entry.Value.ValueKind != JsonValueKind.String) throw Corrupt($"__metadata__.{entry.Name} is not a string");
                        metadata[entry.Name] = entry.Value.GetString()!;
                    }
                    continue;
                }
                if (tensors.ContainsKey(property.Name)) throw Corrupt($"tensor '{property.Name}' appears twice");
                tensors[property.Name] = ParseTensor(property.Name, property.Value, bufferLength);
            }
            CheckCoverage(tensors.Values, bufferLength);
            return (tensors, metadata);
        }
    }

    private SafetensorsTensorInfo ParseTensor(string name, JsonElement entry, long bufferLength)
    {
        if (entry.ValueKind != JsonValueKind.Object) throw Corrupt($"tensor '{name}' is not an object");
        if (!entry.TryGetProperty("dtype", out var dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
            throw Corrupt($"tensor '{name}' has no string field 'dtype'");
        if (!SafetensorsDTypes.TryParse(dtypeElement.GetString()!, out var dtype))
            throw Corrupt($"tensor '{name}' has unsupported dtype '{dtypeElement.GetString()}'");
        if (!entry.TryGetProperty("shape", out var shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
            throw Corrupt($"tensor '{name}' has no array field 'shape'");
        var shape = new long[shapeElement.GetArrayLength()];
        int i = 0;
        foreach (var dim in shapeElement.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long value) || value < 0)
                throw Corrupt($"tensor '{name}' has an invalid shape entry {dim}");
            shape[i++] = value;
        }
        if (!entry.TryGetProperty("data_offsets", out var offsets) || offsets.ValueKind != JsonValueKind.Array || offsets.GetArrayLength() != 2)
            throw Corrupt($"tensor '{name}' has no two-element field 'data_offsets'");
        if (!offsets[0].TryGetInt64(out long begin) || !offsets[1].TryGetInt64(out long end) || begin < 0 || end < begin)
            throw Corrupt($"tensor '{name}' has invalid data_offsets");
        var info = new SafetensorsTensorInfo(name, dtype, shape, begin, end);
        long expected = info.ElementCount * dtype.SizeInBytes();
        if (info.ByteLength != expected)
            throw Corrupt($"tensor '{name}' spans {info.ByteLength} bytes but shape [{string.Join(", ", shape)}] of {dtype.ToHeaderName()} needs {expected}");
        if (end > bufferLength)
            throw Corrupt($"tensor '{name}' ends at byte {end} of the data buffer but the file holds only {bufferLength} (truncated?)");
        return info;
    }

    private void CheckCoverage(IEnumerable<SafetensorsTensorInfo> tensors, long bufferLength)
    {
        long position = 0;
        foreach (var info in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin))
        {
            if (info.Begin < position) throw Corrupt($"tensor '{info.Name}' overlaps the previous tensor");
            if (info.Begin > position) throw Corrupt($"the data buffer has a hole before tensor '{info.Name}'");
            position = info.End;
        }
        if (position != bufferLength)
            throw Corrupt($"the data buffer is {bufferLength} bytes but the tensors cover {position}");
    }

    private SharpLMException Corrupt(string problem) => new($"{Path}: not a valid safetensors file: {problem}.");

    public void Dispose()
    {
        if (_view is not null)
        {
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
            _view.Dispose();
        }
        _map?.Dispose();
    }
}
