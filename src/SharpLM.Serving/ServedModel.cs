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

    public string Id { get; }
    public ModelFolder Folder { get; }
    public BpeTokenizer Tokenizer { get; }
    public ChatTemplate? ChatTemplate { get; }
    public ISlotBackend Backend { get; }
    public long Created { get; } = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public int Slots => Backend.Slots;
    public int MaxContext => Backend.MaxPositions;

    /// <summary>The vocabulary as a byte trie, for constrained output (built on first use).</summary>
    public TokenTrie Trie => _trie.Value;

    private ServedModel(string id, ModelFolder folder, BpeTokenizer tokenizer, ISlotBackend backend)
    {
        Id = id;
        Folder = folder;
        Tokenizer = tokenizer;
        Backend = backend;
        ChatTemplate = tokenizer.Specials.ContainsKey(SpecialTokens.TurnStart) && tokenizer.Specials.ContainsKey(SpecialTokens.TurnEnd)
            ? new ChatTemplate(tokenizer) : null;
        _trie = new Lazy<TokenTrie>(() => new TokenTrie(tokenizer));
    }

    /// <param name="slots">Sequences that run at once (continuous batching over them).</param>
    public static ServedModel Load(string directory, int slots, int threads, string? id = null)
    {
        var folder = ModelFolder.Open(directory);
        var tokenizer = ModelFolderTokenizer.Load(folder);
        var engine = EngineModel.Load(folder);
        ISlotBackend backend = engine.Llama is { } llama
            ? new BatchedSlots(new LlamaBatchSession(llama, threads, slots))
            : new SessionSlots(Enumerable.Range(0, slots).Select(_ => engine.NewSession(threads)).ToArray());
        string name = id ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)));
        return new ServedModel(name, folder, tokenizer, backend);
    }
}
