using System.Buffers.Binary;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.TokenShards;

/// <summary>
/// Streams token ids into a shard file (see <see cref="TokenShardFormat"/>). Tokens go to a temporary file
/// as they arrive; <see cref="Complete"/> appends the document index, fills in the header and renames the
/// file into place, so an interrupted run never leaves a shard that looks complete.
/// </summary>
public sealed class TokenShardWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporaryPath;
    private readonly FileStream _stream;
    private readonly int _bytesPerToken;
    private readonly int _vocabularySize;
    private readonly List<long> _documentStarts = new();
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _buffered;
    private bool _completed;

    public long TokenCount { get; private set; }
    public int DocumentCount => _documentStarts.Count;

    public TokenShardWriter(string path, int vocabularySize)
    {
        _path = Path.GetFullPath(path);
        _vocabularySize = vocabularySize;
        _bytesPerToken = TokenShardFormat.BytesPerTokenFor(vocabularySize);
        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
        _temporaryPath = _path + $".{Guid.NewGuid():N}.partial";
        _stream = new FileStream(_temporaryPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20);
        _stream.Write(new byte[TokenShardFormat.HeaderSize]);
    }

    /// <summary>Appends one document's tokens and records where it starts.</summary>
    public void AddDocument(ReadOnlySpan<int> tokens)
    {
        _documentStarts.Add(TokenCount);
        foreach (int token in tokens)
        {
            if ((uint)token >= (uint)_vocabularySize)
                throw new ArgumentOutOfRangeException(nameof(tokens), $"Token id {token} is outside the vocabulary of {_vocabularySize}.");
            if (_buffered + _bytesPerToken > _buffer.Length) FlushBuffer();
            if (_bytesPerToken == 2) BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(_buffered), (ushort)token);
            else BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(_buffered), (uint)token);
            _buffered += _bytesPerToken;
        }
        TokenCount += tokens.Length;
    }

    public void Complete()
    {
        FlushBuffer();
        Span<byte> entry = stackalloc byte[8];
        foreach (long start in _documentStarts)
        {
            BinaryPrimitives.WriteInt64LittleEndian(entry, start);
            _stream.Write(entry);
        }
        Span<byte> header = stackalloc byte[TokenShardFormat.HeaderSize];
        TokenShardFormat.Magic.CopyTo(header);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], TokenShardFormat.Version);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], _bytesPerToken);
        BinaryPrimitives.WriteInt64LittleEndian(header[16..], TokenCount);
        BinaryPrimitives.WriteInt64LittleEndian(header[24..], _documentStarts.Count);
        _stream.Position = 0;
        _stream.Write(header);
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(_temporaryPath, _path, overwrite: true);
        _completed = true;
    }

    private void FlushBuffer()
    {
        _stream.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    public void Dispose()
    {
        if (_completed) return;
        _stream.Dispose();
        try { File.Delete(_temporaryPath); } catch (IOException) { }
    }
}
