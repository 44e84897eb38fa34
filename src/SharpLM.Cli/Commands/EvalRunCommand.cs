using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Models.Folder;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm eval run --model DIR --tasks FILE.yaml ... --out DIR`: lm-eval task files on the C# engine, writing
/// lm-eval-shaped results and samples files.
/// </summary>
public static class EvalRunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (SharpLM or Hugging Face Llama/Qwen3/GPT-2).", Required = true };
        var tasks = new Option<string[]>("--tasks", "-t")
        {
            Description = "lm-eval task YAML files; repeat for several tasks.", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o") { Description = "Output folder; files go to OUT/<model name>/.", Required = true };
        var limit = new Option<int?>("--limit") { Description = "Evaluate at most this many documents per task." };
        var threads = new Option<int>("--threads") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var bootstrap = new Option<int>("--bootstrap-iters") { Description = "Bootstrap resamples for perplexity standard errors (0 skips them).", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--fewshot-seed") { Description = "Seed of the few-shot example draw.", DefaultValueFactory = _ => 1234 };
        var command = new Command("run", "Run lm-eval task files on a model with the C# engine.") { model, tasks, output, limit, threads, bootstrap, seed };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            // Every task file is read before the model loads, so a bad file costs nothing.
            var configs = parse.GetValue(tasks)!.Select(TaskConfig.Load).ToList();
            var folder = ModelFolder.Open(parse.GetValue(model)!);
            var (session, tokenizer) = ModelLoader.OpenEngine(folder, parse.GetValue(threads));
            var engine = new EngineEvaluationModel(session, tokenizer, folder.Directory);
            var settings = new EvaluationSettings($"pretrained={folder.Directory}", parse.GetValue(limit), parse.GetValue(seed), parse.GetValue(bootstrap));
            var start = DateTime.Now;
            var results = new List<TaskResult>();
            foreach (var task in configs)
            {
                int documents = TaskDocuments.Load(task, task.EvaluationSplit).Count;
                if (settings.Limit is int cap) documents = Math.Min(documents, cap);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                results.Add(Display.Progress(task.Name, documents, sink => TaskEvaluator.Evaluate(task, engine, settings.Limit, settings.FewshotSeed,
                    settings.BootstrapIterations, (done, total) => sink.Report(done, $"{done}/{total} documents, {done / Math.Max(1e-9, clock.Elapsed.TotalSeconds):F1} docs/s"))));
            }
            string path = EvaluationRun.Write(parse.GetValue(output)!, Path.GetFileName(folder.Directory.TrimEnd('/')), settings, results, start, DateTime.Now);
            PrintTable(results);
            Display.Info($"results: {path}");
            return 0;
        }));
        return command;
    }

    private static void PrintTable(IReadOnlyList<TaskResult> results)
    {
        var table = new Table().AddColumns("task", "version", "filter", "n-shot", "metric", "value", "stderr");
        foreach (var result in results)
            foreach (var (key, value) in result.Metrics.Where(p => !p.Key.Contains("_stderr,")).OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                string metric = key[..key.IndexOf(',')], filter = key[(key.IndexOf(',') + 1)..];
                var error = result.Metrics.GetValueOrDefault($"{metric}_stderr,{filter}");
                table.AddRow(Markup.Escape(result.Task.Name), result.Task.Version?.ToString() ?? "", Markup.Escape(filter), result.Task.NumFewshot.ToString(),
                    Markup.Escape(metric), Format(value), Format(error));
            }
        AnsiConsole.Write(table);
    }

    private static string Format(System.Text.Json.Nodes.JsonNode? value) =>
        value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue(out double d) ? d.ToString("F4") : Markup.Escape(value?.ToString() ?? "");
}
