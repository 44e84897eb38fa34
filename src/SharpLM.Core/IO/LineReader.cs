namespace SharpLM.Core.IO;

/// <summary>One line of a line-oriented file.</summary>
/// <param name="Number">1-based line number.</param>
/// <param name="Offset">Offset of the line's first byte in the (decompressed) stream.</param>
/// <param name="Bytes">The line without "\n" or "\r\n"; null when the line is longer than the limit.</param>
/// <param name="Length">Length of the line in bytes, without its terminator, also for oversized lines.</param>
public readonly record struct LineRecord(long Number, long Offset, byte[]? Bytes, long Length);

/// <summary>
/// Reads a stream line by line as bytes, keeping track of line numbers and byte offsets, and never holding more than
/// one line (up to the limit) plus a 64 KiB buffer: a line over the limit is skipped through to its end and handed
/// back without its bytes.
/// </summary>
public sealed class LineReader(Stream stream, long maxLineBytes)
{
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start, _end;
    private long _bufferOffset;
    private long _lineNumber;
    private bool _endOfStream;

    /// <summary>The next line, or false at the end. Exceptions of the stream (a corrupt gzip member) pass through.</summary>
    public bool TryRead(out LineRecord line)
    {
        long offset = _bufferOffset + _start;
        var bytes = new MemoryStream();
        long length = 0;
        bool oversized = false, terminated = false;
        while (true)
        {
            if (_start == _end && !Fill()) break;
            int newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            int chunkEnd = newline < 0 ? _end : newline;
            int count = chunkEnd - _start;
            if (!oversized && length + count > maxLineBytes + 1)
            {
                oversized = true; // +1 leaves room for a '\r' that belongs to the terminator
                bytes = null;
            }
            bytes?.Write(_buffer, _start, count);
            length += count;
            _start = chunkEnd;
            if (newline >= 0)
            {
                _start = newline + 1;
                terminated = true;
                break;
            }
        }
        if (!terminated && length == 0)
        {
            line = default;
            return false;
        }
        _lineNumber++;
        byte[]? content = bytes?.ToArray();
        if (content is { Length: > 0 } && content[^1] == '\r')
        {
            content = content[..^1];
            length--;
        }
        if (content is not null && content.Length > maxLineBytes) content = null;
        line = new LineRecord(_lineNumber, offset, content, length);
        return true;
    }

    private bool Fill()
    {
        if (_endOfStream) return false;
        _bufferOffset += _end;
        _start = _end = 0;
        int read = stream.Read(_buffer, 0, _buffer.Length);
        if (read == 0)
        {
            _endOfStream = true;
            return false;
        }
        _end = read;
        return true;
    }
}
