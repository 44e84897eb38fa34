using SharpLM.Core.Formats.Safetensors;
using SharpLM.Training.Pretraining;
using TorchSharp.Modules;

namespace SharpLM.PostTraining;

/// <summary>
/// Two sets of trained weights saved in one file, as PEFT saves LoRA with trainable_token_indices: LoRA's matrices
/// and the token rows side by side in adapter_model.safetensors, each set finding its own tensors by name.
/// </summary>
public sealed class CombinedWeights(ITrainableWeights first, ITrainableWeights second) : ITrainableWeights
{
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; } = [.. first.Parameters, .. second.Parameters];

    public bool Decays(string name, Parameter parameter) =>
        first.Parameters.Any(p => ReferenceEquals(p.Parameter, parameter)) ? first.Decays(name, parameter) : second.Decays(name, parameter);

    public string FileName => first.FileName;

    public IEnumerable<SafetensorsTensor> Export() => first.Export().Concat(second.Export());

    public void Load(string path)
    {
        first.Load(path);
        second.Load(path);
    }
}
