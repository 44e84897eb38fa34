using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// GPT-2 (Radford et al., 2019) with transformers' GPT2LMHeadModel parameter names ("transformer.h.0.attn.c_attn.weight"):
/// learned position embeddings, pre-norm LayerNorm blocks, GELU (tanh approximation) feed-forward, biases on
/// every projection and an output projection tied to the token embeddings. The modules use Linear layers
/// (weight [out, in]); Hugging Face stores GPT-2's projections as Conv1D (weight [in, out]), so checkpoints
/// transpose those four weights on the way in and out (<see cref="Core.Models.Folder.ModelTensor.StoredTransposed"/>).
/// </summary>
public sealed class Gpt2LMHeadModel : CausalLanguageModel
{
    private readonly Gpt2Model transformer;

    /// <summary>The GPT-2 config (the base class's <c>Config</c> is the family-neutral view of it).</summary>
    public Gpt2Config Architecture { get; }

    protected override IModelConfig ModelConfig => Architecture;

    public Gpt2LMHeadModel(Gpt2Config config) : base(nameof(Gpt2LMHeadModel))
    {
        config.Validate("config");
        Architecture = config;
        transformer = new Gpt2Model(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor tokens)
    {
        using var scope = NewDisposeScope();
        var hidden = transformer.forward(tokens);
        return nn.functional.linear(hidden, transformer.TokenEmbedding).MoveToOuterDisposeScope();
    }

    public override bool CheckpointActivations { get => transformer.CheckpointActivations; set => transformer.CheckpointActivations = value; }

    public override bool IsEmbedding(string parameterName) =>
        parameterName.EndsWith("wte.weight", StringComparison.Ordinal) || parameterName.EndsWith("wpe.weight", StringComparison.Ordinal);

    /// <summary>GPT-2's initialisation: normal(0, 0.02), residual projections scaled by 1/sqrt(2 · layers), biases 0, LayerNorm gains 1.</summary>
    public override void InitializeWeights(long seed)
    {
        // A private generator: concurrent users of torch's global generator cannot change this model's initial weights.
        // (Tensor.normal_ honours the generator; TorchSharp 0.107's nn.init.normal_ ignores it.)
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        double residualStd = Architecture.InitializerRange / Math.Sqrt(2.0 * Architecture.Layers);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.Contains(".ln_", StringComparison.Ordinal) || name.Contains("ln_f", StringComparison.Ordinal)) continue;
            if (name.EndsWith(".bias", StringComparison.Ordinal)) { parameter.zero_(); continue; }
            parameter.normal_(0.0, name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? residualStd : Architecture.InitializerRange, generator);
        }
    }
}

/// <summary>The GPT-2 stack ("transformer."): token and position embeddings, blocks, final LayerNorm.</summary>
public sealed class Gpt2Model : nn.Module<Tensor, Tensor>
{
    static Gpt2Model() => Native.TorchRuntime.EnsureLoaded();

    private readonly Embedding wte, wpe;
    private readonly ModuleList<Gpt2Block> h;
    private readonly LayerNorm ln_f;
    private readonly int _positions;

    public Gpt2Model(Gpt2Config config) : base(nameof(Gpt2Model))
    {
        wte = nn.Embedding(config.VocabSize, config.Embedding);
        wpe = nn.Embedding(config.Positions, config.Embedding);
        h = nn.ModuleList(Enumerable.Range(0, config.Layers).Select(_ => new Gpt2Block(config)).ToArray());
        ln_f = nn.LayerNorm(config.Embedding, config.LayerNormEpsilon);
        _positions = config.Positions;
        RegisterComponents();
    }

    public Parameter TokenEmbedding => wte.weight!;

    /// <summary>Recompute each block's activations during the backward pass instead of keeping them.</summary>
    public bool CheckpointActivations { get; set; }

    public override Tensor forward(Tensor tokens)
    {
        long length = tokens.shape[1];
        if (length > _positions)
            throw new ArgumentOutOfRangeException(nameof(tokens), $"{length} tokens exceed n_positions {_positions}.");
        using var scope = NewDisposeScope();
        var x = wte.forward(tokens) + wpe.forward(arange(length, device: tokens.device));
        bool checkpoint = CheckpointActivations && training && is_grad_enabled();
        foreach (var block in h) x = checkpoint ? ActivationCheckpoint.Apply(block, x) : block.forward(x);
        return ln_f.forward(x).MoveToOuterDisposeScope();
    }
}

/// <summary>A GPT-2 block: x + attn(ln_1(x)), then + mlp(ln_2(·)).</summary>
public sealed class Gpt2Block : nn.Module<Tensor, Tensor>
{
    static Gpt2Block() => Native.TorchRuntime.EnsureLoaded();

    // Declaration order is registration order, which is the order of transformers' state dict.
    private readonly LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;

    public Gpt2Block(Gpt2Config config) : base(nameof(Gpt2Block))
    {
        ln_1 = nn.LayerNorm(config.Embedding, config.LayerNormEpsilon);
        attn = new Gpt2Attention(config);
        ln_2 = nn.LayerNorm(config.Embedding, config.LayerNormEpsilon);
        mlp = new Gpt2Mlp(config);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var h = x + attn.forward(ln_1.forward(x));
        return (h + mlp.forward(ln_2.forward(h))).MoveToOuterDisposeScope();
    }
}

/// <summary>GPT-2's causal self-attention: one fused query/key/value projection (c_attn) and an output projection (c_proj).</summary>
public sealed class Gpt2Attention : nn.Module<Tensor, Tensor>
{
    static Gpt2Attention() => Native.TorchRuntime.EnsureLoaded();

    private readonly Linear c_attn, c_proj;
    private readonly int _heads;

    public Gpt2Attention(Gpt2Config config) : base(nameof(Gpt2Attention))
    {
        c_attn = nn.Linear(config.Embedding, 3 * config.Embedding);
        c_proj = nn.Linear(config.Embedding, config.Embedding);
        _heads = config.Heads;
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        long batch = x.shape[0], length = x.shape[1], width = x.shape[2], headDim = width / _heads;
        var qkv = c_attn.forward(x).view(batch, length, 3, _heads, headDim).permute(2, 0, 3, 1, 4); // [3, B, heads, T, head_dim]
        var attended = nn.functional.scaled_dot_product_attention(qkv[0], qkv[1], qkv[2], null, 0.0, true);
        return c_proj.forward(attended.transpose(1, 2).contiguous().view(batch, length, width)).MoveToOuterDisposeScope();
    }
}

/// <summary>GPT-2's feed-forward: c_proj(gelu_tanh(c_fc(x))).</summary>
public sealed class Gpt2Mlp : nn.Module<Tensor, Tensor>
{
    static Gpt2Mlp() => Native.TorchRuntime.EnsureLoaded();

    private readonly Linear c_fc, c_proj;
    private readonly bool _exactGelu;

    public Gpt2Mlp(Gpt2Config config) : base(nameof(Gpt2Mlp))
    {
        c_fc = nn.Linear(config.Embedding, config.InnerSize);
        c_proj = nn.Linear(config.InnerSize, config.Embedding);
        _exactGelu = config.Activation == "gelu";
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        using var scope = NewDisposeScope();
        var hidden = c_fc.forward(x);
        var activated = _exactGelu ? nn.functional.gelu(hidden) : nn.functional.gelu(hidden, GELU.Approximate.tanh, false);
        return c_proj.forward(activated).MoveToOuterDisposeScope();
    }
}
