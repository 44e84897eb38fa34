namespace SharpLM.Core.IO;

/// <summary>
/// Writes files so that a reader sees either the old complete file or the new complete one, never a
/// half-written one: data goes to a temporary file beside the target, is flushed to disk, then renamed
/// over the target (rename is atomic within one file system). A failure of the file system (disk full)
/// is reported naming the target, and the temporary file is deleted.
/// </summary>
public static class AtomicFile
{
    public static void Write(string path, Action<Stream> write) =>
        Write(path, write, temporary => new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20));

    /// <summary>As <see cref="Write(string, Action{Stream})"/>, with the temporary file opened by <paramref name="open"/> (tests simulate failing disks).</summary>
    internal static void Write(string path, Action<Stream> write, Func<string, Stream> open)
    {
        string fullPath = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(fullPath)!;
        OutputStream.Guard(fullPath, () => Directory.CreateDirectory(directory));
        string temporary = StagingNames.File(fullPath);
        try
        {
            Stream file = null!;
            OutputStream.Guard(fullPath, () => file = open(temporary));
            using (var stream = new OutputStream(file, fullPath))
            {
                write(stream);
                stream.FlushToDisk();
            }
            OutputStream.Guard(fullPath, () => File.Move(temporary, fullPath, overwrite: true));
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    public static void WriteAllText(string path, string text) =>
        Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
            writer.Write(text);
        });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        byte[] copy = bytes.ToArray();
        Write(path, stream => stream.Write(copy));
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
