using System.CommandLine;
using SharpLM.PostTraining;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Runs;
using SharpLM.PostTraining.Sft;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm sft`: supervised fine-tuning of a model folder on chat JSONL, whole, with LoRA adapters or by prompt tuning.</summary>
public static class SftCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Base model folder (config.json, model.safetensors, tokenizer.json with the chat tokens).", Required = true };
        var data = new Option<string>("--data") { Description = "Chat JSONL: OpenAI messages, ShareGPT conversations, Alpaca or prompt/completion lines.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: metrics.jsonl, checkpoints/, model/ (and adapter/ with LoRA or trainable tokens).", Required = true };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps.", DefaultValueFactory = _ => 200 }.AtLeast(1);
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per micro-batch.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var accumulation = new Option<int>("--gradient-accumulation") { Description = "Micro-batches per optimizer step.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var learningRate = new Option<double?>("--learning-rate") { Description = "Peak learning rate (default: TRL's 2e-5 scaled up for small models, ×10 for LoRA; see docs/post-training.md)." };
        var warmup = new Option<int?>("--warmup-steps") { Description = "Linear warmup steps (default: 5% of --steps)." };
        var maxLength = new Option<int?>("--max-length") { Description = "Positions per row (default: 1024, or the model's context if shorter)." };
        var noPacking = new Option<bool>("--no-packing") { Description = "One conversation per row, padded, instead of packing several per row." };
        var validation = new Option<double>("--validation-fraction") { Description = "Share of conversations held out for validation loss.", DefaultValueFactory = _ => 0.05 };
        var evalInterval = new Option<int>("--eval-interval") { Description = "Steps between validation losses.", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var checkpointInterval = new Option<int>("--checkpoint-interval") { Description = "Steps between resumable checkpoints (0: none).", DefaultValueFactory = _ => 50 }.AtLeast(0);
        var seed = new Option<long>("--seed") { Description = "Seed of batches, adapter initialisation and dropout.", DefaultValueFactory = _ => 1234 };
        var threads = new Option<int>("--threads") { Description = "libtorch threads (0: every core).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (give the same options)." };
        var trainableTokens = new TrainableTokensCommandOption();
        var promptTuning = new PromptTuningCommandOptions("conversation");
        var lora = new LoraCommandOptions(quantizedBase: true);
        var command = new Command("sft", "Supervised fine-tuning on conversations: loss on assistant tokens only, packing, LoRA or prompt-tuning adapters in PEFT's format.")
            { model, data, output, steps, batchSize, accumulation, learningRate, warmup, maxLength, noPacking, validation, evalInterval, checkpointInterval, seed, threads, resume };
        trainableTokens.AddTo(command);
        promptTuning.AddTo(command);
        lora.AddTo(command);
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string modelDirectory = parse.GetValue(model)!;
            var folder = ModelFolder.Open(modelDirectory);
            var adapter = lora.Read(parse);
            var prompt = promptTuning.Read(parse);
            int length = PostTrainingLength.Resolve(parse.GetValue(maxLength), folder);
            var options = new SftOptions
            {
                MaxLength = length, Packing = !parse.GetValue(noPacking), ValidationFraction = parse.GetValue(validation), Seed = parse.GetValue(seed), Lora = adapter, PromptTuning = prompt,
                QuantizeBase = lora.QuantizeBase(parse),
                TrainableTokens = trainableTokens.Read(parse, folder),
            };
            options.Validate("sft");
            int stepCount = parse.GetValue(steps);
            var training = FineTuningSchedule.Options with
            {
                Steps = stepCount, BatchSize = parse.GetValue(batchSize), GradientAccumulation = parse.GetValue(accumulation), SequenceLength = length,
                LearningRate = parse.GetValue(learningRate) ?? TrainableTokensCommandOption.DefaultLearningRate(prompt, options.TrainableTokens, adapter,
                    lora => SftOptions.DefaultLearningRate(folder.Config.ParameterCount, lora)),
                WarmupSteps = parse.GetValue(warmup) ?? stepCount / 20,
                EvalInterval = parse.GetValue(evalInterval), CheckpointInterval = parse.GetValue(checkpointInterval),
                Seed = parse.GetValue(seed), Threads = parse.GetValue(threads),
            };
            training.Validate("sft");
            var run = new RunFolder(parse.GetValue(output)!);
            using var claim = run.Lock();
            using var metrics = new MetricsWriter(run.Metrics);
            var result = SftStage.Run(modelDirectory, parse.GetValue(data)!, run, metrics, training, options, parse.GetValue(resume));
            Console.WriteLine($"reached step {result.Summary.Steps}: loss {result.Summary.FinalLoss:F3}; held-out loss " +
                              $"{result.ValidationBefore?.ToString("F3") ?? "n/a"} before, {result.Summary.FinalValidationLoss?.ToString("F3") ?? "n/a"} after; " +
                              (prompt is null ? $"model saved to {result.ModelDirectory}" + (result.AdapterDirectory is string a ? $", adapter to {a}" : "")
                                  : $"prompt-tuning adapter saved to {result.AdapterDirectory} (use it with --model {modelDirectory} --adapter {result.AdapterDirectory})"));
            return 0;
        }));
        return command;
    }
}
