using System.CommandLine;
using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.PromptTuning;
using SharpLM.PostTraining.Tokens;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Commands;

/// <summary>
/// The LoRA options the post-training verbs share (sft, dpo, reward), defined once so their names, defaults and the rule
/// that shaping options need --lora-rank cannot drift apart between verbs; --quantize-base (QLoRA) only on the verbs
/// that can merge an adapter trained over a quantized base (sft, reward).
/// </summary>
internal sealed class LoraCommandOptions(bool quantizedBase = false)
{
    private readonly Option<int?> _rank = new("--lora-rank") { Description = "Train LoRA adapters of this rank on a frozen model instead of every weight." };
    private readonly Option<double> _alpha = new("--lora-alpha") { Description = "LoRA alpha; scaling is alpha/r (alpha/√r with --rslora).", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _targets = new("--lora-targets") { Description = "Comma-separated projections to adapt.", DefaultValueFactory = _ => string.Join(",", LoraOptions.AllLinear) };
    private readonly Option<double> _dropout = new("--lora-dropout") { Description = "Dropout on the adapters' input.", DefaultValueFactory = _ => 0.05 };
    private readonly Option<bool> _rsLora = new("--rslora") { Description = "Rank-stabilised LoRA: scaling alpha/√r." };
    private readonly Option<string?> _quantizeBase = new("--quantize-base") { Description = "QLoRA: hold the frozen base's projections as q8_0 or q4 (the engine's codecs) under the LoRA adapters." };

    public void AddTo(Command command)
    {
        foreach (Option option in new Option[] { _rank, _alpha, _targets, _dropout, _rsLora }) command.Options.Add(option);
        if (quantizedBase) command.Options.Add(_quantizeBase);
    }

    /// <summary>The --quantize-base value (checked by the verb's options with the LoRA settings), or null.</summary>
    public string? QuantizeBase(ParseResult parse) => quantizedBase ? parse.GetValue(_quantizeBase) : null;

    /// <summary>The adapter asked for, or null for full fine-tuning; shaping options without --lora-rank are refused.</summary>
    public LoraOptions? Read(ParseResult parse)
    {
        if (parse.GetValue(_rank) is int rank)
            return new LoraOptions
            {
                Rank = rank, Alpha = parse.GetValue(_alpha), Dropout = parse.GetValue(_dropout), RsLora = parse.GetValue(_rsLora),
                Targets = parse.GetValue(_targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            };
        bool Given(Option option) => parse.GetResult(option) is { Implicit: false };
        if (Given(_alpha) || Given(_targets) || Given(_dropout) || Given(_rsLora))
            throw new SharpLMException("--lora-alpha, --lora-targets, --lora-dropout and --rslora shape a LoRA adapter; add --lora-rank.");
        return null;
    }
}

/// <summary>The prompt-tuning options the post-training verbs share (sft, dpo, rl), defined once like the LoRA options.</summary>
internal sealed class PromptTuningCommandOptions(string sequence)
{
    private readonly Option<int?> _virtualTokens = new("--prompt-tuning")
    {
        Description = $"Prompt tuning: train this many virtual token embeddings placed before every {sequence} of the frozen model; writes a PEFT adapter, no model folder.",
    };
    private readonly Option<string?> _initText = new("--prompt-tuning-init-text") { Description = "Start the virtual tokens from this text's token embeddings (PEFT's TEXT init; default RANDOM)." };

    public void AddTo(Command command)
    {
        command.Options.Add(_virtualTokens);
        command.Options.Add(_initText);
    }

    /// <summary>The adapter asked for, or null; an init text without --prompt-tuning is refused.</summary>
    public PromptTuningOptions? Read(ParseResult parse) =>
        parse.GetValue(_virtualTokens) is int virtualTokens
            ? new PromptTuningOptions { VirtualTokens = virtualTokens, InitText = parse.GetValue(_initText) }
            : parse.GetValue(_initText) is null ? null : throw new SharpLMException("--prompt-tuning-init-text starts a prompt-tuning adapter; add --prompt-tuning N.");
}

/// <summary>The trainable-tokens option the post-training verbs share (sft, dpo, rl; reward beside LoRA), defined once like the adapter options.</summary>
internal sealed class TrainableTokensCommandOption
{
    private readonly Option<string[]> _tokens = new("--trainable-tokens")
    {
        Description = "Train these tokens' embedding rows (PEFT's trainable tokens), alone or beside --lora-rank, e.g. the chat template's <|im_start|> <|im_end|>; each a token's text or id.",
        AllowMultipleArgumentsPerToken = true,
    };

    public void AddTo(Command command) => command.Options.Add(_tokens);

    /// <summary>The token ids asked for, resolved with the model folder's tokenizer, or null.</summary>
    public int[]? Read(ParseResult parse, ModelFolder folder) =>
        parse.GetValue(_tokens) is { Length: > 0 } names ? TokenNames.Resolve(ModelFolderTokenizer.Load(folder), names) : null;

    /// <summary>
    /// The default learning rate: training input embeddings alone (prompt tuning's virtual tokens, or token rows
    /// without LoRA) takes prompt tuning's rate; otherwise the method's own for full or LoRA training.
    /// </summary>
    public static double DefaultLearningRate(PromptTuningOptions? prompt, int[]? tokens, LoraOptions? lora, Func<bool, double> method) =>
        prompt is not null || (tokens is not null && lora is null) ? PromptTuningOptions.DefaultLearningRate : method(lora is not null);
}

/// <summary>The sequence length rule the post-training verbs share: 1024 (as TRL's default) or the model's context if shorter.</summary>
internal static class PostTrainingLength
{
    public static int Resolve(int? given, ModelFolder folder)
    {
        int length = given ?? Math.Min(1024, folder.Config.MaxPositionEmbeddings);
        if (length > folder.Config.MaxPositionEmbeddings)
            throw new SharpLMException($"--max-length {length} exceeds the model's max_position_embeddings ({folder.Config.MaxPositionEmbeddings}).");
        return length;
    }
}
