using System.CommandLine;
using System.Text.Json;
using SharpLM.Core.Models;
using SharpLM.PostTraining.Benchmarks;
using SharpLM.Cli.Terminal;
using SharpLM.Training.Native;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm bench finetune-memory`: peak memory of one fine-tuning mode on the random-weight Llama 110M shape.</summary>
public static class BenchFinetuneMemoryCommand
{
    public static Command Create()
    {
        var mode = new Option<string>("--mode") { Description = $"One of {string.Join(", ", FineTuningMemory.Modes)}; peak RSS is per process, so run each mode separately.", Required = true };
        var steps = new Option<int>("--steps") { Description = "AdamW steps.", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var length = new Option<int>("--length") { Description = "Tokens per sequence (one sequence per step).", DefaultValueFactory = _ => 64 }.AtLeast(2);
        var rank = new Option<int>("--lora-rank") { Description = "Adapter rank on every projection.", DefaultValueFactory = _ => 16 }.AtLeast(1);
        var command = new Command("finetune-memory", "Peak RSS and accounted weight, gradient and optimizer bytes of full fine-tuning, LoRA and QLoRA on the Llama 110M shape (random weights).")
            { mode, steps, length, rank };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            TorchRuntime.EnsureLoaded();
            var config = LlamaConfig.Create(32000, 768, 12, 12, intermediateSize: 2048, maxPositions: 256);
            var report = FineTuningMemory.Run(config, parse.GetValue(mode)!, parse.GetValue(steps), parse.GetValue(length), parse.GetValue(rank),
                step => Console.Error.WriteLine($"step {step}"));
            Console.WriteLine(JsonSerializer.Serialize(report));
            return 0;
        }));
        return command;
    }
}
