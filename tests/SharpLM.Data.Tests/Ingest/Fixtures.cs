using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;

namespace SharpLM.Data.Tests.Ingest;

/// <summary>A temporary corpus folder for one test, with helpers to write plain and gzipped fixture files.</summary>
internal sealed class Fixtures : IDisposable
{
    public string Root { get; } = Directory.CreateTempSubdirectory("sharplm-ingest-").FullName;

    public string Write(string relative, byte[] bytes)
    {
        string path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public string Write(string relative, string text) => Write(relative, Encoding.UTF8.GetBytes(text));

    public string WriteGzip(string relative, byte[] bytes)
    {
        var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Fastest, leaveOpen: true)) gzip.Write(bytes);
        return Write(relative, buffer.ToArray());
    }

    public static string Sha256(ReadOnlySpan<byte> bytes) => Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    /// <summary>Bytes of a string whose characters are all below U+0100, one byte each, so fixtures can hold any byte.</summary>
    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    public void Dispose()
    {
        try { Directory.Delete(Root, recursive: true); }
        catch (IOException) { }
    }
}
