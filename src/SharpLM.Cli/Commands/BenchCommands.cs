using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;

namespace SharpLM.Cli.Commands;

public static class BenchCommands
{
    public static Command Create()
    {
        var bench = new Command("bench", "Measure speed against reference implementations, in one run.");
        var corpus = new Option<string[]>("--in", "-i") { Description = "Documents JSONL file(s) to measure on.", Required = true, AllowMultipleArgumentsPerToken = true };
        var vocabularies = new Option<int[]>("--vocab-sizes") { Description = "Vocabulary sizes to train.", DefaultValueFactory = _ => [8192, 32768], AllowMultipleArgumentsPerToken = true };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (the best is reported).", DefaultValueFactory = _ => 3 };
        var tokenizer = new Command("tokenizer",
            "BPE training time against sentencepiece's spm_train (when installed), and encoding MB/s against Microsoft.ML.Tokenizers on cl100k_base.")
            { corpus, vocabularies, repeats };
        tokenizer.SetAction(parse => CliRunner.Run(() =>
        {
            TokenizerBenchmark.Run(parse.GetValue(corpus)!, parse.GetValue(vocabularies)!, Math.Max(1, parse.GetValue(repeats)));
            return 0;
        }));
        bench.Subcommands.Add(tokenizer);

        var steps = new Option<int>("--steps") { Description = "Timed steps per model (after two warm-up steps).", DefaultValueFactory = _ => 5 };
        var only = new Option<string[]>("--only") { Description = "Time only models whose name contains one of these (llama, 10M, gpt2...).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var checkpoint = new Option<bool>("--activation-checkpointing") { Description = "Recompute activations in the backward pass." };
        var train = new Command("train", "Training tokens/s and FLOP rate at ~10M, ~50M and GPT-2 124M against the matmul ceiling, split into forward, backward and optimizer.")
            { steps, only, checkpoint };
        train.SetAction(parse => CliRunner.Run(() =>
        {
            TrainingBenchmarkReport.Run(Math.Max(1, parse.GetValue(steps)), parse.GetValue(only)!, parse.GetValue(checkpoint));
            return 0;
        }));
        bench.Subcommands.Add(train);

        var tokens = new Option<int>("--tokens") { Description = "Tokens to decode per measurement.", DefaultValueFactory = _ => 128 };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length for the prompt-processing measurement.", DefaultValueFactory = _ => 128 };
        var threadCounts = new Option<int[]>("--threads") { Description = "Thread counts to measure.", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true };
        var generate = new Command("generate",
            "Prompt-processing and decoding tokens/s of the C# engine (fp32, bf16, q8_0, q4) beside the memory-bandwidth bound.") { tokens, promptTokens, threadCounts, only };
        generate.SetAction(parse => CliRunner.Run(() =>
        {
            Stages.DecodeBenchmarkReport.Run(Math.Max(8, parse.GetValue(tokens)), Math.Clamp(parse.GetValue(promptTokens), 1, 256),
                parse.GetValue(threadCounts)!.Select(t => Math.Max(1, t)).Distinct().ToArray(), parse.GetValue(only)!);
            return 0;
        }));
        bench.Subcommands.Add(generate);
        return bench;
    }
}
