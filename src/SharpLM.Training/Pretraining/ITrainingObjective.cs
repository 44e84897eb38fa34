using SharpLM.Core.Formats.TokenShards;
using SharpLM.Training.Modeling;
using static TorchSharp.torch;

namespace SharpLM.Training.Pretraining;

/// <summary>
/// What a training run minimises: the loss of each micro-batch, and a validation loss. Pretraining's is next-token
/// prediction on windows of a token shard (<see cref="TokenWindowObjective"/>); fine-tuning supplies its own. Batches
/// must be a function of (step, micro-batch) alone, so a resumed run sees the batches an uninterrupted one would.
/// </summary>
public interface ITrainingObjective
{
    /// <summary>The mean loss of one micro-batch (a scalar with a graph) and the tokens it trained on.</summary>
    (Tensor Loss, long Tokens) MicroBatchLoss(CausalLanguageModel model, int step, int microBatch, int sequenceLength, Device device);

    /// <summary>Mean loss on held-out data, or null when there is none.</summary>
    double? ValidationLoss(CausalLanguageModel model, Device device);

    /// <summary>The training data's identity, recorded in checkpoints so a resume on other data is refused; null if untracked.</summary>
    TokenShardIdentity? Data { get; }

    /// <summary>The objective's own settings as JSON, recorded in checkpoints and compared on resume; null if none.</summary>
    string? Settings { get; }
}

/// <summary>
/// What a run updates and checkpoints: the whole model (<see cref="WholeModel"/>) or, for parameter-efficient
/// fine-tuning, adapters beside a frozen model.
/// </summary>
public interface ITrainableWeights
{
    IReadOnlyList<(string Name, TorchSharp.Modules.Parameter Parameter)> Parameters { get; }

    /// <summary>Whether weight decay applies to a parameter.</summary>
    bool Decays(string name, TorchSharp.Modules.Parameter parameter);

    /// <summary>The checkpoint file the weights are saved in (model.safetensors for a whole model).</summary>
    string FileName { get; }

    IEnumerable<Core.Formats.Safetensors.SafetensorsTensor> Export();

    void Load(string path);
}
