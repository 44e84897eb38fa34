using SharpLM.Core;
using SharpLM.Inference.Kernels;
using SharpLM.Training.Modeling;

namespace SharpLM.PostTraining.Lora;

/// <summary>
/// QLoRA's base model: every attention and MLP projection of a Llama model replaced by its quantized, frozen form
/// (those whose input width the format cannot group stay float32, as in the engine); embeddings, norms and the output
/// layer stay float32.
/// </summary>
public static class QuantizedBase
{
    /// <summary>Checks a verb's --quantize-base value: q8_0 or q4, and only under LoRA adapters.</summary>
    public static void Validate(string? name, LoraOptions? lora, string origin)
    {
        if (name is null) return;
        if (lora is null) throw new SharpLMException($"{origin}: option '--quantize-base' quantizes the frozen base under LoRA adapters; add --lora-rank.");
        if (name.ToLowerInvariant() is not ("q8_0" or "q4"))
            throw new SharpLMException($"{origin}: option '--quantize-base' is '{name}'; use q8_0 or q4.");
    }

    /// <summary>The base format a --quantize-base value names, or null for a float32 base.</summary>
    public static WeightFormat? Format(string? name) => name is null ? null : WeightFormats.Parse(name);

    /// <summary>Quantizes the projections in place and returns how many bytes their weights now take.</summary>
    public static long Apply(CausalLanguageModel model, WeightFormat format)
    {
        if (format is not (WeightFormat.Q8_0 or WeightFormat.Q4))
            throw new SharpLMException($"option '--quantize-base' is {format.Name()}; use q8_0 or q4.");
        if (model is not LlamaForCausalLM) throw new SharpLMException($"option '--quantize-base' supports Llama-family models; this is a {model.Config.ModelType} model.");
        var owners = model.named_modules().Select(m => m.module).ToList();
        long bytes = 0;
        foreach (var owner in owners)
        {
            Func<TorchSharp.Modules.Linear, TorchSharp.torch.nn.Module<TorchSharp.torch.Tensor, TorchSharp.torch.Tensor>> quantize = linear =>
            {
                // As the engine's conversion does, a width that is no multiple of the group size stays float32.
                if (!WeightMatrix.Supports(format, checked((int)linear.weight.shape[1]))) return linear;
                var layer = QuantizedLinear.Quantize(linear, format);
                bytes += layer.ByteCount;
                return layer;
            };
            if (owner is LlamaAttention attention) attention.ReplaceProjections(quantize);
            else if (owner is LlamaMlp mlp) mlp.ReplaceProjections(quantize);
        }
        if (bytes == 0) throw new SharpLMException("option '--quantize-base' found no attention or MLP projection it can quantize (widths must be multiples of 32; mixture-of-experts layers are not supported).");
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        // Every step now decodes and frees a float copy of each projection's weight: keep those blocks from
        // fragmenting the C heap for the rest of the process (see NativeHeap).
        Training.Native.NativeHeap.ReturnLargeBlocksToSystem();
        return bytes;
    }
}
