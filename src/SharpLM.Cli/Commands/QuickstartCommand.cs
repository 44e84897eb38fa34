using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;

namespace SharpLM.Cli.Commands;

public static class QuickstartCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Run folder to create.", Required = true };
        var steps = new Option<int?>("--steps") { Description = $"Training steps (default {QuickstartPipeline.DefaultConfig.Training.Steps})." }.AtLeast(1);
        var vocabulary = new Option<int>("--vocab-size") { Description = "Tokenizer vocabulary size.", DefaultValueFactory = _ => 4096 };
        var seed = new Option<long>("--seed") { Description = "Seed for initialisation, batches and sampling.", DefaultValueFactory = _ => 1234 };
        var prompt = new Option<string>("--prompt") { Description = "Prompt for the sample.", DefaultValueFactory = _ => "Fellow-Citizens of the Senate and House of Representatives:" };
        var command = new Command("quickstart", "Run the whole life cycle on a small public-domain corpus: data, tokenizer, pretraining, evaluation, sample.")
            { output, steps, vocabulary, seed, prompt };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            return new QuickstartPipeline(new QuickstartOptions(parse.GetValue(output)!, parse.GetValue(steps), parse.GetValue(vocabulary),
                parse.GetValue(seed), parse.GetValue(prompt)!, 120)).Run();
        }));
        return command;
    }
}
