using System.Text.Json;
using SharpLM.Core;

namespace SharpLM.Evaluation.Tasks;

/// <summary>A split's documents from a local JSON Lines file or a JSON array, as Hugging Face's json loader reads them.</summary>
public static class TaskDocuments
{
    public static List<Dictionary<string, object?>> Load(TaskConfig task, string split)
    {
        if (!task.DataFiles.TryGetValue(split, out string? path))
            throw new SharpLMException($"{task.SourcePath}: split '{split}' has no file in dataset_kwargs: data_files:.");
        if (!File.Exists(path)) throw new SharpLMException($"{path}: data file of task {task.Name} (split {split}) not found.");
        string text = File.ReadAllText(path);
        var documents = new List<Dictionary<string, object?>>();
        if (text.TrimStart().StartsWith('['))
        {
            using var array = Parse(text, path, 1);
            foreach (var element in array.RootElement.EnumerateArray()) documents.Add(AsDocument(element, path, documents.Count + 1));
            return documents;
        }
        int line = 0;
        foreach (string row in text.Split('\n'))
        {
            line++;
            if (row.Trim().Length == 0) continue;
            using var json = Parse(row, path, line);
            documents.Add(AsDocument(json.RootElement, path, line));
        }
        return documents;
    }

    private static JsonDocument Parse(string text, string path, int line)
    {
        try
        {
            return JsonDocument.Parse(text);
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: line {line + (int)(e.LineNumber ?? 0)}: not valid JSON ({e.Message}).");
        }
    }

    private static Dictionary<string, object?> AsDocument(JsonElement element, string path, int line) =>
        PythonValue.FromJson(element) as Dictionary<string, object?>
            ?? throw new SharpLMException($"{path}: line {line}: each document must be a JSON object.");
}
