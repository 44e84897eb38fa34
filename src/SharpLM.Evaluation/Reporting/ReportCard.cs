using System.Globalization;
using System.Net;
using System.Text;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Reports;
using SharpLM.Evaluation.Pairwise;
using SharpLM.Evaluation.Running;

namespace SharpLM.Evaluation.Reporting;

/// <summary>
/// The report card of one or more models' results: <c>report.md</c> (tables, images linked by relative path),
/// <c>report.html</c> (the same, self-contained: images embedded as data URIs) and the PNGs. Charts: models side by
/// side on each task's main metric (<c>comparison.png</c> for tasks scored in [0, 1], <c>comparison_&lt;task&gt;.png</c>
/// for any other), and for tasks with a needle grid one heat map per model (<c>needle_&lt;task&gt;_&lt;model&gt;.png</c>).
/// </summary>
public static class ReportCard
{
    public const string MarkdownName = "report.md", HtmlName = "report.html";

    /// <summary>Writes the card into <paramref name="directory"/> and returns the Markdown path.</summary>
    /// <param name="pairwise">Ratings from pairwise judgements, for a "Pairwise preference" section; none when null.</param>
    public static string Write(string directory, IReadOnlyList<ResultsFile> runs, PairwiseRatings? pairwise = null)
    {
        if (runs.Count == 0) throw new SharpLMException("a report needs at least one results file.");
        Directory.CreateDirectory(directory);
        var models = UniqueNames(runs);
        var tasks = runs.SelectMany(r => r.Tasks.Select(t => t.Task)).Distinct(StringComparer.Ordinal).ToList();
        TaskReport? Find(int run, string task) => runs[run].Tasks.FirstOrDefault(t => t.Task == task);

        var charts = new List<(string Caption, string File)>();
        var unitTasks = tasks.Where(t => Enumerable.Range(0, runs.Count).All(r => Find(r, t)?.Main?.Value is not { } v || v is >= 0 and <= 1)).ToList();
        if (unitTasks.Count > 0) charts.Add(("main metric per task", Comparison(directory, "comparison.png", unitTasks, runs, models, Find, 1.0)));
        foreach (string task in tasks.Except(unitTasks))
            charts.Add(($"{task}: main metric", Comparison(directory, $"comparison_{FileSafe(task)}.png", [task], runs, models, Find, null)));
        var heatMaps = new List<(string Caption, string File)>();
        for (int r = 0; r < runs.Count; r++)
            foreach (var task in runs[r].Tasks.Where(t => t.Needle.Count > 0))
                heatMaps.Add(($"{task.Task}, {models[r]}: mean {task.Main!.Metric} by context length and needle depth",
                    Needle(directory, $"needle_{FileSafe(task.Task)}_{FileSafe(models[r])}.png", task, models[r])));

        var md = new StringBuilder("# Evaluation report\n\n");
        var html = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Evaluation report</title><style>")
            .Append("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right}img{max-width:100%}")
            .Append("</style></head><body>\n<h1>Evaluation report</h1>\n");
        Summary(md, html, runs, models, tasks, Find);
        foreach (var (caption, file) in charts.Concat(heatMaps))
        {
            md.Append($"![{caption}]({file})\n\n");
            html.Append($"<figure><img alt=\"{Html(caption)}\" src=\"data:image/png;base64,{Convert.ToBase64String(File.ReadAllBytes(Path.Combine(directory, file)))}\"><figcaption>{Html(caption)}</figcaption></figure>\n");
        }
        foreach (string task in tasks)
        {
            md.Append($"## {task}\n\n| model | metric | filter | value | stderr | n |\n|---|---|---|---:|---:|---:|\n");
            html.Append($"<h2>{Html(task)}</h2>\n<table><tr><th>model</th><th>metric</th><th>filter</th><th>value</th><th>stderr</th><th>n</th></tr>\n");
            for (int r = 0; r < runs.Count; r++)
                foreach (var row in Find(r, task)?.Rows ?? [])
                {
                    string[] cells = [models[r], row.Metric, row.Filter, Number(row.Value), Number(row.StandardError), row.Documents?.ToString(CultureInfo.InvariantCulture) ?? ""];
                    md.Append("| ").Append(string.Join(" | ", cells.Select(MarkdownCell))).Append(" |\n");
                    html.Append("<tr>").Append(string.Concat(cells.Select((c, i) => i >= 3 ? $"<td class=\"n\">{Html(c)}</td>" : $"<td>{Html(c)}</td>"))).Append("</tr>\n");
                }
            md.Append('\n');
            html.Append("</table>\n");
        }
        if (pairwise is not null) PairwiseSection.Append(directory, pairwise, md, html);
        md.Append("Results files:\n\n");
        html.Append("<p>Results files:</p><ul>\n");
        for (int r = 0; r < runs.Count; r++)
        {
            md.Append($"- {models[r]}: `{Path.GetFullPath(runs[r].Path)}`\n");
            html.Append($"<li>{Html(models[r])}: <code>{Html(Path.GetFullPath(runs[r].Path))}</code></li>\n");
        }
        html.Append("</ul>\n</body></html>\n");
        AtomicFile.WriteAllText(Path.Combine(directory, HtmlName), html.ToString());
        string markdown = Path.Combine(directory, MarkdownName);
        AtomicFile.WriteAllText(markdown, md.ToString());
        return markdown;
    }

