using Microsoft.Extensions.Logging;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Serving.Tests;

/// <summary>A random-weight Llama model folder with a chat tokenizer, and one server over it on a free loopback port with a key file.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public const string Key = "sk-test-0123456789";

    // Enough distinct pairs for every merge, so every id decodes.
    public static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });

    public static readonly LlamaConfig Config = LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 64, layers: 2, heads: 4,
        keyValueHeads: 2, intermediateSize: 96, maxPositions: 2048); // long enough that an unbounded stream outlasts a client's reaction

    public string ModelDirectory { get; } = CreateModel();
    public SharpLMServer Server { get; private set; } = null!;
    public Uri Address => Server.Address;

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["the", "whale", "ship", "sails", "Ahab", "watches", "sea", "harpoon", "deck", "mast", "storm", "calm", "{", "}", "\"", ":"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + ".";
    }

    public static string CreateModel() => CreateModel(Config);

    /// <summary>A random-weight model folder of any family the engine runs, with the fixture's tokenizer; <paramref name="edit"/> may change a tensor's values (by name) before it is written.</summary>
    public static string CreateModel(IModelConfig config, Action<string, float[]>? edit = null)
    {
        string directory = Directory.CreateTempSubdirectory("sharplm-serve-").FullName;
        var random = new Random(5);
        var tensors = ModelTensorTable.For(config).Tensors.Select(t =>
        {
            var values = Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)((random.NextDouble() - 0.5) * 0.6) + (t.IsMatrix ? 0 : 1)).ToArray();
            edit?.Invoke(t.Name, values);
            return SafetensorsTensor.FromFloat32(t.Name, t.Shape, values);
        });
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), tensors);
        config.Save(Path.Combine(directory, ModelFolder.ConfigFile));
        TokenizerJson.Save(Tokenizer, Path.Combine(directory, ModelFolder.TokenizerFile));
        return directory;
    }

    /// <summary>
    /// A random-weight Llama model with a 32,768-token context that never ends its turn: the (tied) embedding rows of
    /// the end-of-turn and end-of-text tokens are zero, so their logits are 0 while the largest of the other 298 random
    /// logits is positive at every step and greedy decoding never picks them. Only a token budget, the context or a
    /// cancellation ends its answers, so a long one outlasts any reaction to it.
    /// </summary>
    public static string CreateEndlessModel()
    {
        var config = LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 96,
            maxPositions: 32768);
        return CreateModel(config, (tensor, values) =>
        {
            if (tensor != LlamaTensorNames.Embeddings) return;
            foreach (string special in new[] { SpecialTokens.TurnEnd, SpecialTokens.EndOfText })
                Array.Clear(values, Tokenizer.Specials[special] * config.HiddenSize, config.HiddenSize);
        });
    }

    public async Task InitializeAsync()
    {
        string keys = Path.Combine(ModelDirectory, "..", Path.GetFileName(ModelDirectory) + ".keys");
        await File.WriteAllTextAsync(keys, "# test keys\n" + Key + "\nsk-other\n");
        Server = await SharpLMServer.StartAsync(new ServerOptions { ModelDirectory = ModelDirectory, ModelId = "tiny", Port = 0, ApiKeyFile = keys, Parallel = 4, Threads = 2 },
            logging => logging.SetMinimumLevel(LogLevel.Warning));
        await Server.Ready;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}

[CollectionDefinition("server")]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>;
