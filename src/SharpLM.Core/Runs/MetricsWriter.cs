using System.Text;
using System.Text.Json;

namespace SharpLM.Core.Runs;

/// <summary>
/// Appends machine-readable records to a metrics.jsonl file: one JSON object per line with an "event" name,
/// a UTC timestamp and the event's numbers. Each line is flushed as written so a crashed or killed run keeps
/// every metric it reported.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly StreamWriter _writer;
    private readonly object _gate = new();

    public string Path { get; }

    public MetricsWriter(string path, bool append = true)
    {
        Path = path;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!);
        _writer = new StreamWriter(path, append, new UTF8Encoding(false)) { AutoFlush = true };
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
                JsonSerializer.Serialize(json, value, value?.GetType() ?? typeof(object));
            }
            json.WriteEndObject();
        }
        string line = Encoding.UTF8.GetString(buffer.ToArray());
        lock (_gate) _writer.WriteLine(line);
    }

    public void Dispose() => _writer.Dispose();
}
