using SharpLM.Core.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.Training.Modeling;

/// <summary>
/// A Llama-style decoder-only language model whose parameter names are those of Hugging Face's
/// LlamaForCausalLM ("model.layers.0.self_attn.q_proj.weight", ...), Qwen3ForCausalLM (plus q_norm/k_norm) or
/// MixtralForCausalLM ("block_sparse_moe.gate", "block_sparse_moe.experts.N.w1"), so its state dictionary maps
/// one to one onto model.safetensors. With tied embeddings the output projection reuses model.embed_tokens.weight and
/// there is no lm_head parameter.
/// </summary>
public sealed class LlamaForCausalLM : CausalLanguageModel
{
    private readonly LlamaModel model;
    private readonly Linear? lm_head;
    private readonly RotaryEmbedding _rotary;

    /// <summary>The Llama-family config (the base class's <c>Config</c> is the family-neutral view of it).</summary>
    public LlamaConfig Architecture { get; }

    protected override IModelConfig ModelConfig => Architecture;

    /// <summary>The decoder stack ("model."), without the output projection.</summary>
    public LlamaModel Decoder => model;

    /// <param name="projections">Builds the attention and MLP projections (QLoRA's quantized base); null for float32 Linear layers.</param>
    public LlamaForCausalLM(LlamaConfig config, ProjectionFactory? projections = null) : base(nameof(LlamaForCausalLM))
    {
        Architecture = config;
        _rotary = new RotaryEmbedding(config.HeadDim, config.MaxPositionEmbeddings, config.RopeTheta);
        model = new LlamaModel(config, _rotary, projections);
        if (!config.TieWordEmbeddings) lm_head = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false);
        RegisterComponents();
    }

    /// <summary>Token ids [B, T] to next-token logits [B, T, vocab].</summary>
    public override Tensor forward(Tensor tokens) => Forward(tokens, null);

    public override Tensor Forward(Tensor tokens, SequenceLayout? layout)
    {
        using var scope = NewDisposeScope();
        if (model.EmbeddingRows is null || lm_head is not null) return Logits(model.Forward(tokens, layout)).MoveToOuterDisposeScope();
        // Tied embeddings with rows replaced: one replaced matrix serves the lookup and the output projection, instead
        // of each building its own copy.
        var weight = model.EffectiveEmbeddingWeight();
        var hidden = model.ForwardEmbeddings(LlamaModel.Lookup(tokens, weight), layout);
        return nn.functional.linear(hidden, weight).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Input embeddings [B, T, hidden] to next-token logits: the forward pass after the embedding lookup, for inputs
    /// that are not all token rows (prompt tuning's learned virtual tokens).
    /// </summary>
    public Tensor ForwardEmbeddings(Tensor embeddings, SequenceLayout? layout)
    {
        using var scope = NewDisposeScope();
        return Logits(model.ForwardEmbeddings(embeddings, layout)).MoveToOuterDisposeScope();
    }

    private Tensor Logits(Tensor hidden)
    {
        if (lm_head is not null) return lm_head.forward(hidden);
        using var weight = model.EffectiveEmbeddingWeight();
        return nn.functional.linear(hidden, weight);
    }

    /// <summary>
    /// The summed balance loss of every mixture-of-experts layer from the last training forward pass, or null for
    /// dense models. The returned tensor belongs to the caller's dispose scope.
    /// </summary>
    public override Tensor? TakeAuxiliaryLoss()
    {
        Tensor? total = null;
        foreach (var block in model.MixtureOfExpertsBlocks)
        {
            using var loss = block.TakeAuxiliaryLoss();
            if (loss is null) continue;
            total = total is null ? loss.alias() : total + loss;
        }
        return total;
    }

    /// <summary>
    /// GPT-2-style initialisation: normal(0, initializer_range) for every matrix, with the projections that
    /// write into the residual stream (o_proj, down_proj) scaled by 1/sqrt(2 · layers) so the residual's
    /// variance does not grow with depth; norm weights stay 1.
    /// </summary>
    public override bool CheckpointActivations
    {
        get => model.CheckpointActivations;
        set
        {
            // A checkpointed layer runs its forward pass twice; the expert-balance loss would be recorded from the wrong one.
            if (value && Architecture.IsMixtureOfExperts)
                throw new Core.SharpLMException("activation checkpointing is not supported with a mixture of experts.");
            model.CheckpointActivations = value;
        }
    }

    public override double AuxiliaryLossCoefficient => Architecture.RouterAuxLossCoef ?? 0.01;

    public override bool IsEmbedding(string parameterName) => parameterName.Contains("embed_tokens", StringComparison.Ordinal);

    public override void InitializeWeights(long seed)
    {
        // A private generator: concurrent users of torch's global generator cannot change this model's initial weights.
        // (Tensor.normal_ honours the generator; TorchSharp 0.107's nn.init.normal_ ignores it.)
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        double residualStd = Architecture.InitializerRange / Math.Sqrt(2.0 * Architecture.NumHiddenLayers);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in named_parameters())
        {
            if (name.EndsWith("layernorm.weight", StringComparison.Ordinal) || name.EndsWith("_norm.weight", StringComparison.Ordinal) || name == "model.norm.weight") continue;
            bool residual = name.EndsWith("o_proj.weight", StringComparison.Ordinal) || name.EndsWith("down_proj.weight", StringComparison.Ordinal)
                            || name.EndsWith(".w2.weight", StringComparison.Ordinal);
            parameter.normal_(0.0, residual ? residualStd : Architecture.InitializerRange, generator);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _rotary.Dispose();
        base.Dispose(disposing);
    }
}
