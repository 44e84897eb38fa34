using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Models.Folder;
using SharpLM.Core;
using SharpLM.Evaluation.Endpoint;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm eval run --model DIR | --endpoint URL --tasks FILE.yaml ... --out DIR`: lm-eval task files on the C# engine
/// or an OpenAI-compatible server, writing lm-eval-shaped results and samples files.
/// </summary>
public static class EvalRunCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (SharpLM or Hugging Face Llama/Qwen3/GPT-2); or give --endpoint." };
        var endpoint = new Option<string>("--endpoint") { Description = "An OpenAI-compatible server's address (http://host:port) to evaluate instead of a model folder." };
        var apiKey = new Option<string>("--api-key") { Description = "The endpoint's API key (default: $OPENAI_API_KEY)." };
        var modelName = new Option<string>("--model-name") { Description = "The endpoint's model name (default: the first of /v1/models)." };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens one endpoint request may hold (rolling windows, cut prompts).", DefaultValueFactory = _ => 2048 }.AtLeast(2);
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each endpoint answer.", DefaultValueFactory = _ => 300 }.AtLeast(1);
        var tasks = new Option<string[]>("--tasks", "-t")
        {
            Description = "lm-eval task YAML files; repeat for several tasks.", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o") { Description = "Output folder; files go to OUT/<model name>/.", Required = true };
        var limit = new Option<int?>("--limit") { Description = "Evaluate at most this many documents per task." };
        var threads = new Option<int>("--threads") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var bootstrap = new Option<int>("--bootstrap-iters") { Description = "Bootstrap resamples for perplexity standard errors (0 skips them).", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--fewshot-seed") { Description = "Seed of the few-shot example draw.", DefaultValueFactory = _ => 1234 };
        var adapter = AdapterOption.Create();
        var command = new Command("run", "Run lm-eval task files on a model with the C# engine, or on an OpenAI-compatible server.") { model, endpoint, apiKey, modelName, maxLength, timeout, tasks, output, limit, threads, bootstrap, seed, adapter };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            // Every task file is read before the model loads, so a bad file costs nothing.
            var configs = parse.GetValue(tasks)!.Select(TaskConfig.Load).ToList();
            var (engine, modelArgs, runName) = OpenModel(parse, model, endpoint, apiKey, modelName, maxLength, timeout, threads, adapter);
            var settings = new EvaluationSettings(modelArgs, parse.GetValue(limit), parse.GetValue(seed), parse.GetValue(bootstrap));
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
            string path = EvaluationRun.Write(parse.GetValue(output)!, runName, settings, results, start, DateTime.Now);
            PrintTable(results);
            Display.Info($"results: {path}");
            return 0;
        }));
        return command;
    }

    /// <summary>The engine over a model folder, or an endpoint: exactly one of --model and --endpoint.</summary>
    private static (IEvaluationModel Model, string ModelArgs, string RunName) OpenModel(ParseResult parse, Option<string> model, Option<string> endpoint,
        Option<string> apiKey, Option<string> modelName, Option<int> maxLength, Option<int> timeout, Option<int> threads, Option<string?> adapter)
    {
        string? directory = parse.GetValue(model), address = parse.GetValue(endpoint);
        if ((directory is null) == (address is null))
            throw new SharpLMException("eval run needs exactly one of --model (a model folder) and --endpoint (a server's address).");
        if (address is not null && parse.GetValue(adapter) is not null) throw new SharpLMException("--adapter applies to --model; it cannot change an endpoint's model.");
        if (directory is not null)
        {
            var folder = ModelFolder.Open(directory);
            var (session, tokenizer) = ModelLoader.OpenEngine(folder, parse.GetValue(threads), parse.GetValue(adapter));
            return (new EngineEvaluationModel(session, tokenizer, folder.Directory), $"pretrained={folder.Directory}", Path.GetFileName(folder.Directory.TrimEnd('/')));
        }
        var client = new EndpointClient(address!, parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY"),
            TimeSpan.FromSeconds(parse.GetValue(timeout)));
        var served = new EndpointEvaluationModel(client, parse.GetValue(modelName), parse.GetValue(maxLength));
        // The results folder is named after the model; a served name may hold slashes (org/model).
        string runName = string.Join("__", served.Name.Split('/', '\\', ':'));
        return (served, $"base_url={client.Address},model={served.Name}", runName);
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
