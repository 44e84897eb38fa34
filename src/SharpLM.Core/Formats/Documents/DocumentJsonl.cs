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

    /// <summary>Streams the documents of a file; a malformed line fails with its path and line number.</summary>
    public static IEnumerable<Document> Read(string path)
    {
        InputFiles.RequireFile(path, "documents JSONL");
        using var file = File.OpenRead(path);
        using Stream stream = IsCompressed(path) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        int lineNumber = 0;
        while (NextLine(reader, path) is { } line)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            Document? document;
            try
            {
                document = JsonSerializer.Deserialize<Document>(line, Options);
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{lineNumber}: not a valid document ({JsonFile.FirstSentence(e.Message)}).");
            }
            if (document is null) throw new SharpLMException($"{path}:{lineNumber}: the line is 'null', expected a document object.");
            yield return document;
        }
    }

    private static string? NextLine(StreamReader reader, string path)
    {
        try
        {
            return reader.ReadLine();
        }
        catch (InvalidDataException e)
        {
            throw new SharpLMException($"{path}: not a valid gzip file ({e.Message}).");
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
