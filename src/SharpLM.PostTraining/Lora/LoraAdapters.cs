using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Training.Modeling;
using SharpLM.Training.Pretraining;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpLM.PostTraining.Lora;

/// <summary>
/// Low-rank adapters (Hu et al., 2021) on a frozen model, as PEFT builds them: every targeted Linear y = W·x gains
/// scaling · B·A·dropout(x), A [r, in] kaiming-uniform(a=√5), B [out, r] zero, so training starts from the base
/// model exactly. The adapters attach as forward hooks, leaving the model's modules and parameter names untouched;
/// the trainable parameters carry PEFT's names ("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").
/// </summary>
public sealed class LoraAdapters : ITrainableWeights, IDisposable
{
    private sealed record Adapter(string Module, nn.Module<Tensor, Tensor> Target, Parameter A, Parameter B, Action RemoveHook);

    private readonly List<Adapter> _adapters = [];
    private readonly Generator _dropoutGenerator = new(0, CPU);

    public LoraOptions Options { get; }
    public double Scaling => Options.Scaling;
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters { get; }

    public LoraAdapters(CausalLanguageModel model, LoraOptions options, long seed)
    {
        if (model is not LlamaForCausalLM) throw new SharpLMException($"LoRA supports Llama-family models; this is a {model.Config.ModelType} model.");
        Options = options;
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        foreach (var (name, module) in model.named_modules())
        {
            if (!options.Targets.Contains(name[(name.LastIndexOf('.') + 1)..])) continue;
            // A Linear, or its quantized stand-in under QLoRA (the adapters themselves stay float32).
            (nn.Module<Tensor, Tensor> target, long rows, long columns, Device device) = module switch
            {
                Linear l => ((nn.Module<Tensor, Tensor>)l, l.weight!.shape[0], l.weight.shape[1], l.weight.device),
                QuantizedLinear q => (q, q.OutFeatures, q.InFeatures, q.buffers().First().device),
                _ => (null!, 0L, 0L, CPU),
            };
            if (target is null) continue;
            // kaiming_uniform_(a=√5) on [r, in] is uniform(±1/√in), PEFT's default for lora_A.
            double bound = 1 / Math.Sqrt(columns);
            var a = new Parameter((rand([options.Rank, columns], generator: generator) * (2 * bound) - bound).to(device), true);
            var b = new Parameter(zeros([rows, options.Rank], device: device), true);
            var hook = target.register_forward_hook((_, input, output) => output + Delta(target, a, b, input));
            _adapters.Add(new Adapter(name, target, a, b, hook.remove));
        }
        if (_adapters.Count == 0) throw new SharpLMException($"option '--lora-targets' ({string.Join(",", options.Targets)}) matches no Linear module of the model.");
        Parameters = _adapters.SelectMany(x => new[] { (PeftTensorNames.LoraA(x.Module), x.A), (PeftTensorNames.LoraB(x.Module), x.B) }).ToList();
    }

    private Tensor Delta(nn.Module target, Parameter a, Parameter b, Tensor x)
    {
        using var scope = NewDisposeScope();
        var input = x;
        if (target.training && Options.Dropout > 0)
        {
            // Drawn from a generator reseeded per micro-batch, so a resumed run drops the same units.
            var keep = rand(x.shape, generator: _dropoutGenerator).to(x.device).ge(Options.Dropout).to_type(x.dtype);
            input = x * keep / (1 - Options.Dropout);
        }
        return (input.matmul(a.t()).matmul(b.t()) * Scaling).MoveToOuterDisposeScope();
    }

    /// <summary>Reseeds dropout from (seed, step, micro-batch).</summary>
    public void SeedDropout(long seed, int step, int microBatch) =>
        _dropoutGenerator.manual_seed(unchecked((long)((ulong)seed * 0x9E3779B97F4A7C15UL ^ (ulong)step << 20 ^ (ulong)microBatch)));

    /// <summary>Weight decay applies to both factors, as in PEFT trained with AdamW's defaults.</summary>
    public bool Decays(string name, Parameter parameter) => true;

    public string FileName => PeftTensorNames.WeightsFile;

    public IEnumerable<SafetensorsTensor> Export() => NamedParameterFile.Export(Parameters);

    public void Load(string path) => NamedParameterFile.Load(path, Parameters, "the adapter was made for other targets or another model");

    /// <summary>The adapter_config.json of these adapters over <paramref name="baseModel"/>, as a causal language model's adapter.</summary>
    public PeftAdapterConfig PeftConfig(string baseModel) => new()
    {
        BaseModel = baseModel, Rank = Options.Rank, Alpha = Options.Alpha, TargetModules = Options.Targets,
        Dropout = Options.Dropout, UseRsLora = Options.RsLora,
    };

    /// <summary>Writes adapter_config.json and adapter_model.safetensors into an existing folder.</summary>
    /// <param name="tokenRows">Embedding rows trained beside the adapters, saved with them as PEFT's trainable_token_indices; null for none.</param>
    public void SavePeft(string directory, string baseModel, Tokens.TrainableTokenRows? tokenRows = null) =>
        PeftAdapter.Write(directory, PeftConfig(baseModel) with { TrainableTokenIndices = tokenRows?.TokenIds },
            tokenRows is null ? Export() : Export().Concat(tokenRows.Export()));

    /// <summary>Adds scaling · B·A into each adapted weight and detaches the hooks: the model alone now computes what model plus adapters did.</summary>
    public void MergeAndUnload()
    {
        if (_adapters.Any(a => a.Target is not Linear))
            throw new SharpLMException("LoRA adapters over a quantized base (QLoRA) cannot be merged into it; use the adapter with the float32 base model.");
        using var noGrad = no_grad();
        foreach (var adapter in _adapters)
        {
            using var delta = adapter.B.matmul(adapter.A) * Scaling;
            ((Linear)adapter.Target).weight!.add_(delta);
            adapter.RemoveHook();
        }
        _adapters.Clear();
    }

    public void Dispose()
    {
        foreach (var adapter in _adapters) adapter.RemoveHook();
        _dropoutGenerator.Dispose();
    }
}
