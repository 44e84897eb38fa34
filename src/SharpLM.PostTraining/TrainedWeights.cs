using SharpLM.Core.IO;
using SharpLM.PostTraining.Lora;
using SharpLM.PostTraining.PromptTuning;
using SharpLM.PostTraining.Tokens;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;

namespace SharpLM.PostTraining;

/// <summary>
/// What a fine-tuning run (sft, dpo, rl, and a reward model's decoder) trains on a model and what it leaves behind: every weight; LoRA adapters;
/// prompt tuning's virtual tokens; or chosen embedding rows, alone or beside LoRA. One place decides how they
/// combine, how they are described, which PEFT adapter folder they write and how they merge into the model.
/// </summary>
public sealed class TrainedWeights : IDisposable
{
    public LoraAdapters? Lora { get; }
    public PromptEmbedding? Prompt { get; }
    public TrainableTokenRows? TokenRows { get; }

    /// <summary>The parameters the training loop steps, saves and resumes.</summary>
    public ITrainableWeights Weights { get; }

    private TrainedWeights(CausalLanguageModel model, LoraAdapters? lora, PromptEmbedding? prompt, TrainableTokenRows? tokenRows)
    {
        Lora = lora;
        Prompt = prompt;
        TokenRows = tokenRows;
        Weights = lora is not null && tokenRows is not null ? new CombinedWeights(lora, tokenRows)
            : (ITrainableWeights?)lora ?? (ITrainableWeights?)prompt ?? (ITrainableWeights?)tokenRows ?? new WholeModel(model);
    }

    /// <param name="tokenizer">Encodes prompt tuning's TEXT initialisation.</param>
    public static TrainedWeights Create(CausalLanguageModel model, LoraOptions? lora, PromptTuningOptions? prompt, IReadOnlyList<int>? trainableTokens,
        BpeTokenizer tokenizer, long seed)
    {
        // Token rows first: they freeze every weight of the model, and LoRA's matrices join it afterwards.
        var rows = trainableTokens is null ? null : new TrainableTokenRows(model, trainableTokens, besideLora: lora is not null);
        var adapters = lora is null ? null : new LoraAdapters(model, lora, seed);
        var embedding = prompt is null ? null : PromptEmbedding.Create(model, prompt, tokenizer, seed);
        return new TrainedWeights(model, adapters, embedding, rows);
    }

    /// <summary>Whether the run ends in a model folder: prompt tuning leaves the base unchanged, its adapter is the whole result.</summary>
    public bool WritesModel => Prompt is null;

    /// <summary>What trains, for the run's opening line: " (LoRA r=16, alpha=32, scaling 2)", " (all)", ...</summary>
    public string Description =>
        (Lora is { } lora ? $" (LoRA r={lora.Options.Rank}, alpha={lora.Options.Alpha}, scaling {lora.Scaling:G4}" + (TokenRows is { } beside ? $", and the embedding rows of {beside.TokenIds.Count} tokens)" : ")")
            : Prompt is { } prompt ? $" (prompt tuning: {prompt.VirtualTokens} virtual tokens, {(prompt.Options.InitText is null ? "RANDOM" : "TEXT")} init)"
            : TokenRows is { } rows ? $" (the embedding rows of {rows.TokenIds.Count} tokens)" : " (all)");

    /// <summary>Writes the PEFT adapter folder (LoRA with any token rows, prompt tuning, or token rows alone) atomically; null when every weight trained.</summary>
    public string? SaveAdapter(string directory, string baseModel)
    {
        Action<string>? save = Lora is { } lora ? staging => lora.SavePeft(staging, baseModel, TokenRows)
            : Prompt is { } prompt ? staging => prompt.SavePeft(staging, baseModel)
            : TokenRows is { } rows ? staging => rows.SavePeft(staging, baseModel)
            : null;
        if (save is null) return null;
        AtomicDirectory.Write(directory, save);
        return directory;
    }

    /// <summary>Merges LoRA's products and the token rows into the model, which then computes alone what it computed with them.</summary>
    public void MergeAndUnload()
    {
        Lora?.MergeAndUnload();
        TokenRows?.MergeAndUnload();
    }

    public void Dispose()
    {
        Prompt?.Dispose();
        Lora?.Dispose();
        TokenRows?.Dispose();
    }
}
