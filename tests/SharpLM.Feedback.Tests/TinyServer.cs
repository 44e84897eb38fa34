using Microsoft.Extensions.Logging;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Serving;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Feedback.Tests;

/// <summary>A random-weight Llama model folder with a chat tokenizer, and real servers over it on free loopback ports.</summary>
public static class TinyServer
{
    public const string Key = "sk-capture-test-0123456789abcdef";

    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });

    private static readonly Lazy<string> Model = new(CreateModel);

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["the", "whale", "ship", "sails", "Ahab", "watches", "sea", "harpoon", "deck", "mast", "storm", "calm"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + ".";
    }

    private static string CreateModel()
    {
        var config = LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 32, layers: 1, heads: 2, keyValueHeads: 1, intermediateSize: 48, maxPositions: 512);
        string directory = Directory.CreateTempSubdirectory("sharplm-capture-model-").FullName;
        var random = new Random(5);
        var tensors = ModelTensorTable.For(config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((random.NextDouble() - 0.5) * 0.6) + (t.IsMatrix ? 0 : 1)).ToArray()));
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        TokenizerJson.Save(Tokenizer, Path.Combine(directory, ModelFolder.TokenizerFile));
        return directory;
    }

    /// <summary>A started, loaded server with a key file; <paramref name="capture"/> is its capture database, or null for none.</summary>
    public static async Task<SharpLMServer> StartAsync(string? capture, int retentionDays = 0)
    {
        string keys = Path.Combine(Directory.CreateTempSubdirectory("sharplm-capture-keys-").FullName, "keys.txt");
        await File.WriteAllTextAsync(keys, Key + "\n");
        var server = await SharpLMServer.StartAsync(new ServerOptions
        {
            ModelDirectory = Model.Value, ModelId = "tiny", Port = 0, ApiKeyFile = keys, Parallel = 2, Threads = 1, CaptureDatabase = capture, CaptureRetentionDays = retentionDays,
        }, logging => logging.SetMinimumLevel(LogLevel.Warning));
        await server.Ready;
        return server;
    }
}
