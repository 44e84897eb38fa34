using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;

namespace SharpLM.PostTraining.Rl;

/// <summary>
/// The policy's current weights as an engine model, for sampling. They go through a model folder on disk (the whole
/// model) or a PEFT adapter folder (LoRA and any token rows, applied by the engine at load on the base folder): both
/// are formats the engine already reads and the tests already check, so the samples come from exactly the weights a
/// saved model would have, with no second in-memory conversion to keep in step. For the small models RL runs here
/// the write costs far less than sampling a group.
/// </summary>
/// <param name="trained">What the run trains; null or every weight writes the whole model.</param>
public sealed class PolicySnapshot(ModelFolder baseFolder, BpeTokenizer tokenizer, string directory, TrainedWeights? trained = null)
{
    /// <summary>Where the snapshot is written, replaced at every step.</summary>
    public string Directory => directory;

    public EngineModel Take(CausalLanguageModel model)
    {
        if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
        if (trained?.SaveAdapter(directory, Path.GetFullPath(baseFolder.Directory)) is { } adapter) return EngineModel.Load(baseFolder, adapter);
        HfCheckpoint.Save(model, tokenizer, directory);
        return EngineModel.Load(directory);
    }
}
