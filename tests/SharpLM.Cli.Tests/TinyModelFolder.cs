using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Cli.Tests;

/// <summary>A random-weight Llama model folder with a trained tokenizer (chat tokens included), built from the tensor table.</summary>
public static class TinyModelFolder
{
    // Enough distinct pairs for every merge, so every id of the vocabulary decodes.
    public static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(Corpus(), new BpeTrainerOptions { VocabularySize = 300 });

    public static readonly LlamaConfig Config = LlamaConfig.Create(vocabSize: Tokenizer.VocabularySize, hiddenSize: 64, layers: 2, heads: 4,
        keyValueHeads: 2, intermediateSize: 96, maxPositions: 64);

    private static IEnumerable<string> Corpus()
    {
        var random = new Random(9);
        string[] words = ["the", "whale", "ship", "sails", "Ahab", "watches", "sea", "harpoon", "deck", "mast", "storm", "calm", "captain", "crew"];
        for (int i = 0; i < 200; i++) yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ => words[random.Next(words.Length)])) + ".";
    }

    /// <summary>Writes the folder; <paramref name="edit"/> may change the tensors before they are written.</summary>
    /// <param name="maxPositions">The context, when a test's prompts need more than the default 64 tokens (RoPE: no tensor changes).</param>
    public static string Create(Func<List<SafetensorsTensor>, List<SafetensorsTensor>>? edit = null, int? maxPositions = null)
    {
        string directory = Path.Combine(CliProcess.TempDirectory(), "model");
        Directory.CreateDirectory(directory);
        var random = new Random(5);
        var tensors = ModelTensorTable.For(Config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Range(0, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).Select(_ => (float)(random.NextDouble() - 0.5)).ToArray())).ToList();
        SafetensorsWriter.Write(Path.Combine(directory, ModelFolder.WeightsFile), edit is null ? tensors : edit(tensors));
        (maxPositions is { } positions ? Config with { MaxPositionEmbeddings = positions } : Config).Save(Path.Combine(directory, ModelFolder.ConfigFile));
        TokenizerJson.Save(Tokenizer, Path.Combine(directory, ModelFolder.TokenizerFile));
        return directory;
    }
}
