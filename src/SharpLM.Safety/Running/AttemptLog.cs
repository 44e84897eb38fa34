using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Safety.Running;

/// <summary>
/// attempts.jsonl: every finished attempt, appended as it completes, so an interrupted run resumes where it stopped.
/// A line torn by the interruption (the last one) is dropped on reading; damage anywhere else is reported.
/// </summary>
public sealed class AttemptLog : IDisposable
{
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private readonly StreamWriter _writer;
    private readonly Lock _lock = new();

    private AttemptLog(string path) => _writer = new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };

    /// <summary>Opens the log for appending, returning the attempts it already holds.</summary>
    public static (AttemptLog Log, IReadOnlyList<AttemptRecord> Done) Open(string path)
    {
        var done = File.Exists(path) ? Read(path) : [];
        if (File.Exists(path) && new FileInfo(path).Length > 0 && !EndsWithNewline(path))
            File.AppendAllText(path, "\n"); // a torn last line stays behind as garbage the next read skips
        return (new AttemptLog(path), done);
    }

    public static IReadOnlyList<AttemptRecord> Read(string path)
    {
        var records = new List<AttemptRecord>();
        var lines = JsonlLines.Read(path, "attempts log").ToList();
        for (int i = 0; i < lines.Count; i++)
        {
            try
            {
                records.Add(JsonSerializer.Deserialize<AttemptRecord>(lines[i].Utf8.Span, Json) ?? throw new JsonException("null"));
            }
            catch (JsonException) when (i == lines.Count - 1 || IsTorn(lines[i].Utf8.Span))
            {
                // An interrupted append; the attempt runs again.
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{lines[i].Number}: not an attempt record ({JsonFile.FirstSentence(e.Message)}); delete the file to start over.");
            }
        }
        return records;
    }

    public void Append(AttemptRecord record)
    {
        string line = JsonSerializer.Serialize(record, Json);
        lock (_lock) _writer.WriteLine(line);
    }

    private static bool IsTorn(ReadOnlySpan<byte> line) => line.Length > 0 && line[^1] != (byte)'}';

    private static bool EndsWithNewline(string path)
    {
        using var file = File.OpenRead(path);
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() == '\n';
    }

    public void Dispose() => _writer.Dispose();
}
