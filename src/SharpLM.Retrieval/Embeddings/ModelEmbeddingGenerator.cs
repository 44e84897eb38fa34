using System.Collections.Concurrent;
using Microsoft.Extensions.AI;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Retrieval.Embeddings;

/// <summary>
/// Embeddings from the user's own SharpLM model through the engine's <see cref="TextEmbedder"/> (the mean of the
/// final hidden states, unit length), the same vectors the server's /v1/embeddings returns. Each call takes an
/// embedder (a session of its own) from a pool, so concurrent batches run on separate sessions.
/// </summary>
public sealed class ModelEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private readonly EngineModel _engine;
    private readonly BpeTokenizer _tokenizer;
    private readonly int _threadsPerSession;
    private readonly ConcurrentBag<TextEmbedder> _idle = [];
    private readonly EmbeddingGeneratorMetadata _metadata;

    public ModelEmbeddingGenerator(EngineModel engine, BpeTokenizer tokenizer, string name, int threadsPerSession = 1)
    {
        _engine = engine;
        _tokenizer = tokenizer;
        _threadsPerSession = threadsPerSession;
        Name = name;
        _metadata = new EmbeddingGeneratorMetadata("sharplm", null, name, engine.Config.HiddenSize);
    }

    /// <summary>The model of a folder; its name in an index is "model:" and the folder's full path.</summary>
    public static ModelEmbeddingGenerator Load(string directory, int threadsPerSession = 1)
    {
        var folder = ModelFolder.Open(directory);
        return new ModelEmbeddingGenerator(EngineModel.Load(folder), ModelFolderTokenizer.Load(folder),
            "model:" + Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), threadsPerSession);
    }

    public string Name { get; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(IEnumerable<string> values, EmbeddingGenerationOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        var embedder = _idle.TryTake(out var idle) ? idle : _engine.NewEmbedder(_threadsPerSession);
        try
        {
            var result = new GeneratedEmbeddings<Embedding<float>>();
            foreach (string text in values)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var tokens = _tokenizer.Encode(text, allowSpecial: false);
                // Text longer than the context is embedded by its beginning, as a chunk budget in words cannot promise a token count.
                int count = Math.Min(tokens.Count, embedder.MaxPositions);
                result.Add(new Embedding<float>(embedder.Embed(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(tokens)[..count])) { ModelId = Name });
            }
            return Task.FromResult(result);
        }
        finally
        {
            _idle.Add(embedder);
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is not null ? null
        : serviceType == typeof(EmbeddingGeneratorMetadata) ? _metadata
        : serviceType.IsInstanceOfType(this) ? this
        : null;

    public void Dispose() { }
}
