using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using SharpLM.Core;
using SharpLM.Evaluation.Reporting;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;

namespace SharpLM.Evaluation.Tests;

public class ReportCardTests
{
    /// <summary>Two tiny models evaluated on the needle task (cut to 10 of 12 documents, so one grid cell is empty) and arc_easy.</summary>
    private static (string Folder, List<string> ResultsPaths, List<List<TaskResult>> Results) TwoRuns()
    {
        string folder = TaskFixtures.Folder();
        var tasks = new[] { TaskConfig.Load(NeedleFixture.Write(folder)), TaskConfig.Load(TaskFixtures.Arc(folder)) };
        var paths = new List<string>();
        var all = new List<List<TaskResult>>();
        foreach (var (name, seed) in new[] { ("tiny-a", 11), ("tiny-b", 12) })
        {
            var model = TinyEngine.Model(seed, name);
            var results = tasks.Select(t => TaskEvaluator.Evaluate(t, model, limit: 10, bootstrapIterations: 0)).ToList();
            paths.Add(EvaluationRun.Write(Path.Combine(folder, "out"), name, new EvaluationSettings($"pretrained={name}", 10, BootstrapIterations: 0), results, DateTime.Now, DateTime.Now));
            all.Add(results);
        }
        return (folder, paths, all);
    }

    private static string Number(JsonNode? node) => ((double)node!).ToString("0.####", CultureInfo.InvariantCulture);

    [Fact]
    public void Results_files_read_back_with_main_metric_rows_and_the_needle_grid_averaged_by_hand()
    {
        var (_, paths, all) = TwoRuns();
        var file = ResultsFile.Load(paths[0]);
        Assert.Equal("tiny-a", file.Model);
        Assert.Equal(["needle", "arc_easy"], file.Tasks.Select(t => t.Task));
        var arc = file.Tasks[1];
        Assert.Equal(("acc", "none"), (arc.Main!.Metric, arc.Main.Filter));
        Assert.Equal((double)all[0][1].Metrics["acc,none"]!, arc.Main.Value);
        Assert.Equal((double)all[0][1].Metrics["acc_stderr,none"]!, arc.Main.StandardError);
        Assert.Equal(2, arc.Main.Documents);
        Assert.Equal(["acc", "acc_norm"], arc.Rows.Select(r => r.Metric).Order());
        Assert.Empty(arc.Needle);

        // The grid by hand from the in-memory samples: mean acc per (context length, depth).
        var expected = all[0][0].Samples
            .GroupBy(s => ((double)s["doc"]!["context_length"]!, (double)s["doc"]!["depth_percent"]!))
            .ToDictionary(g => g.Key, g => g.Average(s => (double)s["acc"]!));
        var needle = file.Tasks[0].Needle;
        Assert.Equal(5, needle.Count); // 10 of 12 documents: the last cell (depth 50, length 256) has none
        foreach (var cell in needle) Assert.Equal(expected[(cell.ContextLength, cell.DepthPercent)], cell.MeanScore, 12);
        Assert.DoesNotContain(needle, c => c is { ContextLength: 256, DepthPercent: 50 });
        Assert.Equal(10, needle.Sum(c => c.Documents));
    }

    [Fact]
    public void The_card_compares_models_in_markdown_and_a_self_contained_html_page()
    {
        var (folder, paths, all) = TwoRuns();
        string card = Path.Combine(folder, "card");
        string markdown = ReportCard.Write(card, paths.Select(ResultsFile.Load).ToList());
        string md = File.ReadAllText(markdown), html = File.ReadAllText(Path.Combine(card, ReportCard.HtmlName));

        // Every metric row of every model, with the values of the results files.
        for (int m = 0; m < 2; m++)
        {
            string model = m == 0 ? "tiny-a" : "tiny-b";
            foreach (var result in all[m])
                foreach (var (key, value) in result.Metrics.Where(p => !p.Key.Contains("_stderr")))
                {
                    string metric = key.Split(',')[0];
                    Assert.Contains($"| {model} | {metric} | none | {Number(value)} | {Number(result.Metrics[$"{metric}_stderr,none"])} | {result.EffectiveDocuments} |", md);
                }
        }
        string[] images = ["comparison.png", "needle_needle_tiny-a.png", "needle_needle_tiny-b.png"];
        foreach (string image in images)
        {
            Assert.Contains($"]({image})", md);
            byte[] png = File.ReadAllBytes(Path.Combine(card, image));
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
            // The page embeds the very same bytes, so it can be mailed or archived alone.
            Assert.Contains($"src=\"data:image/png;base64,{Convert.ToBase64String(png)}\"", html);
        }
        Assert.Equal(images.Length, Regex.Matches(html, "<img ").Count);
        Assert.DoesNotMatch("src=\"(?!data:)", html);
        Assert.Contains("<h2>arc_easy</h2>", html);
        // The summary opens the card: a row per model, each task's main metric ± its standard error.
        string Main(TaskResult r) => $"{Number(r.Metrics["acc,none"])} ± {Number(r.Metrics["acc_stderr,none"])}";
        Assert.Contains($"| model | needle (acc) | arc_easy (acc) |", md);
        Assert.Contains($"| tiny-b | {Main(all[1][0])} | {Main(all[1][1])} |", md);
    }

    [Fact]
    public void A_file_that_is_not_a_results_file_is_refused_with_its_path()
    {
        string folder = TaskFixtures.Folder();
        string path = Path.Combine(folder, "results_x.json");
        File.WriteAllText(path, "{\"model_name\": \"m\"}");
        var error = Assert.Throws<SharpLMException>(() => ResultsFile.Load(path));
        Assert.Contains(path, error.Message);
        Assert.Contains("'results'", error.Message);
        File.WriteAllText(path, "{\"results\": ");
        Assert.Contains(path, Assert.Throws<SharpLMException>(() => ResultsFile.Load(path)).Message);
        Assert.Throws<SharpLMException>(() => ResultsFile.Load(Path.Combine(folder, "missing.json")));
    }
}
