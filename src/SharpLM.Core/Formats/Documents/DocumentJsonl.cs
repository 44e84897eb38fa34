using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Documents;

/// <summary>Reads and writes documents JSONL: one <see cref="Document"/> object per line, UTF-8, optionally gzip-compressed (.gz).</summary>
public static class DocumentJsonl
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    public static bool IsCompressed(string path) => path.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path, or a one-line error when it is missing or a directory; for callers that look at files before reading them.</summary>
    public static string RequireFile(string path) => InputFiles.RequireFile(path, "documents JSONL");

    /// <summary>Longest line read: a document is held as one string.</summary>
    private const long MaxLineBytes = 1L << 30;

    /// <summary>
    /// Streams the documents of a file. Every verb reads documents here, under one policy: a malformed line, invalid
    /// UTF-8 or a gzip file that is corrupt or cut short (<see cref="GzipFileStream"/>) fails with the path and line.
    /// </summary>
    public static IEnumerable<Document> Read(string path)
    {
        RequireFile(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        using Stream stream = IsCompressed(path) ? new GzipFileStream(file) : file;
        var lines = new LineReader(stream, MaxLineBytes);
        long lineNumber = 0;
        while (NextLine(lines, path, lineNumber + 1) is { } line)
        {
            lineNumber = line.Number;
            byte[] bytes = line.Bytes ?? throw new SharpLMException($"{path}:{lineNumber}: the line is longer than {MaxLineBytes:N0} bytes.");
            ReadOnlySpan<byte> utf8 = bytes;
            if (lineNumber == 1 && utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
            if (utf8.IsEmpty) continue;
            if (!Utf8.IsValid(utf8))
                throw new SharpLMException($"{path}:{lineNumber}: invalid UTF-8 at byte {FirstInvalidByte(utf8) + 1} of the line (documents JSONL is UTF-8).");
            Document? document;
            try
            {
                document = JsonSerializer.Deserialize<Document>(utf8, Options);
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{lineNumber}: not a valid document ({JsonFile.FirstSentence(e.Message)}).");
            }
            if (document is null) throw new SharpLMException($"{path}:{lineNumber}: the line is 'null', expected a document object.");
            yield return document;
        }
    }

    private static LineRecord? NextLine(LineReader lines, string path, long lineNumber)
    {
        try
        {
            return lines.TryRead(out var line) ? line : null;
        }
        catch (InvalidDataException e)
        {
            throw new SharpLMException($"{path}:{lineNumber}: not a valid gzip file, corrupt or cut short ({e.Message}).");
        }
    }

    private static int FirstInvalidByte(ReadOnlySpan<byte> utf8)
    {
        Utf8.ToUtf16(utf8, new char[utf8.Length], out int valid, out _, replaceInvalidSequences: false);
        return valid;
    }

    /// <summary>Writes the documents atomically, gzip-compressed when the path ends in .gz.</summary>
    public static void Write(string path, IEnumerable<Document> documents) => WriteLines(path, documents.Select(ToLine));

    /// <summary>Writes lines made by <see cref="ToLine"/> (serialised elsewhere, e.g. in parallel) atomically.</summary>
    public static void WriteLines(string path, IEnumerable<string> lines) =>
        AtomicFile.Write(path, stream =>
        {
            // The atomic writer flushes and closes its stream itself, so every wrapper leaves it open.
            using var compressed = IsCompressed(path) ? new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true) : null;
            using var writer = new StreamWriter(compressed ?? stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            foreach (string line in lines) writer.Write(line);
        });

    /// <summary>One document as its JSONL line, newline included.</summary>
    public static string ToLine(Document document) => JsonSerializer.Serialize(document, Options) + "\n";
}
