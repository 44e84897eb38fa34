using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>The decoder stack ("model." in Hugging Face names): embeddings, layers, final norm.</summary>
public sealed class LlamaModel : nn.Module<Tensor, Tensor>
{
    // Runs before the first instance (and its TorchSharp base constructor): libtorch must be loaded first.
    static LlamaModel() => Native.TorchRuntime.EnsureLoaded();

    private readonly Embedding embed_tokens;
    private readonly ModuleList<LlamaDecoderLayer> layers;
    private readonly RmsNorm norm;

    public LlamaModel(LlamaConfig config, RotaryEmbedding rotary, ProjectionFactory? projections = null) : base(nameof(LlamaModel))
    {
        embed_tokens = nn.Embedding(config.VocabSize, config.HiddenSize);
        layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new LlamaDecoderLayer(config, rotary, projections, $"model.{nameof(layers)}.{i}.")).ToArray());
        norm = new RmsNorm(config.HiddenSize, config.RmsNormEps);
        RegisterComponents();
    }

    public Parameter EmbeddingWeight => embed_tokens.weight!;

    /// <summary>
    /// What the forward pass reads instead of <see cref="EmbeddingWeight"/> (for the lookup, and for the output
    /// projection when it is tied): the matrix with some rows replaced (trainable tokens). Null reads the matrix itself.
    /// </summary>
    public Func<Tensor, Tensor>? EmbeddingRows { get; set; }

    /// <summary>The embedding matrix as the forward pass reads it; a new tensor when <see cref="EmbeddingRows"/> is set.</summary>
    public Tensor EffectiveEmbeddingWeight() => EmbeddingRows is { } rows ? rows(EmbeddingWeight) : EmbeddingWeight.alias();

    /// <summary>Token ids [B, T] to their input embeddings [B, T, hidden].</summary>
    public Tensor Embed(Tensor tokens)
    {
        if (EmbeddingRows is null) return embed_tokens.forward(tokens);
        using var weight = EffectiveEmbeddingWeight();
        return Lookup(tokens, weight);
    }

    /// <summary>Token ids [B, T] to the rows [B, T, hidden] of an embedding matrix.</summary>
    internal static Tensor Lookup(Tensor tokens, Tensor weight)
    {
        using var scope = NewDisposeScope();
        return weight.index_select(0, tokens.flatten()).view([.. tokens.shape, weight.shape[1]]).MoveToOuterDisposeScope();
    }

    /// <summary>Recompute each layer's activations during the backward pass instead of keeping them.</summary>
    public bool CheckpointActivations { get; set; }

    public IEnumerable<SparseMoeBlock> MixtureOfExpertsBlocks => layers.Select(l => l.Experts).OfType<SparseMoeBlock>();

    /// <summary>Token ids [B, T] to final hidden states [B, T, hidden].</summary>
    public override Tensor forward(Tensor tokens) => Forward(tokens, null);

    /// <summary>Token ids [B, T] to final hidden states; a <paramref name="layout"/> keeps attention inside each packed sequence.</summary>
    public Tensor Forward(Tensor tokens, SequenceLayout? layout)
    {
        using var scope = NewDisposeScope();
        return ForwardEmbeddings(Embed(tokens), layout).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the layers and final norm on input embeddings [B, T, hidden].</summary>
    public Tensor ForwardEmbeddings(Tensor embeddings, SequenceLayout? layout = null)
    {
        using var scope = NewDisposeScope();
        var h = embeddings;
        bool checkpoint = CheckpointActivations && training && is_grad_enabled();
        // The checkpointing function replays a block from its input tensor alone, so a layout turns it off.
        foreach (var layer in layers) h = checkpoint && layout is null ? ActivationCheckpoint.Apply(layer, h) : layer.Forward(h, layout);
        return norm.forward(h).MoveToOuterDisposeScope();
    }
}
