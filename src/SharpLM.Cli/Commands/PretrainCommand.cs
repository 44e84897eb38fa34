using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core.Runs;
using SharpLM.Tokenizers.HuggingFace;
using SharpLM.Training.Pretraining;

namespace SharpLM.Cli.Commands;

public static class PretrainCommand
{
    public static Command Create()
    {
        var train = new Option<string>("--train") { Description = "Training token shard (.tok).", Required = true };
        var validation = new Option<string?>("--val") { Description = "Validation token shard (.tok)." };
        var tokenizerPath = new Option<string>("--tokenizer", "-t") { Description = "tokenizer.json the shards were encoded with.", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Run folder: pretrain.json, metrics.jsonl and model/ are written here.", Required = true };
        var config = new Option<string?>("--config", "-c") { Description = "Pretrain config JSON ({\"model\": {...}, \"training\": {...}}); defaults otherwise." };
        var steps = new Option<int?>("--steps") { Description = "Override training.steps." }.AtLeast(1);
        var device = new Option<string?>("--device") { Description = "Override training.device: cpu, cuda or cuda:N." };
        var initFrom = new Option<string?>("--init-from") { Description = "Start from a Hugging Face model folder (config.json + model.safetensors) instead of random weights." };
        var resume = new Option<bool>("--resume") { Description = "Continue from the run folder's latest checkpoint (its pretrain.json unless --config is given)." };
        var zero = new Option<int?>("--zero") { Description = "Override training.zero_stage: 1 shards AdamW's moments over the data-parallel ranks (ZeRO-1), 0 keeps them whole." };
        zero.AcceptOnlyFromAmong("0", "1");
        var command = new Command("pretrain", "Pretrain a decoder (Llama, Qwen3-style, Mixtral-style or GPT-2) on token shards and save it in Hugging Face layout.")
            { train, validation, tokenizerPath, output, config, steps, device, initFrom, resume, zero };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string runDirectory = parse.GetValue(output)!;
            string savedConfig = Path.Combine(runDirectory, RunFolder.PretrainConfigFile);
            var settings = parse.GetValue(config) is string path ? PretrainConfig.Load(path)
                : parse.GetValue(resume) && File.Exists(savedConfig) ? PretrainConfig.Load(savedConfig)
                : new PretrainConfig();
            if (parse.GetValue(steps) is int n) settings = settings with { Training = settings.Training with { Steps = n } };
            if (parse.GetValue(zero) is int stage) settings = settings with { Training = settings.Training with { ZeroStage = stage } };
            if (parse.GetValue(device) is string d) settings = settings with { Training = settings.Training with { Device = d } };
            var tokenizer = TokenizerStage.Open(parse.GetValue(tokenizerPath)!);
            var run = new RunFolder(runDirectory);
            // Under mpirun or srun every rank runs this command; rank 0 alone holds the run folder and writes to it.
            using var communicator = Distributed.Communicators.FromEnvironment();
            var dataParallel = communicator.WorldSize > 1 ? new GradientSynchronizer(communicator) : null;
            if (dataParallel is { IsWriter: false })
            {
                DataParallelRank.Guard(communicator, () => PretrainStage.Run(settings, tokenizer, parse.GetValue(train)!, parse.GetValue(validation), run,
                    null, parse.GetValue(resume), parse.GetValue(initFrom), dataParallel));
                return 0;
            }
            var result = DataParallelRank.Guard(communicator, () =>
            {
                using var claim = run.Lock();
                using var metrics = new MetricsWriter(run.Metrics);
                var trained = PretrainStage.Run(settings, tokenizer, parse.GetValue(train)!, parse.GetValue(validation), run,
                    metrics, parse.GetValue(resume), parse.GetValue(initFrom), dataParallel);
                PretrainReport.Write(run, settings, trained);
                return trained;
            });
            Console.WriteLine($"reached step {result.Summary.Steps} after {result.Summary.Elapsed.TotalSeconds:F0} s: loss {result.Summary.FinalLoss:F3}" +
                              (result.Summary.FinalValidationLoss is double v ? $", validation loss {v:F3}" : "") +
                              $" (unigram entropy {result.UnigramEntropy:F3}); model saved to {result.ModelDirectory}");
            return 0;
        }));
        return command;
    }
}
