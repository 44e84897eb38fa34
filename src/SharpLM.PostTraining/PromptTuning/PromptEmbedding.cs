using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.PromptTuning;

/// <summary>
/// Prompt tuning (Lester et al., 2021) as PEFT's PromptEmbedding does it: N learned input embeddings [N, hidden]
/// placed before the token embeddings of every sequence of a frozen model; they are the only parameters trained.
/// Initialised from the embedding rows of a text's tokens, repeated or cut to N (TEXT), or from a standard normal,
/// as torch.nn.Embedding starts (RANDOM). Saved as PEFT's prompt_embeddings tensor.
/// </summary>
public sealed class PromptEmbedding : ITrainableWeights, IDisposable
{
    private readonly LlamaForCausalLM _model;

    public PromptTuningOptions Options { get; }
    public Parameter Embeddings { get; }
    public int VirtualTokens => Options.VirtualTokens;
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    private PromptEmbedding(LlamaForCausalLM model, PromptTuningOptions options, Tensor initial)
    {
        _model = model;
        Options = options;
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        Embeddings = new Parameter(initial, true);
        Parameters = [(PromptTuningAdapter.TensorName, Embeddings)];
    }

    /// <param name="tokenizer">Encodes the TEXT initialisation; unused for RANDOM.</param>
    public static PromptEmbedding Create(CausalLanguageModel model, PromptTuningOptions options, BpeTokenizer tokenizer, long seed)
    {
        if (model is not LlamaForCausalLM llama) throw new SharpLMException($"prompt tuning supports Llama-family models; this is a {model.Config.ModelType} model.");
        var weight = llama.Decoder.EmbeddingWeight;
        Tensor initial;
        using (no_grad())
        {
            if (options.InitText is { } text)
            {
                var rows = InitialTokens(tokenizer.Encode(text, allowSpecial: false), options.VirtualTokens)
                    ?? throw new SharpLMException($"option '--prompt-tuning-init-text' ('{text}') encodes to no tokens.");
                using var ids = tensor(rows.Select(i => (long)i).ToArray(), device: weight.device);
                initial = weight.index_select(0, ids).detach().clone().to_type(ScalarType.Float32);
            }
            else
            {
                using var generator = new Generator(unchecked((ulong)seed), CPU);
                initial = randn([options.VirtualTokens, weight.shape[1]], generator: generator).to(weight.device);
            }
        }
        return new PromptEmbedding(llama, options, initial);
    }

    /// <summary>The token ids whose embeddings start the N virtual tokens: the text's, cut to N or repeated until N (PEFT's TEXT rule); null when the text has none.</summary>
    public static int[]? InitialTokens(IReadOnlyList<int> textTokens, int count) =>
        textTokens.Count == 0 ? null : Enumerable.Range(0, count).Select(i => textTokens[i % textTokens.Count]).ToArray();

    /// <summary>
    /// Logits for rows whose positions are either token ids or virtual tokens: <paramref name="virtualSlots"/> [B, T]
    /// holds the virtual token's index where one sits and −1 where <paramref name="tokens"/> holds a real token.
    /// </summary>
    public Tensor Forward(Tensor tokens, Tensor virtualSlots, SequenceLayout layout)
    {
        using var scope = NewDisposeScope();
        return _model.ForwardEmbeddings(InputEmbeddings(tokens, virtualSlots), layout).MoveToOuterDisposeScope();
    }

    /// <summary>The decoder's final hidden states [B, T, hidden] (after the final norm) for such rows: what a reward model's head reads.</summary>
    public Tensor Hidden(Tensor tokens, Tensor virtualSlots, SequenceLayout layout)
    {
        using var scope = NewDisposeScope();
        return _model.Decoder.ForwardEmbeddings(InputEmbeddings(tokens, virtualSlots), layout).MoveToOuterDisposeScope();
    }

    private Tensor InputEmbeddings(Tensor tokens, Tensor virtualSlots)
    {
        var isVirtual = virtualSlots.ge(0);
        var prompt = Embeddings.index_select(0, virtualSlots.clamp_min(0).flatten()).view(tokens.shape[0], tokens.shape[1], -1);
        return where(isVirtual.unsqueeze(-1), prompt.to_type(_model.Decoder.EmbeddingWeight.dtype), _model.Decoder.Embed(tokens));
    }

    /// <summary>Weight decay applies to the prompt, as Hugging Face's Trainer decays PEFT's prompt embedding.</summary>
    public bool Decays(string name, Parameter parameter) => true;

    public string FileName => PeftTensorNames.WeightsFile;

    public IEnumerable<SafetensorsTensor> Export() => NamedParameterFile.Export(Parameters);

    public void Load(string path) => NamedParameterFile.Load(path, Parameters, "the file is not a prompt-tuning adapter");

    /// <summary>Writes adapter_config.json and adapter_model.safetensors (PEFT's prompt-tuning files) into an existing folder.</summary>
    public void SavePeft(string directory, string baseModel) => PromptTuningAdapter.Write(directory, PeftConfig(baseModel), Export());

    /// <summary>The adapter's config as PEFT writes it for a causal language model.</summary>
    public PromptTuningConfig PeftConfig(string baseModel)
    {
        var config = _model.Architecture;
        return new PromptTuningConfig
        {
            BaseModel = baseModel, VirtualTokens = VirtualTokens, TokenDim = config.HiddenSize, AttentionHeads = config.NumAttentionHeads,
            Layers = config.NumHiddenLayers, InitText = Options.InitText,
        };
    }

    public void Dispose() => Embeddings.Dispose();
}
