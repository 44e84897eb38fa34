using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Inference.Generation;

namespace SharpLM.Cli.Commands;

public static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var prompt = new Option<string>("--prompt", "-p") { Description = "Text to continue.", DefaultValueFactory = _ => "" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Maximum number of new tokens.", DefaultValueFactory = _ => 100 };
        var temperature = new Option<double>("--temperature") { Description = "Sampling temperature; 0 is greedy.", DefaultValueFactory = _ => 0.8 };
        var topK = new Option<int>("--top-k") { Description = "Sample among the k most likely tokens; 0 disables.", DefaultValueFactory = _ => 40 };
        var seed = new Option<long>("--seed") { Description = "Random seed; the same seed gives the same text.", DefaultValueFactory = _ => 42 };
        var topP = new Option<double>("--top-p") { Description = "Nucleus sampling: keep the most likely tokens up to this total probability; 1 disables.", DefaultValueFactory = _ => 1.0 };
        var minP = new Option<double>("--min-p") { Description = "Drop tokens below this fraction of the best token's probability; 0 disables.", DefaultValueFactory = _ => 0.0 };
        var repetition = new Option<double>("--repetition-penalty") { Description = "Penalise tokens already in the context (1 disables).", DefaultValueFactory = _ => 1.0 };
        var stop = new Option<string[]>("--stop") { Description = "Stop when the text contains this (repeatable).", DefaultValueFactory = _ => [] };
        var logProbabilities = new Option<int?>("--logprobs")
            { Description = "After the text, print each token's log-probability (the model's, before sampling settings) and the N most likely tokens at its position (0: the token's only)." };
        var draft = new Option<string?>("--draft") { Description = "Speculative decoding: a smaller model folder sharing the model's tokenizer proposes tokens that the model verifies." };
        var draftTokens = new Option<int>("--draft-tokens") { Description = "Tokens the draft proposes per round.", DefaultValueFactory = _ => 4 }.AtLeast(1);
        var schema = new Option<string?>("--json-schema") { Description = "Force the output to be a JSON document valid under this JSON Schema file (see docs/inference.md)." };
        var regex = new Option<string?>("--regex") { Description = "Force the output to match this regular expression as a whole." };
        var maxString = new Option<int>("--max-string-length") { Description = "With --json-schema: longest string value, so generation always ends.", DefaultValueFactory = _ => 256 };
        var maxWhitespace = new Option<int>("--max-whitespace") { Description = "With --json-schema: most whitespace characters between two parts of an object or array.", DefaultValueFactory = _ => 8 };
        var adapter = AdapterOption.Create();
        var command = new Command("generate", "Continue a prompt with a trained model.")
            { model, prompt, maxTokens, temperature, topK, topP, minP, repetition, stop, seed, logProbabilities, draft, draftTokens, schema, regex, maxString, maxWhitespace, adapter };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var options = new SamplingOptions
            {
                MaxNewTokens = parse.GetValue(maxTokens), Temperature = parse.GetValue(temperature),
                TopK = parse.GetValue(topK), TopP = parse.GetValue(topP), MinP = parse.GetValue(minP),
                RepetitionPenalty = parse.GetValue(repetition), StopSequences = parse.GetValue(stop)!, Seed = parse.GetValue(seed),
                LogProbabilities = parse.GetValue(logProbabilities),
            };
            options.Validate();
            if (parse.GetValue(schema) is not null || parse.GetValue(regex) is not null)
            {
                if (parse.GetValue(draft) is not null || options.LogProbabilities is not null || parse.GetValue(adapter) is not null)
                    throw new Core.SharpLMException("--json-schema and --regex cannot be combined with --draft, --logprobs or --adapter (merge the adapter with export --merge-lora first).");
                return GenerateConstrained(parse.GetValue(model)!, parse.GetValue(prompt)!, options,
                    new ConstrainedGeneration.Target(parse.GetValue(schema), parse.GetValue(regex), new() { MaxStringLength = parse.GetValue(maxString), MaxWhitespace = parse.GetValue(maxWhitespace) }));
            }
            var draftModel = parse.GetValue(draft) is string directory ? new DraftModel(directory, parse.GetValue(draftTokens)) : null;
            var outcome = TextGeneration.Run(parse.GetValue(model)!, parse.GetValue(prompt)!, options, Console.Write,
                onReady: () => Console.Write(parse.GetValue(prompt)), draft: draftModel, adapter: parse.GetValue(adapter));
            Console.WriteLine();
            if (outcome.Details?.LogProbabilities is { } entries) LogProbabilityReport.Print(entries, outcome.Tokenizer!, Console.Out);
            if (outcome.Speculation is { } statistics) Display.Info($"speculative decoding (draft {draftModel!.Directory}, {draftModel.Tokens} tokens per round): {statistics}");
            return 0;
        }));
        return command;
    }

    /// <summary>Prints the constrained output; a run that ran out of tokens before its text was complete is reported and exits 1.</summary>
    private static int GenerateConstrained(string model, string prompt, SamplingOptions options, ConstrainedGeneration.Target target)
    {
        var (result, complete) = ConstrainedGeneration.Generate(model, prompt, options, target, Console.Write, onReady: () => Console.Write(prompt));
        Console.WriteLine();
        if (result.Finish == FinishReason.Stop || complete) return 0;
        Console.Error.WriteLine($"sharplm: warning: the output is unfinished: --max-tokens {options.MaxNewTokens} (or the model's context) ran out before it completed the {(target.SchemaFile is null ? "pattern" : "schema")}.");
        return 1;
    }
}
