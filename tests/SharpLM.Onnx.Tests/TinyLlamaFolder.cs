using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Onnx.Tests;

/// <summary>A random-weight Llama-family model folder (config.json and model.safetensors) built from the tensor table.</summary>
internal static class TinyLlamaFolder
{
    public static LlamaConfig Config(bool tied = true, bool qkNorm = false, int keyValueHeads = 2, int maxPositions = 48)
    {
        var config = LlamaConfig.Create(vocabSize: 97, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: keyValueHeads, intermediateSize: 48,
            maxPositions: maxPositions, tieEmbeddings: tied);
        return qkNorm ? config.WithQkNorm() : config;
    }

    public static string Create(LlamaConfig config, int seed)
    {
        string directory = Directory.CreateTempSubdirectory("sharplm-onnx-").FullName;
        var random = new Random(seed);
        // Matrices spread enough that attention is far from uniform; gains near 1 but not 1, so a missing gain shows.
        var tensors = ModelTensorTable.For(config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b))
                .Select(_ => (float)((random.NextDouble() - 0.5) * (t.IsMatrix ? 0.8 : 0.4)) + (t.IsMatrix ? 0 : 1)).ToArray()));
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        return directory;
    }
}
