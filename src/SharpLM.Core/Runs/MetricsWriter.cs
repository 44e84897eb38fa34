using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using SharpLM.Core.IO;

namespace SharpLM.Core.Runs;

/// <summary>
/// Appends machine-readable records to a metrics.jsonl file: one JSON object per line with an "event" name,
/// a UTC timestamp and the event's numbers. Each line is flushed as written so a crashed or killed run keeps
/// every metric it reported. Values JSON numbers cannot hold (NaN, ±infinity) are written as the strings
/// "NaN", "Infinity" and "-Infinity". A file that ends in a line torn by a killed run is continued on a new line.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private static readonly JsonSerializerOptions Values = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    private readonly object _gate = new();
    private StreamWriter _writer;

    public string Path { get; }

    public MetricsWriter(string path, bool append = true)
    {
        Path = System.IO.Path.GetFullPath(path);
        _writer = Open(append);
    }

    private StreamWriter Open(bool append)
    {
        StreamWriter? writer = null;
        OutputStream.Guard(Path, () =>
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            bool torn = append && EndsInsideALine(Path);
            var file = new FileStream(Path, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.Read);
            writer = new StreamWriter(new OutputStream(file, Path), new UTF8Encoding(false)) { AutoFlush = true };
            if (torn) writer.WriteLine();
        });
        return writer!;
    }

    private static bool EndsInsideALine(string path)
    {
        if (!File.Exists(path)) return false;
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        if (file.Length == 0) return false;
        file.Seek(-1, SeekOrigin.End);
        return file.ReadByte() != '\n';
    }

    public void Write(string eventName, IReadOnlyDictionary<string, object?> values)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("event", eventName);
            json.WriteString("time", DateTimeOffset.UtcNow);
            foreach (var (key, value) in values)
            {
                json.WritePropertyName(key);
                JsonSerializer.Serialize(json, value, value?.GetType() ?? typeof(object), Values);
            }
            json.WriteEndObject();
        }
        string line = Encoding.UTF8.GetString(buffer.ToArray());
        lock (_gate) _writer.WriteLine(line);
    }

    /// <summary>
    /// Drops the records of steps after <paramref name="step"/> (a run resumed from the checkpoint at that step
    /// logs them again), so each step appears once. The file is rewritten atomically; torn lines are dropped.
    /// </summary>
    public void DiscardStepsAfter(int step)
    {
        lock (_gate)
        {
            _writer.Dispose();
            var kept = new StringBuilder();
            foreach (var (line, record) in MetricsReader.ReadLines(Path))
            {
                if (record.TryGetProperty("step", out var s) && s.ValueKind == JsonValueKind.Number && s.TryGetInt64(out long n) && n > step) continue;
                kept.Append(line).Append('\n');
            }
            AtomicFile.WriteAllText(Path, kept.ToString());
            _writer = Open(append: true);
        }
    }

    public void Dispose() => _writer.Dispose();
}
