using SharpLM.Core.Formats.Safetensors;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;
using TorchSharp.Modules;

namespace SharpLM.Training.Pretraining;

/// <summary>Every parameter of the model trains; checkpoints hold model.safetensors under Hugging Face names.</summary>
public sealed class WholeModel(CausalLanguageModel model) : ITrainableWeights
{
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; } = model.named_parameters().ToList();

    public bool Decays(string name, Parameter parameter) => Pretrainer.DecaysWeight(model, name, parameter);

    public string FileName => Core.Models.Folder.ModelFolder.WeightsFile;

    public IEnumerable<SafetensorsTensor> Export() => HfCheckpoint.ExportTensors(model);

    public void Load(string path) => HfCheckpoint.LoadWeights(model, path);
}
