namespace SharpLM.Core.Tests;

/// <summary>
/// A file stream on a disk that fills up: writes beyond <paramref name="capacity"/> bytes fail as ENOSPC does, and
/// closing fails too when <paramref name="failOnClose"/> (the buffered bytes meet the same full disk).
/// </summary>
public sealed class FailingDisk(string path, long capacity, bool failOnClose = false)
    : FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1)
{
    public const string Message = "No space left on device";

    public override void Write(byte[] buffer, int offset, int count)
    {
        Check(count);
        base.Write(buffer, offset, count);
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Check(buffer.Length);
        base.Write(buffer);
    }

    private void Check(int count)
    {
        if (Position + count > capacity) throw new IOException(Message);
    }

    public override void WriteByte(byte value) => Write([value]);

    protected override void Dispose(bool disposing)
    {
        base.Dispose(disposing);
        if (disposing && failOnClose) throw new IOException(Message);
    }
}
