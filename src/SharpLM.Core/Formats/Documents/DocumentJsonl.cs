using System.Text;
using System.Text.Json;
using SharpLM.Core.IO;

namespace SharpLM.Core.Formats.Documents;

/// <summary>Reads and writes documents JSONL: one <see cref="Document"/> object per line, UTF-8.</summary>
public static class DocumentJsonl
{
    private static readonly JsonSerializerOptions Options = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Streams the documents of a file; a malformed line fails with its path and line number.</summary>
    public static IEnumerable<Document> Read(string path)
    {
        InputFiles.RequireFile(path, "documents JSONL");
        using var reader = new StreamReader(path, Encoding.UTF8);
        int lineNumber = 0;
        while (reader.ReadLine() is { } line)
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

    public static void Write(string path, IEnumerable<Document> documents) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
            foreach (var document in documents)
            {
                writer.Write(JsonSerializer.Serialize(document, Options));
                writer.Write('\n');
            }
        });
}
