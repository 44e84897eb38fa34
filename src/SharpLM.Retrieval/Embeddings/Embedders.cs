using Microsoft.Extensions.AI;
using SharpLM.Core;

namespace SharpLM.Retrieval.Embeddings;

/// <summary>
/// The embedders an index can name: "minilm" (all-MiniLM-L6-v2, the default) or a SharpLM model folder. An index
/// records the name of the one it was built with, and searches embed queries with the same one.
/// </summary>
public static class Embedders
{
    public const string MiniLm = "minilm";

    /// <param name="choice">"minilm", or the path of a model folder.</param>
    public static IEmbeddingGenerator<string, Embedding<float>> Create(string choice, int threadsPerSession = 1)
    {
        if (choice.Equals(MiniLm, StringComparison.OrdinalIgnoreCase) || choice == MiniLmEmbeddingGenerator.ModelName) return new MiniLmEmbeddingGenerator();
        if (choice.StartsWith("model:", StringComparison.Ordinal)) choice = choice["model:".Length..];
        if (!Directory.Exists(choice))
            throw new SharpLMException($"--embedder must be '{MiniLm}' or a model folder; '{choice}' is neither.");
        return ModelEmbeddingGenerator.Load(choice, threadsPerSession);
    }

    /// <summary>The embedder an index was built with, for embedding queries.</summary>
    public static IEmbeddingGenerator<string, Embedding<float>> ForIndex(Store.IRagStore store)
    {
        string name = store.Setting("embedder") ?? throw new SharpLMException($"{store.Location}: the index is empty; build it with 'sharplm rag index'.");
        if (name.StartsWith("model:", StringComparison.Ordinal) && !Directory.Exists(name["model:".Length..]))
            throw new SharpLMException($"{store.Location}: the index was embedded with the model folder {name["model:".Length..]}, which no longer exists.");
        return Create(name);
    }
}
