using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Models.Folder;
using SharpLM.Core;
using SharpLM.Evaluation.Endpoint;
using SharpLM.Evaluation.Engine;
using SharpLM.Evaluation.Reporting;
using SharpLM.Evaluation.Running;
using SharpLM.Evaluation.Tasks;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm eval run --model DIR ... | --endpoint URL ... --tasks FILE.yaml ... --out DIR`: lm-eval task files on the C#
/// engine or OpenAI-compatible servers, writing lm-eval-shaped results and samples files per model and a report card.
/// </summary>
public static class EvalRunCommand
{
    public static Command Create()
    {
        var model = new Option<string[]>("--model", "-m") { Description = "Model folder (SharpLM or Hugging Face Llama/Qwen3/GPT-2); repeat to compare several models.", AllowMultipleArgumentsPerToken = true };
        var endpoint = new Option<string[]>("--endpoint") { Description = "An OpenAI-compatible server's address (http://host:port) to evaluate; repeatable, and combinable with --model.", AllowMultipleArgumentsPerToken = true };
        var apiKey = new Option<string>("--api-key") { Description = "The endpoint's API key (default: $OPENAI_API_KEY)." };
        var modelName = new Option<string>("--model-name") { Description = "The endpoint's model name (default: the first of /v1/models); only with one --endpoint." };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens one endpoint request may hold (rolling windows, cut prompts).", DefaultValueFactory = _ => 2048 }.AtLeast(2);
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each endpoint answer.", DefaultValueFactory = _ => 300 }.AtLeast(1);
        var tasks = new Option<string[]>("--tasks", "-t")
        {
            Description = "lm-eval task YAML files, or folders of them (a suite from `eval suite`); repeat for several.", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o") { Description = "Output folder: OUT/<model name>/ per model, report.md, report.html and metrics.jsonl in OUT; a rerun reuses the answers cached there.", Required = true };
        var limit = new Option<int?>("--limit") { Description = "Evaluate at most this many documents per task." };
        var threads = new Option<int>("--threads") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount };
        var bootstrap = new Option<int>("--bootstrap-iters") { Description = "Bootstrap resamples for perplexity standard errors (0 skips them).", DefaultValueFactory = _ => 100_000 };
        var seed = new Option<int>("--fewshot-seed") { Description = "Seed of the few-shot example draw.", DefaultValueFactory = _ => 1234 };
        var chat = new Option<bool>("--chat", "--apply-chat-template") { Description = "Endpoint: generate through /v1/chat/completions, the context as one user message." };
        var concurrency = new Option<int>("--concurrency") { Description = "Endpoint: requests in flight at once (lm-eval's num_concurrent).", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var adapter = AdapterOption.Create();
        var command = new Command("run", "Run lm-eval task files on one or more models with the C# engine, or on OpenAI-compatible servers; writes results and a report card.") { model, endpoint, apiKey, modelName, maxLength, timeout, tasks, output, limit, threads, bootstrap, seed, chat, concurrency, adapter };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            // Every task file is read before any model loads, so a bad file costs nothing.
            var configs = TaskPaths.Expand(parse.GetValue(tasks)!).Select(TaskConfig.Load).ToList();
            if ((parse.GetValue(endpoint) ?? []).Length == 0 && (parse.GetValue(chat) || parse.GetValue(concurrency) > 1))
                throw new SharpLMException("--chat and --concurrency apply to --endpoint only; the engine runs one request at a time on --threads threads.");
            var targets = Targets(parse, model, endpoint, apiKey, modelName, maxLength, timeout, threads, chat, concurrency, adapter);
            string outDir = parse.GetValue(output)!;
            var runs = EvaluationRunStage.Run(outDir, targets, configs,
                modelArgs => new EvaluationSettings(modelArgs, parse.GetValue(limit), parse.GetValue(seed), parse.GetValue(bootstrap)));
            foreach (var (path, results) in runs)
            {
                PrintTable(results);
                Display.Info($"results: {path}");
            }
            Display.Info($"report: {Path.Combine(outDir, ReportCard.MarkdownName)}");
            return 0;
        }));
        return command;
    }

    /// <summary>The models to evaluate, in order: every --model folder, then every --endpoint; at least one.</summary>
    private static List<EvaluationTarget> Targets(ParseResult parse, Option<string[]> model, Option<string[]> endpoint,
        Option<string> apiKey, Option<string> modelName, Option<int> maxLength, Option<int> timeout, Option<int> threads, Option<bool> chat, Option<int> concurrency, Option<string?> adapter)
    {
        string[] directories = parse.GetValue(model) ?? [], addresses = parse.GetValue(endpoint) ?? [];
        if (directories.Length + addresses.Length == 0)
            throw new SharpLMException("eval run needs at least one --model (a model folder) or --endpoint (a server's address).");
        if (parse.GetValue(modelName) is not null && addresses.Length != 1)
            throw new SharpLMException("--model-name names the model of one --endpoint; give exactly one --endpoint with it.");
        string? adapterDirectory = parse.GetValue(adapter);
        if (adapterDirectory is not null && directories.Length == 0) throw new SharpLMException("--adapter applies to --model; it cannot change an endpoint's model.");
        var targets = new List<EvaluationTarget>();
        foreach (string directory in directories)
        {
            var folder = ModelFolder.Open(directory);
            // The cache identity changes when any file of the model folder does, so retrained weights never reuse old answers.
            string arguments = adapterDirectory is null ? $"pretrained={folder.Directory}" : $"pretrained={folder.Directory},peft={Path.GetFullPath(adapterDirectory)}";
            string identity = arguments + "\n" + FilesIdentity(folder.Directory) + (adapterDirectory is null ? "" : "\n" + FilesIdentity(adapterDirectory));
            targets.Add(new EvaluationTarget(Path.GetFileName(folder.Directory.TrimEnd('/')), arguments, identity, () =>
            {
                var (session, tokenizer) = ModelLoader.OpenEngine(folder, parse.GetValue(threads), adapterDirectory);
                return new EngineEvaluationModel(session, tokenizer, folder.Directory);
            }));
        }
        foreach (string address in addresses)
        {
            var client = new EndpointClient(address, parse.GetValue(apiKey) ?? Environment.GetEnvironmentVariable("OPENAI_API_KEY"),
                TimeSpan.FromSeconds(parse.GetValue(timeout)));
            // The served name is needed for the folder name before the run starts.
            var served = new EndpointEvaluationModel(client, parse.GetValue(modelName), parse.GetValue(maxLength), parse.GetValue(chat));
            // The results folder is named after the model; a served name may hold slashes (org/model).
            string runName = string.Join("__", served.Name.Split('/', '\\', ':'));
            string args = $"base_url={client.Address},model={served.Name},num_concurrent={parse.GetValue(concurrency)},chat={(served.Chat ? "true" : "false")}";
            // Chat and completions answer differently, so they never share cached answers.
            targets.Add(new EvaluationTarget(runName, args, $"base_url={client.Address},model={served.Name},chat={served.Chat},max_length={parse.GetValue(maxLength)}", () => served)
            {
                Concurrency = parse.GetValue(concurrency),
            });
        }
        return targets;
    }

    internal static string FilesIdentity(string directory) =>
        string.Join("\n", Directory.EnumerateFiles(directory).Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f)).Select(f => $"{f.Name}:{f.Length}:{f.LastWriteTimeUtc.Ticks}"));

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
