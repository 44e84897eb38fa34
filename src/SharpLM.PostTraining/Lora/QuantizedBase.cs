using SharpLM.Core;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Inference.Kernels;
using SharpLM.Training.Checkpoints;
using SharpLM.Training.Modeling;

namespace SharpLM.PostTraining.Lora;

/// <summary>
/// QLoRA's base model: every attention and MLP projection of a Llama model held in its quantized, frozen form from
/// the moment it is built (those whose input width the format cannot group stay float32, as in the engine);
/// embeddings, norms and the output layer stay float32.
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

    /// <summary>
    /// Loads a model folder with its projections quantized as they are read: each projection's float32 weight is read
    /// from the file, quantized and dropped before the next, so the float32 projections never sit in memory
    /// together (at the 110M shape they are 340 MB of the 438 MB); every other tensor loads as usual.
    /// </summary>
    public static (CausalLanguageModel Model, long Bytes) Load(ModelFolder folder, WeightFormat format)
    {
        if (folder.Config is not LlamaConfig config)
            throw new SharpLMException($"option '--quantize-base' supports Llama-family models; this is a {folder.Config.ModelType} model.");
        using var weights = folder.OpenWeights();
        var (model, bytes) = Build(config, format, (name, rows, columns) => weights.ReadFloat32(name));
        try
        {
            HfCheckpoint.LoadWeights(model, weights);
        }
        catch
        {
            model.Dispose();
            throw;
        }
        model.eval();
        return (model, bytes);
    }

    /// <summary>
    /// Builds a Llama model whose attention and MLP projections are quantized from the float32 values
    /// <paramref name="weight"/> gives for each weight's checkpoint name ("model.layers.0.self_attn.q_proj.weight",
    /// row-major [out, in]); a projection whose input width the format cannot group stays a float32 Linear, as in
    /// the engine's conversion. Returns the model (every parameter frozen) and the bytes its quantized weights take.
    /// </summary>
    public static (LlamaForCausalLM Model, long Bytes) Build(LlamaConfig config, WeightFormat format, Func<string, int, int, float[]> weight)
    {
        if (format is not (WeightFormat.Q8_0 or WeightFormat.Q4))
            throw new SharpLMException($"option '--quantize-base' is {format.Name()}; use q8_0 or q4.");
        // Every step decodes and frees a float copy of each projection's weight: keep those blocks from fragmenting
        // the C heap for the rest of the process (see NativeHeap).
        Training.Native.NativeHeap.ReturnLargeBlocksToSystem();
        long bytes = 0;
        var model = new LlamaForCausalLM(config, (name, inFeatures, outFeatures) =>
        {
            int rows = checked((int)outFeatures), columns = checked((int)inFeatures);
            if (!WeightMatrix.Supports(format, columns)) return null;
            var layer = QuantizedLinear.FromValues(weight(name + ".weight", rows, columns), rows, columns, format);
            bytes += layer.ByteCount;
            return layer;
        });
        if (bytes == 0)
        {
            model.Dispose();
            throw new SharpLMException("option '--quantize-base' found no attention or MLP projection it can quantize (widths must be multiples of 32; mixture-of-experts layers are not supported).");
        }
        foreach (var parameter in model.parameters()) parameter.requires_grad = false;
        return (model, bytes);
    }
}
