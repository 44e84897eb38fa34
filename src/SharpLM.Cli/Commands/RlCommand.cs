using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.PostTraining;
using SharpLM.PostTraining.Rl;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm rl`: online RL from a verifiable reward or a reward model (GRPO) on prompts JSONL: the whole model, LoRA adapters, prompt tuning or token rows.</summary>
public static class RlCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder to train (usually an SFT model); it is also the KL reference.", Required = true };
        var data = new Option<string>("--data") { Description = "Prompts JSONL: {\"prompt\" (string or messages), \"answer\"} lines; data synth's preferences.jsonl works as it is.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: metrics.jsonl, checkpoints/, model/ (and adapter/ with LoRA), report.md.", Required = true };
        var evalData = new Option<string?>("--eval-data") { Description = "Held-out prompts JSONL: greedy verifier accuracy before and after training." };
        var reward = new Option<string>("--reward") { Description = "The reward: verifier (1 when the final answer matches 'answer' exactly, else 0), or a reward model: a 'sharplm reward' run folder or its model/ (scored on the C# engine).", DefaultValueFactory = _ => "verifier" };
        var groupSize = new Option<int>("--group-size") { Description = "Completions sampled per prompt (TRL's num_generations).", DefaultValueFactory = _ => 4 };
        var maxNewTokens = new Option<int>("--max-new-tokens") { Description = "Longest completion sampled.", DefaultValueFactory = _ => 64 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature of the completions.", DefaultValueFactory = _ => 1.0 };
        var epsilon = new Option<double>("--epsilon") { Description = "Clip range of the probability ratio: [1−ε, 1+ε].", DefaultValueFactory = _ => 0.2 };
        var beta = new Option<double>("--beta") { Description = "Weight of the KL to the starting model (k3 estimator); 0 skips it.", DefaultValueFactory = _ => 0.0 };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Prompts per micro-batch (each sampled --group-size times).", DefaultValueFactory = _ => 4 }.AtLeast(1);
        var accumulation = new Option<int>("--gradient-accumulation") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate (default: TRL's 1e-6 scaled up for small models, ×10 for LoRA; see docs/post-training.md)." };
        var warmup = new Option<int?>("--warmup-steps") { Description = "Linear warmup steps (default: 10% of --steps)." };
        var checkpointInterval = new Option<int>("--checkpoint-interval") { Description = "Steps between resumable checkpoints (0: none).", DefaultValueFactory = _ => 10 }.AtLeast(0);
        var seed = new Option<long>("--seed") { Description = "Seed of prompt draws, completion sampling, adapter initialisation and dropout.", DefaultValueFactory = _ => 1234 };
        var threads = new Option<int>("--threads") { Description = "libtorch and engine threads (0: every core).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (give the same options)." };
        var lora = new LoraCommandOptions();
        var promptTuning = new PromptTuningCommandOptions("prompt");
        var trainableTokens = new TrainableTokensCommandOption();
        var command = new Command("rl", "Online RL from a verifiable reward or a reward model (TRL's GRPO): groups sampled by the C# engine on the current weights, clipped token-level loss.")
            { model, data, output, evalData, reward, groupSize, maxNewTokens, temperature, epsilon, beta, steps, batchSize, accumulation, learningRate, warmup,
              checkpointInterval, seed, threads, resume };
        lora.AddTo(command);
        promptTuning.AddTo(command);
        trainableTokens.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string modelDirectory = parse.GetValue(model)!;
            var folder = ModelFolder.Open(modelDirectory);
            var adapter = lora.Read(parse);
            var prompt = promptTuning.Read(parse);
            var options = new GrpoOptions
            {
                GroupSize = parse.GetValue(groupSize), MaxNewTokens = parse.GetValue(maxNewTokens), Temperature = parse.GetValue(temperature),
                Epsilon = parse.GetValue(epsilon), Beta = parse.GetValue(beta), Reward = parse.GetValue(reward)!, Seed = parse.GetValue(seed), Lora = adapter,
                TrainableTokens = trainableTokens.Read(parse, folder), PromptTuning = prompt,
            };
            options.Validate("rl", folder.Config.MaxPositionEmbeddings);
            int stepCount = parse.GetValue(steps);
            var training = FineTuningSchedule.Options with
            {
                Steps = stepCount, BatchSize = parse.GetValue(batchSize), GradientAccumulation = parse.GetValue(accumulation),
                SequenceLength = folder.Config.MaxPositionEmbeddings,
                LearningRate = parse.GetValue(learningRate) ?? TrainableTokensCommandOption.DefaultLearningRate(prompt, options.TrainableTokens, adapter,
                    lora => GrpoOptions.DefaultLearningRate(folder.Config.ParameterCount, lora)),
                WarmupSteps = parse.GetValue(warmup) ?? stepCount / 10, EvalInterval = stepCount, CheckpointInterval = parse.GetValue(checkpointInterval),
                Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            };
            training.Validate("rl");
            var run = new RunFolder(parse.GetValue(output)!);
            using var claim = run.Lock();
            using var metrics = new MetricsWriter(run.Metrics);
            var result = RlStage.Run(modelDirectory, parse.GetValue(data)!, parse.GetValue(evalData), run, metrics, training, options, parse.GetValue(resume));
            string Accuracy(double? a) => a?.ToString("P1") ?? "n/a";
            string rewardChange = result.HeldOutReward is (double before, double after) ? $"; held-out mean reward {before:F4} before, {after:F4} after" : "";
            Console.WriteLine($"reached step {result.Summary.Steps}: loss {result.Summary.FinalLoss:F4}; held-out verifier accuracy {Accuracy(result.AccuracyBefore)} before, " +
                              $"{Accuracy(result.AccuracyAfter)} after{rewardChange}; " +
                              (prompt is null ? $"model saved to {result.ModelDirectory}" + (result.AdapterDirectory is string a ? $", adapter to {a}" : "")
                                  : $"prompt-tuning adapter saved to {result.AdapterDirectory} (use it with --model {modelDirectory} --adapter {result.AdapterDirectory})"));
            return 0;
        }));
        return command;
    }
}
