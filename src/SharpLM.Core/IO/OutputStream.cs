namespace SharpLM.Core.IO;

/// <summary>
/// A stream over an output file that turns the file system's failures (disk full, quota, I/O error) into one
/// sentence naming the file being written, whichever stage writes it. Only failures of this stream are renamed,
/// so an input read inside the same write keeps its own message.
/// </summary>
public sealed class OutputStream(Stream inner, string outputPath) : Stream
{
    public string OutputPath { get; } = outputPath;

    /// <summary>The one-line error for a failed write of <paramref name="outputPath"/> (named as it will be published).</summary>
    public static SharpLMException Failure(string outputPath, Exception e) =>
        new($"{StagingNames.Published(outputPath)}: cannot write the file ({e.Message.TrimEnd('.', ' ')}).", e);

    /// <summary>Runs a file-system step of writing <paramref name="outputPath"/>, naming it in any failure.</summary>
    public static void Guard(string outputPath, Action step)
    {
        try
        {
            step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(outputPath, e);
        }
    }

    private T Guarded<T>(Func<T> step)
    {
        try
        {
            return step();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(OutputPath, e);
        }
    }

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set => Guard(OutputPath, () => inner.Position = value);
    }

    public override void Write(byte[] buffer, int offset, int count) => Guard(OutputPath, () => inner.Write(buffer, offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        try
        {
            inner.Write(buffer);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Failure(OutputPath, e);
        }
    }

    public override void WriteByte(byte value) => Guard(OutputPath, () => inner.WriteByte(value));
    public override void Flush() => Guard(OutputPath, inner.Flush);

    /// <summary>Flushes through to the disk when the file is a <see cref="FileStream"/>.</summary>
    public void FlushToDisk() => Guard(OutputPath, () =>
    {
        if (inner is FileStream file) file.Flush(flushToDisk: true);
        else inner.Flush();
    });

    public override int Read(byte[] buffer, int offset, int count) => Guarded(() => inner.Read(buffer, offset, count));
    public override long Seek(long offset, SeekOrigin origin) => Guarded(() => inner.Seek(offset, origin));
    public override void SetLength(long value) => Guard(OutputPath, () => inner.SetLength(value));

    protected override void Dispose(bool disposing)
    {
        try
        {
            if (disposing) Guard(OutputPath, inner.Dispose);
        }
        finally
        {
            base.Dispose(disposing);
        }
    }
}
