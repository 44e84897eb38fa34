using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Flywheel.Promotion;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm flywheel run --db CAPTURE.db --model DIR --sealed TASKS... --out DIR`: build data, fine-tune, evaluate and decide, resumable by stage.</summary>
public static class FlywheelRunCommand
{
    public static Command Create()
    {
        var database = new Option<string>("--db") { Description = "Capture database written by serve --capture.", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "Model folder in service: the starting point and the model to beat.", Required = true };
        var sealedTasks = new Option<string[]>("--sealed")
        {
            Description = "Sealed evaluation tasks (task .yaml files or folders of them); their data is also kept out of the training data.", Required = true,
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: data/, sft/, dpo/, eval/, safety/, scorecard/, metrics.jsonl.", Required = true };
        var trainingData = new Option<string[]>("--train-data") { Description = "JSONL the model was already trained on; equal or near items are not trained on again.", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the data order, training and evaluation.", DefaultValueFactory = _ => 1234 };
        var sftSteps = new Option<int>("--sft-steps") { Description = "SFT optimizer steps.", DefaultValueFactory = _ => 100 }.AtLeast(1);
        var dpoSteps = new Option<int>("--dpo-steps") { Description = "DPO optimizer steps.", DefaultValueFactory = _ => 100 }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per optimizer step in SFT and DPO.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var loraRank = new Option<int>("--lora-rank") { Description = "Rank of the LoRA adapters trained (then merged).", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var limit = new Option<int?>("--limit") { Description = "Evaluate at most this many documents per task." }.AtLeast(1);
        var maxRegression = new Option<double>("--max-regression") { Description = "Largest allowed drop of a sealed task's main metric.", DefaultValueFactory = _ => PromotionRules.DefaultMaxRegression };
        var threads = new Option<int>("--threads") { Description = "Threads for training and evaluation (0: every core).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var safetyProbes = new Option<string[]>("--safety-probes") { Description = "Probe catalogue JSONL files for the safety stage instead of the shipped sample (for models too small for it).", AllowMultipleArgumentsPerToken = true };
        var safetyTransforms = new Option<string[]>("--safety-transforms") { Description = "Attack transform JSONL files for the safety stage instead of the shipped sample's.", AllowMultipleArgumentsPerToken = true };
        var command = new Command("run", "One turn of the flywheel: flywheel build, LoRA SFT, DPO when there are pairs, eval and red-team sample of old and new, scorecard; skips finished stages.")
            { database, model, sealedTasks, output, trainingData, seed, sftSteps, dpoSteps, batchSize, loraRank, limit, maxRegression, threads, safetyProbes, safetyTransforms };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var card = FlywheelRunStage.Run(new FlywheelRunOptions(parse.GetValue(database)!, parse.GetValue(model)!, parse.GetValue(sealedTasks)!, parse.GetValue(output)!,
                parse.GetValue(trainingData) ?? [], parse.GetValue(seed), parse.GetValue(sftSteps), parse.GetValue(dpoSteps), parse.GetValue(batchSize),
                parse.GetValue(loraRank), parse.GetValue(limit), parse.GetValue(maxRegression), parse.GetValue(threads),
                parse.GetValue(safetyProbes), parse.GetValue(safetyTransforms)));
            Display.Info($"decision: {card.Decision}");
            foreach (var failure in card.Failures) Display.Info($"  {failure.Reason}");
            Display.Info($"scorecard: {Path.Combine(parse.GetValue(output)!, FlywheelRunStage.ScorecardFolder, ScorecardFiles.MarkdownName)}");
            return 0;
        }));
        return command;
    }
}
