using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Core.IO;

namespace SharpLM.Evaluation.Reporting;

/// <summary>One row of a task's table: a metric under a filter, its value, standard error and document count.</summary>
public sealed record MetricRow(string Metric, string Filter, double? Value, double? StandardError, int? Documents);

/// <summary>One cell of a needle-in-a-haystack grid: the mean main-metric score of the documents at that spot.</summary>
public sealed record HeatCell(double ContextLength, double DepthPercent, double MeanScore, int Documents);

/// <summary>A task's part of a results file: its rows, the metric charts compare on, and a needle grid where its docs have one.</summary>
public sealed record TaskReport(string Task, IReadOnlyList<MetricRow> Rows, MetricRow? Main, IReadOnlyList<HeatCell> Needle);

/// <summary>
/// An lm-eval-shaped results_&lt;time&gt;.json (as <c>eval run</c> writes it) read back for a report, with the samples
/// files beside it for the tasks whose documents carry <c>context_length</c> and <c>depth_percent</c>.
/// </summary>
public sealed record ResultsFile(string Path, string Model, IReadOnlyList<TaskReport> Tasks)
{
    public static ResultsFile Load(string path)
    {
        InputFiles.RequireFile(path, "results JSON");
        JsonObject root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new SharpLMException($"{path}: a results file is a JSON object.");
        }
        catch (JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON at line {(e.LineNumber ?? 0) + 1} ({e.Message.Split('.')[0]}).");
        }
        if (root["results"] is not JsonObject results) throw new SharpLMException($"{path}: field 'results' is missing; is this an eval run results file?");
        string model = root["model_name"]?.GetValueKind() == JsonValueKind.String ? (string)root["model_name"]! : System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path)))!;
        string name = System.IO.Path.GetFileNameWithoutExtension(path);
        string time = name.StartsWith("results_", StringComparison.Ordinal) ? name["results_".Length..] : "";
        var tasks = new List<TaskReport>();
        foreach (var (task, node) in results)
        {
            if (node is not JsonObject entry) throw new SharpLMException($"{path}: field 'results.{task}' is not an object.");
            int? documents = root["n-samples"]?[task]?["effective"] is JsonValue n && n.TryGetValue(out int count) ? count : null;
            var rows = new List<MetricRow>();
            foreach (var (key, value) in entry)
            {
                int comma = key.IndexOf(',');
                if (comma < 0 || key.Contains("_stderr,", StringComparison.Ordinal)) continue;
                string metric = key[..comma], filter = key[(comma + 1)..];
                rows.Add(new MetricRow(metric, filter, Number(value), Number(entry[$"{metric}_stderr,{filter}"]), documents));
            }
            var order = (root["higher_is_better"]?[task] as JsonObject)?.Select(p => p.Key).ToList() ?? [];
            var main = order.Select(m => rows.Where(r => r.Metric == m && r.Value is not null).OrderBy(r => r.Filter == "none" ? 0 : 1).FirstOrDefault())
                .FirstOrDefault(r => r is not null) ?? rows.FirstOrDefault(r => r.Value is not null);
            string samples = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!, $"samples_{task}_{time}.jsonl");
            var needle = main is not null && File.Exists(samples) ? NeedleGrid(samples, main) : [];
            tasks.Add(new TaskReport(task, rows, main, needle));
        }
        return new ResultsFile(path, model, tasks);
    }

    /// <summary>Mean main-metric score per (context length, depth) over the samples of the main metric's filter; empty when the docs lack either field.</summary>
    private static IReadOnlyList<HeatCell> NeedleGrid(string samplesPath, MetricRow main)
    {
        var cells = new Dictionary<(double, double), (double Sum, int Count)>();
        foreach (var (number, utf8) in JsonlLines.Read(samplesPath, "samples JSONL"))
        {
            JsonNode? sample;
            try { sample = JsonNode.Parse(utf8.Span); }
            catch (JsonException) { throw new SharpLMException($"{samplesPath}:{number}: not a JSON object."); }
            if (sample?["filter"] is JsonValue f && f.TryGetValue(out string? filter) && filter != main.Filter) continue;
            if (Number(sample?["doc"]?["context_length"]) is not { } length || Number(sample?["doc"]?["depth_percent"]) is not { } depth) return [];
            if (Number(sample?[main.Metric]) is not { } score) continue;
            var (sum, count) = cells.GetValueOrDefault((length, depth));
            cells[(length, depth)] = (sum + score, count + 1);
        }
        return cells.OrderBy(c => c.Key.Item2).ThenBy(c => c.Key.Item1)
            .Select(c => new HeatCell(c.Key.Item1, c.Key.Item2, c.Value.Sum / c.Value.Count, c.Value.Count)).ToList();
    }

    private static double? Number(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out double d) => d,
        JsonValue v when v.TryGetValue(out bool b) => b ? 1 : 0,
        JsonValue v when v.TryGetValue(out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double parsed) => parsed,
        _ => null,
    };
}
