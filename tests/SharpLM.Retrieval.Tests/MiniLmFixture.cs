using SharpLM.Retrieval.Embeddings;

namespace SharpLM.Retrieval.Tests;

/// <summary>One all-MiniLM-L6-v2 session for a test class: loading the 90 MB ONNX model is the slow part.</summary>
public sealed class MiniLmFixture : IDisposable
{
    public MiniLmEmbeddingGenerator Generator { get; } = new();

    public BatchEmbedder Embedder(int batchSize = 8) => new(Generator, batchSize, parallelism: 2);

    public void Dispose() => Generator.Dispose();
}
