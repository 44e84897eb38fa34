using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining;

/// <summary>
/// Named trainable parameters to and from a float32 safetensors file: what adapters and the reward model checkpoint
/// (a whole model goes through its HF checkpoint instead, with its own tensor-name table).
/// </summary>
internal static class NamedParameterFile
{
    public static IEnumerable<SafetensorsTensor> Export(IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        foreach (var (name, parameter) in parameters)
        {
            using var cpu = parameter.detach().to(CPU).to_type(ScalarType.Float32).contiguous();
            yield return SafetensorsTensor.FromFloat32(name, cpu.shape, cpu.data<float>().ToArray());
        }
    }

    /// <param name="missing">Says, after "tensor 'x' is missing; ", what a missing tensor means for this kind of file.</param>
    public static void Load(string path, IReadOnlyList<(string Name, Parameter Parameter)> parameters, string missing)
    {
        using var reader = new SafetensorsReader(path);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            if (!reader.Contains(name)) throw new SharpLMException($"{path}: tensor '{name}' is missing; {missing}.");
            var info = reader.GetInfo(name);
            if (!info.Shape.SequenceEqual(parameter.shape))
                throw new SharpLMException($"{path}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}], expected [{string.Join(", ", parameter.shape)}].");
            using var source = tensor(reader.ReadFloat32(name), parameter.shape);
            parameter.copy_(source);
        }
    }
}
