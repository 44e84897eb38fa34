using System.Text.Json;

namespace SharpLM.Core.Runs;

/// <summary>
/// Reads the records of a metrics.jsonl file back, for reports and tests. A line that is not a JSON object (the
/// torn last line of a killed run) is skipped and reported, so one interrupted write never makes a run folder
/// unreadable. Numbers that JSON cannot hold arrive as the strings "NaN", "Infinity" and "-Infinity".
/// </summary>
public static class MetricsReader
{
    /// <param name="skipped">Told the 1-based number of each line that is skipped.</param>
    public static IEnumerable<JsonElement> Read(string path, string? eventName = null, Action<int>? skipped = null)
    {
        foreach (var (_, record) in ReadLines(path, skipped))
            if (eventName is null || (record.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String && e.GetString() == eventName))
                yield return record;
    }

    /// <summary>The 1-based numbers of the lines that are not records (torn by killed runs).</summary>
    public static IReadOnlyList<int> UnreadableLines(string path)
    {
        var lines = new List<int>();
        if (File.Exists(path)) foreach (var _ in ReadLines(path, lines.Add)) { }
        return lines;
    }

    /// <summary>Each readable record with its text.</summary>
    internal static IEnumerable<(string Line, JsonElement Record)> ReadLines(string path, Action<int>? skipped = null)
    {
        int number = 0;
        foreach (string line in File.ReadLines(path))
        {
            number++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonElement? record = Parse(line);
            if (record is null) skipped?.Invoke(number);
            else yield return (line, record.Value);
        }
    }

    private static JsonElement? Parse(string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>A number field's value, or null when absent, null or not a finite number.</summary>
    public static double? Number(JsonElement record, string field) =>
        record.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out double d) && double.IsFinite(d) ? d : null;
}
