using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.PostTraining.Lora;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Reward;

/// <summary>
/// A Bradley–Terry reward model: the language model's decoder with a scalar head on the final hidden state of each
/// sequence's last token (transformers' LlamaForSequenceClassification with one label: a bias-free "score" Linear,
/// pooled at the last non-padding token). Without adapters the head and every weight of the model train; with LoRA
/// adapters the head and the adapters train on a frozen model, as PEFT's SEQ_CLS task trains them (the head in
/// modules_to_save), and the trainable parameters carry the names PEFT saves them under. Beside LoRA, the embedding
/// rows of chosen tokens may train too (LoRA's trainable_token_indices), as in the generation verbs. With prompt
/// tuning the decoder is frozen and the virtual tokens and the head train (PEFT's prompt learning for SEQ_CLS).
/// </summary>
public sealed class RewardModel : ITrainableWeights
{
    /// <summary>The head's tensor name, as transformers names it.</summary>
    public const string ScoreName = "score.weight";

    private readonly LlamaForCausalLM _model;

    public Parameter Score { get; }

    /// <summary>The LoRA adapters on the decoder, or null when every weight trains.</summary>
    public LoraAdapters? Adapters { get; }

    /// <summary>Embedding rows trained beside the adapters, or null.</summary>
    public Tokens.TrainableTokenRows? TokenRows { get; }

    /// <summary>Prompt tuning's virtual tokens before every sequence, or null.</summary>
    public PromptTuning.PromptEmbedding? Prompt { get; }

    /// <summary>Virtual tokens before each sequence (0 without prompt tuning).</summary>
    public int VirtualTokens => Prompt?.VirtualTokens ?? 0;

    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    /// <param name="tokenRows">Token rows beside <paramref name="adapters"/> (made before them, as they freeze the model).</param>
    /// <param name="prompt">Prompt tuning's virtual tokens (made first: they freeze the model), instead of adapters.</param>
    public RewardModel(CausalLanguageModel model, long seed, LoraAdapters? adapters = null, Tokens.TrainableTokenRows? tokenRows = null,
        PromptTuning.PromptEmbedding? prompt = null)
    {
        _model = model as LlamaForCausalLM
            ?? throw new SharpLMException($"reward models put a head on Llama-family models; this is a {model.Config.ModelType} model.");
        if (tokenRows is not null && adapters is null) throw new ArgumentException("a reward model trains token rows beside LoRA adapters only.", nameof(tokenRows));
        if (prompt is not null && adapters is not null) throw new ArgumentException("prompt tuning and LoRA are different adapters.", nameof(prompt));
        Adapters = adapters;
        TokenRows = tokenRows;
        Prompt = prompt;
        // transformers initialises the score head like every Linear: normal(0, initializer_range).
        using var generator = new Generator((ulong)seed, CPU);
        using (no_grad())
            Score = new Parameter(empty([1, _model.Architecture.HiddenSize]).normal_(0, _model.Architecture.InitializerRange, generator));
        Parameters = prompt is not null ? [.. prompt.Parameters, (PeftTensorNames.PromptLearningModuleToSave(ScoreName), Score)]
            : adapters is null ? [.. model.named_parameters(), (ScoreName, Score)]
            : [.. adapters.Parameters, .. tokenRows?.Parameters ?? [], (PeftTensorNames.ModuleToSave(ScoreName), Score)];
    }

    /// <summary>Scores [B] of token rows [B, T]: the head applied to the hidden state at each row's <paramref name="lastIndex"/>.</summary>
    /// <param name="virtualSlots">With prompt tuning, [B, T] the virtual token at each position (−1 for a real token).</param>
    public Tensor Rewards(Tensor inputs, SequenceLayout? layout, Tensor lastIndex, Tensor? virtualSlots = null)
    {
        if ((Prompt is null) != (virtualSlots is null)) throw new ArgumentException("a prompt-tuned reward model takes the batch's virtual slots, and only it does.", nameof(virtualSlots));
        using var scope = NewDisposeScope();
        var hidden = Prompt is null ? _model.Decoder.Forward(inputs, layout) : Prompt.Hidden(inputs, virtualSlots!, layout!);
        var last = hidden.gather(1, lastIndex.view(-1, 1, 1).expand(-1, 1, hidden.shape[2])).squeeze(1);
        return nn.functional.linear(last, Score).squeeze(-1).MoveToOuterDisposeScope();
    }

    public bool Decays(string name, Parameter parameter) =>
        name == Parameters[^1].Name || Prompt is not null || (Adapters is null ? Pretrainer.DecaysWeight(_model, name, parameter)
            : TokenRows?.Parameters.Any(p => p.Name == name) == true ? TokenRows.Decays(name, parameter) : Adapters.Decays(name, parameter));

    /// <summary>A LoRA reward model's checkpoint file is the PEFT adapter's weights file: the factors and the head under PEFT's names.</summary>
    public string FileName => Adapters is null && Prompt is null ? "reward_model.safetensors" : PeftTensorNames.WeightsFile;

    public IEnumerable<SafetensorsTensor> Export() => NamedParameterFile.Export(Parameters);

    public void Load(string path) => NamedParameterFile.Load(path, Parameters,
        Adapters is null && Prompt is null ? "the file belongs to another model" : "the adapter was made for other targets or another model");

    /// <summary>
    /// Writes a LoRA reward model's adapter in PEFT's format into an existing folder: adapter_config.json with task_type
    /// SEQ_CLS and modules_to_save as PeftModelForSequenceClassification writes them (and trainable_token_indices with
    /// token rows), and adapter_model.safetensors with the LoRA factors, any token rows and base_model.model.score.weight.
    /// </summary>
    public void SavePeft(string directory, string baseModel)
    {
        if (Prompt is { } prompt)
        {
            // PEFT's prompt learning for sequence classification: the virtual tokens and the head in one adapter.
            PromptTuningAdapter.Write(directory, prompt.PeftConfig(baseModel) with
            {
                TaskType = PeftTaskType.SequenceClassification, ModulesToSave = PeftTaskType.ClassifierModules,
            }, Export());
            return;
        }
        var adapters = Adapters ?? throw new InvalidOperationException("a reward model without adapters has no PEFT adapter to save.");
        var config = adapters.PeftConfig(baseModel) with
        {
            TaskType = PeftTaskType.SequenceClassification, ModulesToSave = PeftTaskType.ClassifierModules, TrainableTokenIndices = TokenRows?.TokenIds,
        };
        PeftAdapter.Write(directory, config, Export());
    }

    /// <summary>
    /// Writes the reward model folder: the decoder (any LoRA adapter and token rows merged into it first, after which
    /// this model no longer carries them) and reward_head.safetensors beside its weights.
    /// </summary>
    public void SaveModelFolder(BpeTokenizer tokenizer, string directory)
    {
        if (Prompt is not null) throw new InvalidOperationException("virtual tokens cannot be merged into a model folder; a prompt-tuned reward model is its adapter.");
        Adapters?.MergeAndUnload();
        TokenRows?.MergeAndUnload();
        HfCheckpoint.Save(_model, tokenizer, directory);
        using var weight = Score.detach().contiguous();
        RewardHeadFile.Write(Path.Combine(directory, RewardHeadFile.FileName), weight.data<float>().ToArray());
    }
}
