using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Inference;

/// <summary>The shape of a random-weight Llama model: what a benchmark or test needs when no trained model is at hand.</summary>
public sealed record RandomModelShape(int HiddenSize, int Layers, int Heads, int KeyValueHeads, int IntermediateSize, int MaxPositions, int Vocabulary)
{
    /// <summary>llama2.c's stories15M (288 wide, 6 layers, 6 heads, 768 feed-forward) with a small vocabulary and a 1024-token context.</summary>
    public static RandomModelShape Stories15M { get; } = new(288, 6, 6, 6, 768, 1024, 1024);
}

/// <summary>
/// Writes a model folder of random weights (normal, σ = 0.02; norms at one) with a byte-level BPE tokenizer trained
/// on generated words, so that every token id decodes. Speed and memory depend only on the shape, so a benchmark on
/// it measures what it would on a trained model of that shape; its text is noise.
/// </summary>
public static class RandomModelFolder
{
    public static void Write(string directory, RandomModelShape shape, int seed)
    {
        var random = new Random(seed);
        var tokenizer = BpeTrainer.Train(Words(random), new BpeTrainerOptions { VocabularySize = shape.Vocabulary });
        var config = LlamaConfig.Create(vocabSize: tokenizer.VocabularySize, hiddenSize: shape.HiddenSize, layers: shape.Layers, heads: shape.Heads,
            keyValueHeads: shape.KeyValueHeads, intermediateSize: shape.IntermediateSize, maxPositions: shape.MaxPositions);
        var tensors = ModelTensorTable.For(config).Tensors.Select(t =>
        {
            long count = t.Shape.Aggregate(1L, (a, b) => a * b);
            return SafetensorsTensor.FromFloat32(t.Name, t.Shape, t.IsMatrix ? RandomWeights.Normal(random, count) : RandomWeights.Ones(count));
        }).ToList();
        Core.IO.AtomicDirectory.Write(directory, staging =>
        {
            SafetensorsWriter.Write(Path.Combine(staging, ModelFolder.WeightsFile), tensors);
            config.Save(Path.Combine(staging, ModelFolder.ConfigFile));
            TokenizerJson.Save(tokenizer, Path.Combine(staging, ModelFolder.TokenizerFile));
        });
    }

    /// <summary>Sentences of random letter strings: enough distinct pairs for a few thousand merges.</summary>
    private static IEnumerable<string> Words(Random random)
    {
        for (int line = 0; line < 2000; line++)
            yield return string.Join(" ", Enumerable.Range(0, 12).Select(_ =>
                new string(Enumerable.Range(0, 2 + random.Next(7)).Select(_ => (char)('a' + random.Next(26))).ToArray()))) + ".";
    }
}
