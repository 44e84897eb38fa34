using Microsoft.Extensions.AI;
using SharpLM.Core;

namespace SharpLM.Retrieval.Embeddings;

/// <summary>Embeds many texts through any <see cref="IEmbeddingGenerator{TInput, TEmbedding}"/>: in batches, several batches at once, reporting progress.</summary>
public sealed class BatchEmbedder(IEmbeddingGenerator<string, Embedding<float>> generator, int batchSize = 32, int parallelism = 2)
{
    public IEmbeddingGenerator<string, Embedding<float>> Generator { get; } = generator;

    /// <summary>The embedder's name, recorded in an index (the model id of its metadata).</summary>
    public string Name => Metadata.DefaultModelId ?? Generator.GetType().Name;

    public int Dimensions => Metadata.DefaultModelDimensions
        ?? throw new SharpLMException($"the embedding generator {Name} does not state its dimensions.");

    private EmbeddingGeneratorMetadata Metadata =>
        Generator.GetService<EmbeddingGeneratorMetadata>() ?? new EmbeddingGeneratorMetadata(Generator.GetType().Name);

    /// <param name="embedded">Called with the number of texts just finished, from any thread.</param>
    public float[][] Embed(IReadOnlyList<string> texts, Action<int>? embedded = null, CancellationToken cancel = default)
    {
        var vectors = new float[texts.Count][];
        int batches = (texts.Count + batchSize - 1) / batchSize;
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = parallelism, CancellationToken = cancel }, batch =>
        {
            int start = batch * batchSize, count = Math.Min(batchSize, texts.Count - start);
            var slice = new string[count];
            for (int i = 0; i < count; i++) slice[i] = texts[start + i];
            var result = Generator.GenerateAsync(slice, null, cancel).GetAwaiter().GetResult();
            if (result.Count != count) throw new InvalidOperationException($"{Name} returned {result.Count} embeddings for {count} texts.");
            for (int i = 0; i < count; i++) vectors[start + i] = result[i].Vector.ToArray();
            embedded?.Invoke(count);
        });
        return vectors;
    }

    public float[] Embed(string text) => Embed([text])[0];
}
