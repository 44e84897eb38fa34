using System.CommandLine;
using SharpLM.PostTraining;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.PostTraining.Reward;
using SharpLM.Training.Pretraining;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm reward`: a Bradley–Terry reward model (the language model with a scalar head) trained on preference JSONL: whole, with LoRA adapters (and token rows), or by prompt tuning.</summary>
public static class RewardCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to start from (a Llama-family model; usually the SFT model).", Required = true };
        var data = new Option<string>("--data") { Description = "Preference JSONL: {\"prompt\", \"chosen\", \"rejected\"} lines (strings or message lists).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: metrics.jsonl, checkpoints/, model/ (with reward_head.safetensors; and adapter/ with LoRA).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 200 }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Pairs per micro-batch.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var accumulation = new Option<int>("--gradient-accumulation") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate (default: 1e-5 scaled up for small models, ×10 for LoRA; see docs/post-training.md)." };
        var warmup = new Option<int?>("--warmup-steps") { Description = "Linear warmup steps (default: 10% of --steps)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Tokens of prompt plus completion (default: 1024, or the model's context if shorter)." };
        var validation = new Option<double>("--validation-fraction") { Description = "Share of pairs held out for pairwise accuracy.", DefaultValueFactory = _ => 0.05 };
        var evalInterval = new Option<int>("--eval-interval") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var evalBatches = new Option<int>("--eval-batches") { Description = "Held-out pairs evaluated: this many batches.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var checkpointInterval = new Option<int>("--checkpoint-interval") { Description = "Steps between resumable checkpoints (0: none).", DefaultValueFactory = _ => 50 }.AtLeast(0);
        var seed = new Option<long>("--seed") { Description = "Seed of batches, of the head's and adapters' initialisation and of dropout.", DefaultValueFactory = _ => 1234 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0: every core).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (give the same options)." };
        var command = new Command("reward", "Train a Bradley–Terry reward model on preference pairs: loss −log σ(r_chosen − r_rejected), held-out pairwise accuracy.")
            { model, data, output, steps, batchSize, accumulation, learningRate, warmup, maxLength, validation, evalInterval, evalBatches, checkpointInterval, seed, threads, resume };
        var lora = new LoraCommandOptions(quantizedBase: true);
        lora.AddTo(command);
        var trainableTokens = new TrainableTokensCommandOption();
        trainableTokens.AddTo(command);
        var promptTuning = new PromptTuningCommandOptions("sequence");
        promptTuning.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string modelDirectory = parse.GetValue(model)!;
            var folder = ModelFolder.Open(modelDirectory);
            int length = PostTrainingLength.Resolve(parse.GetValue(maxLength), folder);
            var adapter = lora.Read(parse);
            var options = new RewardOptions
            {
                MaxLength = length, ValidationFraction = parse.GetValue(validation), Seed = parse.GetValue(seed), Lora = adapter, QuantizeBase = lora.QuantizeBase(parse),
                TrainableTokens = trainableTokens.Read(parse, folder), PromptTuning = promptTuning.Read(parse),
            };
            options.Validate("reward");
            int stepCount = parse.GetValue(steps);
            var training = FineTuningSchedule.Options with
            {
                Steps = stepCount, BatchSize = parse.GetValue(batchSize), GradientAccumulation = parse.GetValue(accumulation), SequenceLength = length,
                LearningRate = parse.GetValue(learningRate) ?? TrainableTokensCommandOption.DefaultLearningRate(options.PromptTuning, options.TrainableTokens, adapter,
                    lora => RewardOptions.DefaultLearningRate(folder.Config.ParameterCount, lora)),
                WarmupSteps = parse.GetValue(warmup) ?? stepCount / 10,
                EvalInterval = parse.GetValue(evalInterval), EvalBatches = parse.GetValue(evalBatches), CheckpointInterval = parse.GetValue(checkpointInterval),
                Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            };
            training.Validate("reward");
            var run = new RunFolder(parse.GetValue(output)!);
            using var claim = run.Lock();
            using var metrics = new MetricsWriter(run.Metrics);
            var result = RewardStage.Run(modelDirectory, parse.GetValue(data)!, run, metrics, training, options, parse.GetValue(resume));
            string Accuracy(IReadOnlyDictionary<string, double>? m) => m?.TryGetValue("eval_accuracy", out double a) == true ? a.ToString("P1") : "n/a";
            Console.WriteLine($"reached step {result.Summary.Steps}: loss {result.Summary.FinalLoss:F4}; held-out pairwise accuracy {Accuracy(result.Before)} before, " +
                              $"{Accuracy(result.After)} after; reward model saved to {result.ModelDirectory}" + (result.AdapterDirectory is string a ? $", adapter to {a}" : ""));
            return 0;
        }));
        return command;
    }
}