    /// <summary>The models × tasks table of main metrics that opens the card.</summary>
    private static void Summary(StringBuilder md, StringBuilder html, IReadOnlyList<ResultsFile> runs, IReadOnlyList<string> models, IReadOnlyList<string> tasks,
        Func<int, string, TaskReport?> find)
    {
        string Header(string task) => find(Enumerable.Range(0, runs.Count).First(r => find(r, task) is not null), task)?.Main is { } m ? $"{task} ({m.Metric})" : task;
        md.Append("| model | ").Append(string.Join(" | ", tasks.Select(t => MarkdownCell(Header(t))))).Append(" |\n|---|")
            .Append(string.Concat(tasks.Select(_ => "---:|"))).Append('\n');
        html.Append("<table><tr><th>model</th>").Append(string.Concat(tasks.Select(t => $"<th>{Html(Header(t))}</th>"))).Append("</tr>\n");
        for (int r = 0; r < runs.Count; r++)
        {
            var values = tasks.Select(t => find(r, t)?.Main is { } m ? Number(m.Value) + (m.StandardError is { } e ? $" ± {Number(e)}" : "") : "").ToList();
            md.Append("| ").Append(MarkdownCell(models[r])).Append(" | ").Append(string.Join(" | ", values)).Append(" |\n");
            html.Append($"<tr><td>{Html(models[r])}</td>").Append(string.Concat(values.Select(v => $"<td class=\"n\">{Html(v)}</td>"))).Append("</tr>\n");
        }
        md.Append('\n');
        html.Append("</table>\n");
    }

    private static string Comparison(string directory, string file, IReadOnlyList<string> tasks, IReadOnlyList<ResultsFile> runs, IReadOnlyList<string> models,
        Func<int, string, TaskReport?> find, double? yMax)
    {
        var series = Enumerable.Range(0, runs.Count).Select(r => new BarSeries(models[r], ChartPalette.Series(r),
            tasks.Select(t => find(r, t)?.Main?.Value).ToList(), tasks.Select(t => find(r, t)?.Main?.StandardError).ToList())).ToList();
        string metric = string.Join(", ", tasks.Select(t => Enumerable.Range(0, runs.Count).Select(r => find(r, t)?.Main?.Metric).FirstOrDefault(m => m is not null)).Distinct());
        new GroupedBarChart().Save(Path.Combine(directory, file), tasks.Count == 1 ? $"{tasks[0]}: {metric}" : "main metric per task", metric, tasks, series, yMax);
        return file;
    }

    private static string Needle(string directory, string file, TaskReport task, string model)
    {
        var lengths = task.Needle.Select(c => c.ContextLength).Distinct().Order().ToList();
        var depths = task.Needle.Select(c => c.DepthPercent).Distinct().Order().ToList();
        var grid = new double?[depths.Count, lengths.Count];
        foreach (var cell in task.Needle) grid[depths.IndexOf(cell.DepthPercent), lengths.IndexOf(cell.ContextLength)] = cell.MeanScore;
        new HeatMap().Save(Path.Combine(directory, file), $"{task.Task}: {model}", "depth %", "context length (tokens)",
            depths.Select(Number).ToList(), lengths.Select(Number).ToList(), grid, 0, 1);
        return file;
    }

    /// <summary>Model names for the card; a name given twice gets " (2)", " (3)" so rows and series stay apart.</summary>
    private static List<string> UniqueNames(IReadOnlyList<ResultsFile> runs)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        return runs.Select(r => (seen[r.Model] = seen.GetValueOrDefault(r.Model) + 1) == 1 ? r.Model : $"{r.Model} ({seen[r.Model]})").ToList();
    }

    private static string FileSafe(string name) => EvaluationRun.Sanitize(name).Replace(' ', '_');
    private static string Number(double? value) => value is { } v ? v.ToString("0.####", CultureInfo.InvariantCulture) : "";
    private static string Number(double value) => value.ToString("0.####", CultureInfo.InvariantCulture);
    private static string Html(string text) => WebUtility.HtmlEncode(text);
    private static string MarkdownCell(string text) => text.Replace("|", "\\|").Replace("\n", " ");
}
