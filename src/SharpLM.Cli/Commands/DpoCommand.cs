using System.CommandLine;
using SharpLM.PostTraining;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.PostTraining.Preference;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm dpo`: direct preference optimisation of a model folder on preference JSONL, whole or with LoRA adapters.</summary>
public static class DpoCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to optimise (usually an SFT model); it is also the reference.", Required = true };
        var data = new Option<string>("--data") { Description = "Preference JSONL: {\"prompt\", \"chosen\", \"rejected\"} lines (strings or message lists).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: reference_logps.jsonl, metrics.jsonl, checkpoints/, model/ (and adapter/ with LoRA; adapter/ alone with prompt tuning).", Required = true };
        var beta = new Option<double>("--beta") { Description = "Scale of the implicit reward β·log(π/π_ref); smaller lets the policy move further from the reference.", DefaultValueFactory = _ => 0.1 };
        var loss = new Option<string>("--loss") { Description = "sigmoid (DPO), ipo or hinge.", DefaultValueFactory = _ => "sigmoid" };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 200 }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Pairs per micro-batch.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var accumulation = new Option<int>("--gradient-accumulation") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate (default: TRL's 1e-6 scaled up for small models, ×10 for LoRA; see docs/post-training.md)." };
        var warmup = new Option<int?>("--warmup-steps") { Description = "Linear warmup steps (default: 10% of --steps, as TRL's examples use)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Positions of prompt plus completion (default: 1024, or the model's context if shorter)." };
        var validation = new Option<double>("--validation-fraction") { Description = "Share of pairs held out for preference accuracy.", DefaultValueFactory = _ => 0.05 };
        var evalInterval = new Option<int>("--eval-interval") { Description = "Steps between held-out evaluations.", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var evalBatches = new Option<int>("--eval-batches") { Description = "Held-out pairs evaluated: this many batches.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var checkpointInterval = new Option<int>("--checkpoint-interval") { Description = "Steps between resumable checkpoints (0: none).", DefaultValueFactory = _ => 50 }.AtLeast(0);
        var seed = new Option<long>("--seed") { Description = "Seed of batches, adapter initialisation and dropout.", DefaultValueFactory = _ => 1234 };
        var threads = new Option<int>("--threads") { Description = "libtorch and engine threads (0: every core).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint, reusing its reference log-probabilities (give the same options)." };
        var lora = new LoraCommandOptions();
        var promptTuning = new PromptTuningCommandOptions("sequence");
        var trainableTokens = new TrainableTokensCommandOption();
        var command = new Command("dpo", "Direct preference optimisation (TRL's DPO: sigmoid, ipo or hinge loss) with reference log-probabilities precomputed by the C# engine.")
            { model, data, output, beta, loss, steps, batchSize, accumulation, learningRate, warmup, maxLength, validation, evalInterval, evalBatches, checkpointInterval,
              seed, threads, resume };
        lora.AddTo(command);
        promptTuning.AddTo(command);
        trainableTokens.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string modelDirectory = parse.GetValue(model)!;
            var folder = ModelFolder.Open(modelDirectory);
            var adapter = lora.Read(parse);
            var prompt = promptTuning.Read(parse);
            int length = PostTrainingLength.Resolve(parse.GetValue(maxLength), folder);
            var options = new DpoOptions
            {
                Beta = parse.GetValue(beta), Loss = DpoOptions.ParseLoss(parse.GetValue(loss)!, "--loss"), MaxLength = length,
                ValidationFraction = parse.GetValue(validation), Seed = parse.GetValue(seed), Lora = adapter, PromptTuning = prompt,
                TrainableTokens = trainableTokens.Read(parse, folder),
            };
            options.Validate("dpo");
            int stepCount = parse.GetValue(steps);
            var training = FineTuningSchedule.Options with
            {
                Steps = stepCount, BatchSize = parse.GetValue(batchSize), GradientAccumulation = parse.GetValue(accumulation), SequenceLength = length,
                LearningRate = parse.GetValue(learningRate) ?? TrainableTokensCommandOption.DefaultLearningRate(prompt, options.TrainableTokens, adapter,
                    lora => DpoOptions.DefaultLearningRate(folder.Config.ParameterCount, lora)),
                WarmupSteps = parse.GetValue(warmup) ?? stepCount / 10,
                EvalInterval = parse.GetValue(evalInterval), EvalBatches = parse.GetValue(evalBatches), CheckpointInterval = parse.GetValue(checkpointInterval),
                Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            };
            training.Validate("dpo");
            var run = new RunFolder(parse.GetValue(output)!);
            using var claim = run.Lock();
            using var metrics = new MetricsWriter(run.Metrics);
            var result = DpoStage.Run(modelDirectory, parse.GetValue(data)!, run, metrics, training, options, parse.GetValue(resume));
            string Accuracy(IReadOnlyDictionary<string, double>? m) => m?.TryGetValue("eval_rewards/accuracies", out double a) == true ? a.ToString("P1") : "n/a";
            Console.WriteLine($"reached step {result.Summary.Steps}: loss {result.Summary.FinalLoss:F4}; held-out preference accuracy {Accuracy(result.Before)} before, " +
                              $"{Accuracy(result.After)} after; " +
                              (prompt is null ? $"model saved to {result.ModelDirectory}" + (result.AdapterDirectory is string a ? $", adapter to {a}" : "")
                                  : $"prompt-tuning adapter saved to {result.AdapterDirectory} (use it with --model {modelDirectory} --adapter {result.AdapterDirectory})"));
            return 0;
        }));
        return command;
    }
}
