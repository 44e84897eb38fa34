using SharpLM.Core;
using SharpLM.Core.Formats.Peft;
using SharpLM.Inference.Kernels;
using SharpLM.Inference.Llama;

namespace SharpLM.Inference.Adapters;

/// <summary>
/// Applies an unmerged PEFT LoRA adapter to the engine's weights at load time by adding scaling · B·A into the
/// engine's float copy of each adapted matrix (the files on disk are never touched). Merging once costs one
/// rank-r product per matrix at load and nothing per token; adding the adapter's two thin matmuls on every token
/// instead would slow every decode step and gain only the ability to switch adapters without reloading, which
/// the engine does not offer. Only float32 matrices can be changed: quantized bases are refused, since adding a
/// delta to rounded codes is not what the adapter was trained on.
/// </summary>
public static class LoraAdapterLoader
{
    public static void Apply(LlamaWeights weights, string adapterDirectory)
    {
        var adapter = PeftAdapter.Load(adapterDirectory, weights.Config);
        // Embedding rows and the output projection are looked up or shared, not plain Linear layers; PEFT adapts them differently.
        var matrices = weights.NamedMatrices().Where(m => m.Name.StartsWith("model.layers.", StringComparison.Ordinal))
            .ToDictionary(m => m.Name, m => m.Matrix, StringComparer.Ordinal);
        foreach (var module in adapter.Modules)
        {
            var matrix = matrices.GetValueOrDefault(module.BaseWeight)
                ?? throw new SharpLMException($"{adapterDirectory}: the adapter changes '{module.BaseWeight}'; adapters apply to the projections inside decoder layers.");
            if (matrix is not F32Matrix f32)
                throw new SharpLMException($"{adapterDirectory}: the base matrix '{module.BaseWeight}' is {matrix.Format}; adapters apply to float32 weights (use the unquantized model folder).");
            LoraMerge.Apply(f32.Values.AsSpan(0, f32.Rows * f32.Columns), f32.Rows, f32.Columns, module.A, module.B, module.Rank, adapter.Config.Scaling);
        }
        if (adapter.TokenRows is { } rows) TokenRowsLoader.Apply(weights, rows, adapterDirectory);
    }
}
