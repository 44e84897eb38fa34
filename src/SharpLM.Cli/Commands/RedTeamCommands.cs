using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Judges;
using SharpLM.Safety.Metrics;
using SharpLM.Safety.Reports;
using SharpLM.Safety.Running;
using SharpLM.Safety.Transforms;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm redteam --model DIR | --endpoint URL --out DIR`: the probe catalogue under attack transforms against a model,
/// judged by refusal strings and optionally a guard model; writes attempts.jsonl, garak's report.jsonl, results.json
/// and the safety card. Also `redteam bias`.
/// </summary>
public static class RedTeamCommands
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to test in-process; or give --endpoint." };
        var endpoint = new Option<string>("--endpoint") { Description = "An OpenAI-compatible server's address (http://host:port) to test instead." };
        var apiKey = new Option<string>("--api-key") { Description = "The endpoint's API key (default: $OPENAI_API_KEY)." };
        var modelName = new Option<string>("--model-name") { Description = "The endpoint's model name (default: the first of /v1/models)." };
        var output = new Option<string>("--out", "-o") { Description = "Output folder; an existing attempts.jsonl there is resumed.", Required = true };
        var probes = new Option<string[]>("--probes") { Description = "Extra probe catalogue JSONL files (see docs/safety.md).", AllowMultipleArgumentsPerToken = true };
        var transformFiles = new Option<string[]>("--transform-file") { Description = "Extra attack transform JSONL files (see docs/safety.md).", AllowMultipleArgumentsPerToken = true };
        var noBuiltin = new Option<bool>("--no-builtin") { Description = "Leave out the shipped probes (and the shipped transforms when --transform-file files are given)." };
        var only = new Option<string[]>("--transforms") { Description = "Run only these transforms (names).", AllowMultipleArgumentsPerToken = true };
        var categories = new Option<string[]>("--categories") { Description = "Run only these hazard categories (S1..S14).", AllowMultipleArgumentsPerToken = true };
        var limit = new Option<int?>("--limit") { Description = "At most this many probes per category." }.AtLeast(1);
        var guard = new Option<string>("--guard") { Description = "A Llama Guard-style model folder to judge answers (its verdict is forced into Llama Guard's grammar)." };
        var guardEndpoint = new Option<string>("--guard-endpoint") { Description = "An OpenAI-compatible server whose model is the guard (instead of --guard); its verdict is requested in Llama Guard's grammar." };
        var guardModelName = new Option<string>("--guard-model-name") { Description = "The guard endpoint's model name (default: the first of its /v1/models)." };
        var guardApiKey = new Option<string>("--guard-api-key") { Description = "The guard endpoint's API key (default: $SHARPLM_GUARD_API_KEY)." };
        var concurrency = new Option<int>("--concurrency") { Description = "Conversations in flight at once.", DefaultValueFactory = _ => 4 }.AtLeast(1);
        var maxTokens = new Option<int>("--max-tokens") { Description = "Tokens per answer.", DefaultValueFactory = _ => 200 }.AtLeast(1);
        var temperature = new Option<float>("--temperature") { Description = "Sampling temperature (0: greedy, reproducible).", DefaultValueFactory = _ => 0f }.Between(0f, 2f);
        var seed = new Option<long>("--seed") { Description = "Seed of the transforms' draws and of sampling.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Engine worker threads (model folder and guard).", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each endpoint answer.", DefaultValueFactory = _ => 300 }.AtLeast(1);

        var command = new Command("redteam", "Red-team a model: harmful probes under attack transforms, benign twins for over-refusal, garak-compatible report and a safety card.")
        {
            model, endpoint, apiKey, modelName, output, probes, transformFiles, noBuiltin, only, categories, limit, guard, guardEndpoint, guardModelName, guardApiKey, concurrency, maxTokens, temperature, seed, threads, timeout,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            // Catalogue, transforms and filters are checked before any model loads.
            var selected = LoadSelection(!parse.GetValue(noBuiltin), parse.GetValue(probes), parse.GetValue(transformFiles), parse.GetValue(categories),
                parse.GetValue(only), parse.GetValue(limit));
            var guardJudge = OpenGuard(parse.GetValue(guard), parse.GetValue(guardEndpoint), parse.GetValue(guardModelName), parse.GetValue(guardApiKey),
                parse.GetValue(threads), TimeSpan.FromSeconds(parse.GetValue(timeout)));
            var (client, name) = ModelUnderTest.Open(parse.GetValue(model), parse.GetValue(endpoint), parse.GetValue(apiKey), parse.GetValue(modelName),
                parse.GetValue(concurrency), parse.GetValue(threads), TimeSpan.FromSeconds(parse.GetValue(timeout)));
            using (client)
            {
                var options = new RedTeamOptions
                {
                    Concurrency = parse.GetValue(concurrency), MaxOutputTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature), Seed = parse.GetValue(seed),
                };
                string folder = parse.GetValue(output)!;
                int total = selected.Probes.Count * (selected.Transforms.Count + 1);
                var clock = System.Diagnostics.Stopwatch.StartNew();
                var summary = Display.Progress("redteam", total, sink => RedTeam.RunAsync(client, name, selected.Probes, selected.Transforms, guardJudge, options, folder,
                    (done, all) => sink.Report(done, $"{done}/{all} conversations, {done / Math.Max(1e-9, clock.Elapsed.TotalSeconds):F1}/s")).GetAwaiter().GetResult());
                Print(summary);
                Display.Info($"report: {Path.Combine(folder, RedTeam.ReportFile)}; card: {Path.Combine(folder, "safety-card.html")}");
            }
            return 0;
        }));
        command.Subcommands.Add(BiasCommand.Create());
        command.Subcommands.Add(GuardrailsCommand.Create());
        command.Subcommands.Add(MemorizationCommand.Create());
        return command;
    }

    /// <summary>The guard judge: a model folder on the engine, or a model behind an endpoint; none when neither is given.</summary>
    internal static IResponseJudge? OpenGuard(string? directory, string? endpoint, string? modelName, string? apiKey, int threads, TimeSpan timeout)
    {
        if (directory is not null && endpoint is not null) throw new SharpLMException("give one of --guard (a model folder) and --guard-endpoint (a server's address), not both.");
        if (modelName is not null && endpoint is null) throw new SharpLMException("--guard-model-name needs --guard-endpoint.");
        if (directory is not null) return GuardModelJudge.Load(directory, threads);
        return endpoint is null ? null
            : EndpointGuardJudge.Open(endpoint, apiKey ?? Environment.GetEnvironmentVariable("SHARPLM_GUARD_API_KEY"), modelName, timeout);
    }

    /// <summary>The shipped and user catalogues and transforms, narrowed by the filters; every mistake is found before a model loads.</summary>
    internal static (IReadOnlyList<Probe> Probes, IReadOnlyList<IAttackTransform> Transforms) LoadSelection(bool builtin, string[]? probeFiles, string[]? transformFiles,
        string[]? categories, string[]? names, int? limit)
    {
        var catalogue = ProbeCatalogue.Load((builtin ? [ProbeCatalogue.BuiltinPath] : Array.Empty<string>()).Concat(probeFiles ?? []));
        // Without transform files of the user's, the shipped transforms stay: --no-builtin then replaces the probes only.
        bool builtinTransforms = builtin || transformFiles is not { Length: > 0 };
        var transforms = TransformFile.Load((builtinTransforms ? [TransformFile.BuiltinPath] : Array.Empty<string>()).Concat(transformFiles ?? []));
        if (catalogue.Count == 0) throw new SharpLMException("no probes to run; give --probes files when using --no-builtin.");
        foreach (string code in categories ?? [])
            if (!HazardCategory.IsKnown(code)) throw new SharpLMException($"--categories: '{code}' is not one of S1–S14.");
        foreach (string name in names ?? [])
            if (transforms.All(t => t.Name != name))
                throw new SharpLMException($"--transforms: no transform is named '{name}' (known: {string.Join(", ", transforms.Select(t => t.Name))}).");
        var probes = catalogue.Where(p => categories is not { Length: > 0 } || categories.Contains(p.Category))
            .GroupBy(p => p.Category).SelectMany(g => limit is int n ? g.Take(n) : g).ToList();
        if (probes.Count == 0) throw new SharpLMException("no probe is left after --categories; the catalogue has none in those categories.");
        var chosen = transforms.Where(t => names is not { Length: > 0 } || names.Contains(t.Name)).ToList<IAttackTransform>();
        if (chosen.Count == 0) throw new SharpLMException("no transform to run; the --transform-file files hold none.");
        return (probes, chosen);
    }

    private static void Print(RedTeamSummary summary)
    {
        var table = new Table().AddColumns("category", "attack success", "refusal", "over-refusal");
        foreach (var row in summary.ByCategory)
            table.AddRow(Markup.Escape($"{row.Group} {HazardCategory.Name(row.Group)}"), Markup.Escape(SafetyCard.Format(row.AttackSuccess)),
                Markup.Escape(SafetyCard.Format(row.Refusal)), row.OverRefusal is { } over ? Markup.Escape(SafetyCard.Format(over)) : "–");
        table.AddRow("[bold]all[/]", Markup.Escape(SafetyCard.Format(summary.AttackSuccess)), Markup.Escape(SafetyCard.Format(summary.Refusal)),
            Markup.Escape(SafetyCard.Format(summary.OverRefusal)));
        AnsiConsole.Write(table);
    }
}
