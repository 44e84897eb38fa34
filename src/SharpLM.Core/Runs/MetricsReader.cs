using System.Text.Json;

namespace SharpLM.Core.Runs;

/// <summary>Reads the records of a metrics.jsonl file back, for reports and tests.</summary>
public static class MetricsReader
{
    public static IEnumerable<JsonElement> Read(string path, string? eventName = null)
    {
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (eventName is null || (root.TryGetProperty("event", out var e) && e.GetString() == eventName))
                yield return root.Clone();
        }
    }
}
