using System.Buffers.Binary;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.TokenShards;

/// <summary>
/// Streams token ids into a shard file (see <see cref="TokenShardFormat"/>). Tokens go to a temporary file
/// as they arrive; <see cref="Complete"/> appends the document index, fills in the header and renames the
/// file into place, so an interrupted run never leaves a shard that looks complete. A writer that fails (disk
/// full) deletes its temporary file even when closing it fails too, and a new writer deletes the temporary
/// files that killed writers left beside the same shard.
/// </summary>
public sealed class TokenShardWriter : IDisposable
{
    private readonly string _path;
    private readonly string _temporaryPath;
    private readonly OutputStream _stream;
    private readonly int _bytesPerToken;
    private readonly int _vocabularySize;
    private readonly List<long> _documentStarts = new();
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _buffered;
    private bool _completed;

    public long TokenCount { get; private set; }
    public int DocumentCount => _documentStarts.Count;

    public TokenShardWriter(string path, int vocabularySize)
        : this(path, vocabularySize, temporary => new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 20))
    {
    }

    /// <summary>As the public constructor, with the temporary file opened by <paramref name="open"/> (tests simulate failing disks).</summary>
    internal TokenShardWriter(string path, int vocabularySize, Func<string, Stream> open)
    {
        _path = Path.GetFullPath(path);
        _vocabularySize = vocabularySize;
        _bytesPerToken = TokenShardFormat.BytesPerTokenFor(vocabularySize);
        OutputStream.Guard(_path, () =>
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
            StagingNames.SweepSiblings(_path);
        });
        _temporaryPath = StagingNames.Partial(_path);
        Stream file = null!;
        OutputStream.Guard(_path, () => file = open(_temporaryPath));
        _stream = new OutputStream(file, _path);
        try
        {
            _stream.Write(new byte[TokenShardFormat.HeaderSize]);
        }
        catch
        {
            Dispose();
            throw;
        }
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
        _stream.FlushToDisk();
        _stream.Dispose();
        OutputStream.Guard(_path, () => File.Move(_temporaryPath, _path, overwrite: true));
        _completed = true;
    }

    private void FlushBuffer()
    {
        _stream.Write(_buffer, 0, _buffered);
        _buffered = 0;
    }

    /// <summary>Discards an incomplete shard. Closing can fail again (the buffered bytes meet the same full disk);
    /// that failure is already reported by the write that failed first, and must not keep the temporary file.</summary>
    public void Dispose()
    {
        if (_completed) return;
        try { _stream.Dispose(); } catch (SharpLMException) { }
        try { File.Delete(_temporaryPath); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
