using System.Text.Json;
using SharpLM.Core.Runs;

namespace SharpLM.Evaluation.Running;

/// <summary>
/// The answers a model has already given, kept in an append-only JSONL file (<c>requests.jsonl</c>) so a run that
/// was stopped continues where it stopped. Each line holds a key (SHA-256 of the model's identity, the request kind
/// and the request's content) and the answer; lines are written and flushed as each request completes, through the
/// metrics writer, so a torn last line from a killed process is skipped on reading and the file continues on a
/// new line. The caller holds the output folder's <see cref="Core.IO.FolderLock"/>, so one process writes it.
/// </summary>
public sealed class RequestCache : IDisposable
{
    public const string FileName = "requests.jsonl";
    private const string Event = "request";

    private readonly Dictionary<string, JsonElement> _answers = new(StringComparer.Ordinal);
    private readonly MetricsWriter _writer;
    private readonly string _identity;
    private readonly object _gate = new();

    /// <param name="identity">What makes a model's answers its own: the model's files or address and name.</param>
    public RequestCache(string path, string identity)
    {
        _identity = identity;
        if (File.Exists(path))
            foreach (var record in MetricsReader.Read(path, Event))
                if (record.TryGetProperty("key", out var key) && key.ValueKind == JsonValueKind.String && record.TryGetProperty("answer", out var answer))
                    _answers[key.GetString()!] = answer.Clone();
        _writer = new MetricsWriter(path);
    }

    /// <summary>Answers read from the file when it was opened plus those stored since.</summary>
    public int Count { get { lock (_gate) return _answers.Count; } }

    public string Key(string kind, object request) => PythonJson.Sha256(_identity + "\n" + kind + "\n" + JsonSerializer.Serialize(request));

    public bool TryGet(string key, out JsonElement answer)
    {
        lock (_gate) return _answers.TryGetValue(key, out answer);
    }

    public void Store(string key, object answer)
    {
        var element = JsonSerializer.SerializeToElement(answer, answer.GetType(), MetricsValues);
        lock (_gate)
        {
            _writer.Write(Event, new Dictionary<string, object?> { ["key"] = key, ["answer"] = element });
            _answers[key] = element;
        }
    }

    private static readonly JsonSerializerOptions MetricsValues = new() { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public void Dispose() => _writer.Dispose();
}
