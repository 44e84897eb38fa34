using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Onnx.Tests;

/// <summary>A random-weight model folder (Llama family or GPT-2) (config.json and model.safetensors) built from the tensor table.</summary>
internal static class TinyModelFolder
{
    public static LlamaConfig Config(bool tied = true, bool qkNorm = false, int keyValueHeads = 2, int maxPositions = 48, int vocabSize = 97)
    {
        var config = LlamaConfig.Create(vocabSize: vocabSize, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: keyValueHeads, intermediateSize: 48,
            maxPositions: maxPositions, tieEmbeddings: tied);
        return qkNorm ? config.WithQkNorm() : config;
    }

    public static Gpt2Config Gpt2(string activation = "gelu_new", int vocabSize = 97) =>
        Gpt2Config.Create(vocabSize: vocabSize, embedding: 32, layers: 2, heads: 4, positions: 40) with { Activation = activation };

    public static string Create(IModelConfig config, int seed)
    {
        string directory = Directory.CreateTempSubdirectory("sharplm-onnx-").FullName;
        var random = new Random(seed);
        // Matrices spread enough that attention is far from uniform; gains near 1 but not 1, so a missing gain shows;
        // biases small but not zero.
        var tensors = ModelTensorTable.For(config).Tensors.Select(t =>
        {
            bool gain = !t.IsMatrix && !t.Name.EndsWith(".bias", StringComparison.Ordinal);
            return SafetensorsTensor.FromFloat32(t.Name, t.Shape, Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b))
                .Select(_ => (float)((random.NextDouble() - 0.5) * (gain ? 0.4 : 0.8)) + (gain ? 1 : 0)).ToArray());
        });
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        return directory;
    }
}
