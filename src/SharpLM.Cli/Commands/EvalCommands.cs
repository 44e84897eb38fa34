using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Evaluation;

namespace SharpLM.Cli.Commands;

public static class EvalCommands
{
    public static Command Create()
    {
        var eval = new Command("eval", "Evaluate models.");
        var model = new Option<string>("--model", "-m") { Description = "Model folder.", Required = true };
        var data = new Option<string>("--data", "-d") { Description = "Token shard (.tok) encoded with the model's tokenizer.", Required = true };
        var context = new Option<int?>("--context") { Description = "Window length; defaults to the model's max_position_embeddings." }.AtLeast(1);
        var maxTokens = new Option<long>("--max-tokens") { Description = "Score at most this many tokens.", DefaultValueFactory = _ => 1_000_000 }.AtLeast(1);
        var perplexity = new Command("perplexity", "Perplexity of a model on a token shard (non-overlapping windows).") { model, data, context, maxTokens };
        perplexity.SetAction(parse => CliRunner.Run(() =>
        {
            // The window is checked against config.json before libtorch loads, so a bad option fails fast and alone.
            var folder = Core.Models.Folder.ModelFolder.Open(parse.GetValue(model)!);
            PerplexityWindow.Resolve(parse.GetValue(context), parse.GetValue(maxTokens), folder.Config.MaxPositionEmbeddings);
            var (loaded, tokenizer) = ModelLoader.Open(folder);
            using (loaded)
            using (var shard = new TokenShardReader(parse.GetValue(data)!))
            {
                var result = EvalStage.Perplexity(loaded, shard, parse.GetValue(context), parse.GetValue(maxTokens));
                Console.WriteLine($"perplexity {result.Perplexity:F2} (mean loss {result.MeanNegativeLogLikelihood:F4} nats/token over {result.Tokens:N0} tokens)");
            }
            return 0;
        }));
        eval.Subcommands.Add(perplexity);
        eval.Subcommands.Add(EvalMetricCommand.Create());
        eval.Subcommands.Add(EvalRunCommand.Create());
        eval.Subcommands.Add(EvalSuiteCommand.Create());
        eval.Subcommands.Add(EvalReportCommand.Create());
        eval.Subcommands.Add(EvalWinRateCommand.Create());
        return eval;
    }
}
