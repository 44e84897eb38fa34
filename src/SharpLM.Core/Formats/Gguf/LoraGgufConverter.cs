using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Core.Formats.Gguf;

/// <summary>
/// A PEFT LoRA adapter as a llama.cpp LoRA adapter GGUF (what llama.cpp's convert_lora_to_gguf.py writes and
/// llama-adapter.cpp loads with <c>--lora</c>):
/// <list type="bullet">
/// <item>metadata general.type "adapter", general.architecture as the base's GGUF, adapter.type "lora" and
/// adapter.lora.alpha (FLOAT32);</item>
/// <item>for each adapted matrix, named as in the base GGUF (<see cref="ModelTensor.GgufName"/>),
/// "NAME.lora_a" = PEFT's A [r, in] and "NAME.lora_b" = B [out, r], neither transposed: in ggml order A is
/// {in, r} and B {r, out}, which is what the loader checks against the base's {in, out}.</item>
/// </list>
/// llama.cpp scales the product by alpha / r with r read from lora_b, so for rsLoRA (PEFT scaling alpha / √r)
/// the file carries alpha·√r, which gives the same scaling. For the llama architecture the base's query and key
/// rows are permuted to interleaved RoPE; the same permutation on B's rows keeps B·A equal to the permuted delta.
/// </summary>
public static class LoraGgufConverter
{
    public static GgufModelConversion Convert(PeftAdapter adapter, LlamaConfig baseConfig, GgufExportType type, string adapterPath, string name)
    {
        string architecture = LlamaGgufConverter.Architecture(baseConfig, adapterPath);
        if (type == GgufExportType.Q8_0)
            throw new SharpLMException("--type q8_0 does not apply to a LoRA adapter (lora_b's rows hold r values, rarely a multiple of 32); use f32 or f16.");
        float alpha = (float)(adapter.Config.Scaling * adapter.Config.Rank);
        // llama.cpp reads alpha 0 as "no alpha" and then scales by 1, which is not PEFT's scaling of 0.
        if (alpha == 0) throw new SharpLMException($"{adapterPath}: field 'lora_alpha' is 0; llama.cpp would apply such an adapter unscaled.");
        bool permute = LlamaGgufConverter.PermutesQueryKey(architecture);
        var table = ModelTensorTable.For(baseConfig);
        var byWeight = adapter.Modules.ToDictionary(m => m.BaseWeight, StringComparer.Ordinal);
        var tensors = new List<GgufTensorPlan>();
        var tensorType = type == GgufExportType.F16 ? GgufTensorType.F16 : GgufTensorType.F32;
        foreach (var baseTensor in table.Tensors)
        {
            if (!byWeight.TryGetValue(baseTensor.Name, out var module)) continue;
            string target = baseTensor.GgufName ?? throw new InvalidOperationException($"'{baseTensor.Name}' has no GGUF name.");
            if (target is "token_embd.weight" or "output.weight")
                throw new SharpLMException($"{adapterPath}: the adapter changes '{baseTensor.Name}'; llama.cpp adapters hold only the projections inside the blocks, not embeddings or the output head.");
            int heads = !permute ? 0
                : target.EndsWith(".attn_q.weight", StringComparison.Ordinal) ? baseConfig.NumAttentionHeads
                : target.EndsWith(".attn_k.weight", StringComparison.Ordinal) ? baseConfig.NumKeyValueHeads
                : 0;
            float[] b = heads == 0 ? module.B : RopePermutation.RotateHalfToInterleaved(module.B, heads, module.Rank);
            string source = PeftTensorNames.Prefix + baseTensor.Name[..^".weight".Length];
            tensors.Add(new GgufTensorPlan(source + ".lora_A.weight",
                GgufTensor.FromFloat32(target + ".lora_a", [module.Rank, module.Columns], tensorType, () => module.A)));
            tensors.Add(new GgufTensorPlan(source + ".lora_B.weight",
                GgufTensor.FromFloat32(target + ".lora_b", [module.Rows, module.Rank], tensorType, () => b),
                heads == 0 ? null : "rows permuted to interleaved RoPE, as the base's"));
        }
        var metadata = new List<KeyValuePair<string, GgufValue>>
        {
            new("general.architecture", GgufValue.String(architecture)),
            new("general.type", GgufValue.String("adapter")),
            new("general.name", GgufValue.String(name)),
            new(GgufWriter.AlignmentKey, GgufValue.UInt32(GgufWriter.DefaultAlignment)),
            new("general.file_type", GgufValue.UInt32(type.FileType())),
            new("adapter.type", GgufValue.String("lora")),
            new("adapter.lora.alpha", GgufValue.Float32(alpha)),
        };
        return new GgufModelConversion(metadata, tensors);
    }
}
