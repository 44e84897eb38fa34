using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Feedback.Flywheel;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm flywheel build`: training and evaluation data from captured feedback.</summary>
public static class FlywheelCommands
{
    public static Command Create()
    {
        var flywheel = new Command("flywheel", "Turn served traffic and human feedback into data: SFT and preference pairs to train on, failures to evaluate on; decide promotions and watch drift.");
        flywheel.Subcommands.Add(Build());
        flywheel.Subcommands.Add(FlywheelDecisionCommands.Compare());
        flywheel.Subcommands.Add(FlywheelDecisionCommands.Drift());
        flywheel.Subcommands.Add(FlywheelRunCommand.Create());
        return flywheel;
    }

    private static Command Build()
    {
        var db = new Option<string>("--db") { Description = "The capture database (`sharplm serve --capture DB`).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write (replaced whole): sft.jsonl, dpo.jsonl, failures.jsonl + failures.yaml, manifest.json.", Required = true };
        var training = new Option<string[]>("--train-data") { Description = "JSONL the model was trained on; items equal or near to a line are dropped.", AllowMultipleArgumentsPerToken = true };
        var sealedSets = new Option<string[]>("--sealed") { Description = "Sealed evaluation sets: JSONL files or task folders (every *.jsonl below); items sharing a 13-word n-gram with one are dropped.", AllowMultipleArgumentsPerToken = true };
        var minRating = new Option<int>("--min-rating") { Description = "Least rating an uncorrected answer needs to become SFT data: 1 (thumbs up) or -1 (every rated answer).", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the outputs' order.", DefaultValueFactory = _ => 1 };
        var metrics = new Option<string?>("--metrics") { Description = "Metrics JSONL to append to (default: the output folder's path + .metrics.jsonl)." };
        var command = new Command("build",
            "Write SFT data (corrections and well-rated answers), DPO pairs (pairwise choices and corrections) and a failure set with its lm-eval task (badly rated prompts), deduplicated and decontaminated, with a manifest.")
            { db, output, training, sealedSets, minRating, seed, metrics };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            FlywheelStage.Build(new FlywheelOptions
            {
                CaptureDatabase = parse.GetValue(db)!, OutputDirectory = parse.GetValue(output)!, TrainingData = parse.GetValue(training) ?? [],
                SealedSets = parse.GetValue(sealedSets) ?? [], MinRating = parse.GetValue(minRating), Seed = parse.GetValue(seed),
            }, parse.GetValue(metrics));
            return 0;
        }));
        return command;
    }
}
