using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Safety.Tests;

/// <summary>A random-weight Llama folder with a chat tokenizer trained on a few sentences: small enough to answer in milliseconds.</summary>
public static class TinyModel
{
    private static readonly Lazy<string> Shared = new(Create);

    public static string Directory => Shared.Value;

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(3);
        string[] words = ["I", "can", "help", "sorry", "the", "garden", "plan", "safe", "unsafe", "S1", "S2", ",", "\n", "here", "is", "a", "code"];
        for (int i = 0; i < 150; i++) yield return string.Join(" ", Enumerable.Range(0, 10).Select(_ => words[random.Next(words.Length)])) + ".";
    }

    private static string Create()
    {
        var tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 280 });
        var config = LlamaConfig.Create(vocabSize: tokenizer.VocabularySize, hiddenSize: 32, layers: 1, heads: 2, keyValueHeads: 1, intermediateSize: 48, maxPositions: 2048);
        string directory = System.IO.Directory.CreateTempSubdirectory("sharplm-safety-").FullName;
        var random = new Random(11);
        var tensors = ModelTensorTable.For(config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((random.NextDouble() - 0.5) * 0.6) + (t.IsMatrix ? 0 : 1)).ToArray()));
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        TokenizerJson.Save(tokenizer, Path.Combine(directory, ModelFolder.TokenizerFile));
        return directory;
    }
}
