using System.IO.Compression;
using System.Text;
using System.Text.Json;
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

    /// <summary>
    /// Streams the documents of a file. Every verb reads documents here, under the one policy of <see cref="JsonlLines"/>:
    /// a malformed line, invalid UTF-8 or a gzip file that is corrupt or cut short fails with the path and line.
    /// </summary>
    public static IEnumerable<Document> Read(string path)
    {
        foreach (var (number, utf8) in JsonlLines.Read(path, "documents JSONL"))
        {
            Document? document;
            try
            {
                document = JsonSerializer.Deserialize<Document>(utf8.Span, Options);
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{number}: not a valid document ({JsonFile.FirstSentence(e.Message)}).");
            }
            if (document is null) throw new SharpLMException($"{path}:{number}: the line is 'null', expected a document object.");
            yield return document;
        }
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
