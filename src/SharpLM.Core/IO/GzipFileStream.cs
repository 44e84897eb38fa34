using System.Buffers.Binary;
using System.IO.Compression;

namespace SharpLM.Core.IO;

/// <summary>
/// Decompresses a .gz file and notices when it was cut short. GZipStream ends quietly at a truncated file, so at the end
/// the number of bytes produced is compared with the size the gzip trailer records (its last four bytes, the length
/// modulo 2^32); a mismatch throws <see cref="InvalidDataException"/>. The trailer describes only the last member of a
/// file of concatenated gzip members, so such files are checked only when the last member is empty (the bgzip end
/// marker, size 0, is skipped) or its size happens to match: a concatenation of several non-empty members is reported
/// as corrupt after all its records were read.
/// </summary>
public sealed class GzipFileStream : Stream
{
    private readonly GZipStream _gzip;
    private readonly uint? _trailerSize;
    private long _produced;
    private bool _checked;

    public GzipFileStream(FileStream file)
    {
        if (file.Length >= 18)
        {
            Span<byte> trailer = stackalloc byte[4];
            file.Seek(-4, SeekOrigin.End);
            file.ReadExactly(trailer);
            file.Seek(0, SeekOrigin.Begin);
            _trailerSize = BinaryPrimitives.ReadUInt32LittleEndian(trailer);
        }
        _gzip = new GZipStream(file, CompressionMode.Decompress);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read = _gzip.Read(buffer);
        _produced += read;
        if (read == 0 && buffer.Length > 0 && !_checked)
        {
            _checked = true;
            if (_trailerSize is not { } expected || (expected != 0 && expected != (uint)_produced))
                throw new InvalidDataException(
                    $"the stream ends early: {_produced:N0} bytes decompressed, the gzip trailer records {(_trailerSize is { } size ? size.ToString("N0") : "none")}");
        }
        return read;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _produced; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _gzip.Dispose();
        base.Dispose(disposing);
    }
}
