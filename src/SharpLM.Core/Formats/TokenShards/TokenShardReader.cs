using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;

namespace SharpLM.Core.Formats.TokenShards;

/// <summary>Memory-maps a token shard and reads token windows in place.</summary>
public sealed unsafe class TokenShardReader : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly byte* _base;

    public string Path { get; }
    public int BytesPerToken { get; }
    public long TokenCount { get; }
    public long DocumentCount { get; }

    public TokenShardReader(string path)
    {
        Path = path;
        if (!File.Exists(path)) throw new SharpLMException($"{path}: token shard not found.");
        long length = new FileInfo(path).Length;
        if (length < TokenShardFormat.HeaderSize)
            throw new SharpLMException($"{path}: not a token shard: {length} bytes is shorter than the {TokenShardFormat.HeaderSize}-byte header.");
        _map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        _view = _map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        byte* pointer = null;
        _view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _base = pointer + _view.PointerOffset;

        try
        {
            var header = new ReadOnlySpan<byte>(_base, TokenShardFormat.HeaderSize);
            if (!header[..8].SequenceEqual(TokenShardFormat.Magic))
                throw Fail("not a token shard (bad magic bytes)");
            int version = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
            if (version != TokenShardFormat.Version) throw Fail($"unsupported shard version {version}");
            BytesPerToken = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
            if (BytesPerToken is not (2 or 4)) throw Fail($"bytes per token is {BytesPerToken}, expected 2 or 4");
            TokenCount = BinaryPrimitives.ReadInt64LittleEndian(header[16..]);
            DocumentCount = BinaryPrimitives.ReadInt64LittleEndian(header[24..]);
            long expected = TokenShardFormat.HeaderSize + TokenCount * BytesPerToken + DocumentCount * 8;
            if (TokenCount < 0 || DocumentCount < 0 || expected != length)
                throw Fail($"header promises {expected} bytes but the file has {length} (truncated or corrupt)");
            CheckDocumentIndex();
        }
        catch
        {
            // A refused file must not stay mapped (and locked on Windows) until finalisation.
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Document starts must ascend within the tokens (equal starts are empty documents): readers slice documents by
    /// them, and a corrupt entry would otherwise be clamped into a wrong document without a word.
    /// </summary>
    private void CheckDocumentIndex()
    {
        long previous = 0;
        for (long i = 0; i < DocumentCount; i++)
        {
            long start = DocumentStart(i);
            if (start < 0 || start > TokenCount)
                throw Fail($"document index entry {i} starts at token {start}, outside the shard's {TokenCount} tokens");
            if (start < previous)
                throw Fail($"document index entry {i} starts at token {start}, before entry {i - 1} at token {previous} (the index must ascend)");
            previous = start;
        }
    }

    /// <summary>Copies tokens [start, start + destination.Length) into <paramref name="destination"/>.</summary>
    public void Read(long start, Span<long> destination)
    {
        if (start < 0 || start + destination.Length > TokenCount)
            throw new ArgumentOutOfRangeException(nameof(start), $"Window [{start}, {start + destination.Length}) is outside the shard's {TokenCount} tokens.");
        byte* data = _base + TokenShardFormat.HeaderSize;
        if (BytesPerToken == 2)
        {
            var source = new ReadOnlySpan<ushort>(data + start * 2, destination.Length);
            for (int i = 0; i < destination.Length; i++) destination[i] = source[i];
        }
        else
        {
            var source = new ReadOnlySpan<uint>(data + start * 4, destination.Length);
            for (int i = 0; i < destination.Length; i++) destination[i] = source[i];
        }
    }

    public int[] ReadAll()
    {
        var values = new long[TokenCount];
        Read(0, values);
        return values.Select(v => (int)v).ToArray();
    }

    public long DocumentStart(long index)
    {
        if ((ulong)index >= (ulong)DocumentCount) throw new ArgumentOutOfRangeException(nameof(index));
        byte* entry = _base + TokenShardFormat.HeaderSize + TokenCount * BytesPerToken + index * 8;
        return BinaryPrimitives.ReadInt64LittleEndian(new ReadOnlySpan<byte>(entry, 8));
    }

    private SharpLMException Fail(string problem) => new($"{Path}: {problem}.");

    public void Dispose()
    {
        _view.SafeMemoryMappedViewHandle.ReleasePointer();
        _view.Dispose();
        _map.Dispose();
    }
}
