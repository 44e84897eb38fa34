using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Retrieval.Tests;

/// <summary>A random-weight Llama model folder with a small BPE tokenizer that knows digits and JSON punctuation.</summary>
public sealed class TinyModel : IDisposable
{
    public static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });

    public string Directory { get; } = Create();

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["the", "navy", "tariff", "frigates", "iron", "army", "revenue", "{", "}", "[", "]", "\"", ":", ",", "1", "2", "3", "4", "answer", "citations"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + ".";
    }

    private static string Create()
    {
        var config = LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 96, maxPositions: 1024);
        string directory = System.IO.Directory.CreateTempSubdirectory("sharplm-rag-model-").FullName;
        var random = new Random(5);
        var tensors = ModelTensorTable.For(config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((random.NextDouble() - 0.5) * 0.6) + (t.IsMatrix ? 0 : 1)).ToArray()));
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        TokenizerJson.Save(Tokenizer, Path.Combine(directory, ModelFolder.TokenizerFile));
        return directory;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
