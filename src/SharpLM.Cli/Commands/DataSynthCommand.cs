using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Synthesis;

namespace SharpLM.Cli.Commands;

/// <summary>`data synth`: post-training task data (instructions, preferences, held-out lm-eval tasks) from a seed.</summary>
public static class DataSynthCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write: train/, held-out/ (with tasks/) and manifest.json; replaced whole.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of every draw; the same seed writes the same bytes.", DefaultValueFactory = _ => 1234 };
        var count = new Option<int>("--count") { Description = "Examples to draw before splitting and dropping repeats.", DefaultValueFactory = _ => 2000 };
        var fraction = new Option<double>("--held-out-fraction") { Description = "Share of states, probe goals and word problems held out.", DefaultValueFactory = _ => 0.2 };
        var factPasses = new Option<int>("--fact-passes")
        {
            Description = "Passes over all states in pretraining/capital-facts.jsonl, the documents that teach a base the capitals the held-out task asks (0: none).",
            DefaultValueFactory = _ => SynthOptions.DefaultFactPasses,
        };
        var command = new Command("synth", "Write reproducible post-training data: US capitals, word problems, format-following and refusal pairs as chat " +
                                           "JSONL and preference JSONL, split into train/ and held-out/ with held-out lm-eval tasks.") { output, seed, count, fraction, factPasses };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new SynthOptions(parse.GetValue(seed), parse.GetValue(count), parse.GetValue(fraction), parse.GetValue(factPasses));
            var result = TaskDataStage.Write(parse.GetValue(output)!, options);
            Console.WriteLine($"wrote {result.TrainExamples} training and {result.HeldOutExamples} held-out examples to {result.Directory} " +
                              $"({result.Repeats} repeated prompts and {result.Contaminated} training examples overlapping held-out items dropped)");
            foreach (var (task, yaml, documents) in result.Tasks) Console.WriteLine($"held-out task {task}: {documents} documents ({yaml})");
            Console.WriteLine($"score a model: sharplm eval run --model MODEL --tasks {TaskDataStage.TasksDirectory(result.Directory)} --out EVAL");
            return 0;
        }));
        return command;
    }
}
