using SharpLM.Core.Models.Folder;
using SharpLM.Inference;
using SharpLM.Inference.Constraints;
using SharpLM.Inference.Llama;
using SharpLM.Serving.Scheduling;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Chat;
using SharpLM.Tokenizers.HuggingFace;

namespace SharpLM.Serving;

/// <summary>The model a server serves: its folder, tokenizer, chat template (when the tokenizer has turn tokens) and slots.</summary>
public sealed class ServedModel
{
    private readonly Lazy<TokenTrie> _trie;
    private readonly Lazy<TextEmbedder> _embedder;
    private readonly SemaphoreSlim _embedding = new(1, 1);

    public string Id { get; }
    public ModelFolder Folder { get; }
    public BpeTokenizer Tokenizer { get; }
    public ChatTemplate? ChatTemplate { get; }
    public ISlotBackend Backend { get; }
    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public int Slots => Backend.Slots;
    public int MaxContext => Backend.MaxPositions;

    /// <summary>The length of an embedding: the model's hidden size.</summary>
    public int EmbeddingDimensions { get; }

    /// <summary>The vocabulary as a byte trie, for constrained output (built on first use).</summary>
    public TokenTrie Trie => _trie.Value;

    private ServedModel(string id, ModelFolder folder, BpeTokenizer tokenizer, ISlotBackend backend, EngineModel engine, int threads)
    {
        EmbeddingDimensions = engine.Config.HiddenSize;
        // Embeddings run on a session of their own (built on first use, with its own KV cache and scratch) rather
        // than through the scheduler: they need no sampling, slots or streaming. The worker pool is process-wide
        // per thread count, but WorkerPool.Run lets callers on different threads take turns, each product with its
        // own job object, so the embedder's products interleave safely with the scheduler's. The semaphore in
        // EmbedAsync keeps embedding requests from sharing the one embedder session at once.
        _embedder = new Lazy<TextEmbedder>(() => engine.NewEmbedder(threads));
        Id = id;
        Folder = folder;
        Tokenizer = tokenizer;
        Backend = backend;
        ChatTemplate = tokenizer.Specials.ContainsKey(SpecialTokens.TurnStart) && tokenizer.Specials.ContainsKey(SpecialTokens.TurnEnd)
            ? new ChatTemplate(tokenizer) : null;
        _trie = new Lazy<TokenTrie>(() => new TokenTrie(tokenizer));
    }

    /// <param name="slots">Sequences that run at once (continuous batching over them).</param>
    /// <param name="adapter">A PEFT adapter folder (LoRA or prompt tuning) the engine applies as it loads; null for none.</param>
    public static ServedModel Load(string directory, int slots, int threads, string? id = null, string? adapter = null)
    {
        var folder = ModelFolder.Open(directory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        var engine = EngineModel.Load(folder, adapter);
        ISlotBackend backend = engine.Llama is { } llama
            ? new BatchedSlots(new LlamaBatchSession(llama, threads, slots))
            : new SessionSlots(Enumerable.Range(0, slots).Select(_ => engine.NewSession(threads)).ToArray());
        string name = id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return new ServedModel(name, folder, tokenizer, backend, engine, threads);
    }

    /// <summary>The embedding of each token sequence (none longer than <see cref="MaxContext"/>), one request at a time, off the request thread.</summary>
    public async Task<IReadOnlyList<float[]>> EmbedAsync(IReadOnlyList<int[]> inputs, CancellationToken cancel)
    {
        // Waiting requests hold no thread while one runs.
        await _embedding.WaitAsync(cancel);
        try
        {
            return await Task.Run(() =>
            {
                var vectors = new float[inputs.Count][];
                for (int i = 0; i < inputs.Count; i++)
                {
                    cancel.ThrowIfCancellationRequested();
                    vectors[i] = _embedder.Value.Embed(inputs[i]);
                }
                return vectors;
            }, cancel);
        }
        finally
        {
            _embedding.Release();
        }
    }
}
