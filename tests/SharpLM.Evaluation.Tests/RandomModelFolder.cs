using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Evaluation.Tests;

/// <summary>A tiny random-weight Llama model folder over a given tokenizer, for tests that start a real server on it.</summary>
internal static class RandomModelFolder
{
    public static string Create(BpeTokenizer tokenizer, int maxPositions, int seed, string prefix)
    {
        var config = LlamaConfig.Create(vocabSize: tokenizer.VocabularySize, hiddenSize: 32, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 48, maxPositions: maxPositions);
        string directory = Directory.CreateTempSubdirectory(prefix).FullName;
        var random = new Random(seed);
        var tensors = ModelTensorTable.For(config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((random.NextDouble() - 0.5) * 0.6) + (t.IsMatrix ? 0 : 1)).ToArray()));
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        TokenizerJson.Save(tokenizer, Path.Combine(directory, ModelFolder.TokenizerFile));
        return directory;
    }
}
