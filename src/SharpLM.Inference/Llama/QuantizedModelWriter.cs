using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Kernels;

namespace SharpLM.Inference.Llama;

/// <summary>
/// Writes <see cref="LlamaWeights"/> as a Hugging Face-layout folder the engine loads back: config.json and a
/// model.safetensors whose matrices are stored per <see cref="WeightTensors"/> (norm gains stay F32). The
/// header's __metadata__ names the format ("sharplm.weight_format") and group size, for people and tools reading it.
/// </summary>
public static class QuantizedModelWriter
{
    public const string FormatKey = "sharplm.weight_format", GroupSizeKey = "sharplm.group_size";

    public static void Write(LlamaWeights weights, string directory, WeightFormat format)
    {
        Directory.CreateDirectory(directory);
        var tensors = weights.NamedMatrices().SelectMany(m => WeightTensors.Write(m.Name, m.Matrix))
            .Concat(weights.NamedNorms().Select(n => SafetensorsTensor.FromFloat32(n.Name, [n.Values.Length], n.Values)));
        var metadata = new Dictionary<string, string> { ["format"] = "pt", [FormatKey] = format.Name() };
        if (format is WeightFormat.Q8_0 or WeightFormat.Q4) metadata[GroupSizeKey] = WeightMatrix.GroupSize.ToString();
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors, metadata);
        weights.Config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
    }
}
