using System.Runtime.InteropServices;
using System.Text.Json;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Core.Tests;

public class ModelFolderTests
{
    private static readonly LlamaConfig Llama = LlamaConfig.Create(vocabSize: 40, hiddenSize: 64, layers: 2, heads: 4, keyValueHeads: 2, intermediateSize: 64);

    private static List<SafetensorsTensor> Tensors(IModelConfig config, float value = 0.5f) =>
        ModelTensorTable.For(config).Tensors.Select(t => SafetensorsTensor.FromFloat32(t.Name, t.Shape,
            Enumerable.Repeat(value, (int)t.Shape.Aggregate(1L, (a, b) => a * b)).ToArray())).ToList();

    [Theory]
    [InlineData(SafetensorsDType.F32)]
    [InlineData(SafetensorsDType.F16)]
    [InlineData(SafetensorsDType.BF16)]
    public void The_non_finite_scan_agrees_with_a_scalar_check_at_every_position(SafetensorsDType dtype)
    {
        var random = new Random(3);
        foreach (int length in new[] { 0, 1, 7, 31, 32, 33, 100, 1000 })
            for (int trial = 0; trial < 20; trial++)
            {
                var values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2e4 - 1e4)).ToArray();
                if (length > 0 && trial % 4 != 0) values[random.Next(length)] = trial % 3 == 0 ? float.NaN : trial % 3 == 1 ? float.PositiveInfinity : float.NegativeInfinity;
                byte[] bytes = dtype switch
                {
                    SafetensorsDType.F32 => MemoryMarshal.AsBytes(values.AsSpan()).ToArray(),
                    SafetensorsDType.F16 => MemoryMarshal.AsBytes(values.Select(v => (Half)v).ToArray().AsSpan()).ToArray(),
                    _ => MemoryMarshal.AsBytes(values.Select(v => (ushort)(BitConverter.SingleToUInt32Bits(v) >> 16)).ToArray().AsSpan()).ToArray(),
                };
                // The reference: decode each stored value and ask the runtime (F16 overflows to infinity above 65504 too).
                long expected = Array.FindIndex(values, v => dtype switch
                {
                    SafetensorsDType.F16 => !Half.IsFinite((Half)v),
                    SafetensorsDType.BF16 => !float.IsFinite(BitConverter.UInt32BitsToSingle(BitConverter.SingleToUInt32Bits(v) & 0xFFFF0000)),
                    _ => !float.IsFinite(v),
                });
                Assert.Equal(expected, NonFiniteScan.FirstIndex(bytes, dtype));
            }
    }

    [Fact]
    public void Weights_with_nan_or_infinity_are_refused_naming_the_tensor_and_element()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        var tensors = Tensors(Llama);
        int index = tensors.FindIndex(t => t.Name == "model.layers.1.self_attn.v_proj.weight");
        var values = MemoryMarshal.Cast<byte, float>(tensors[index].Data.Span).ToArray();
        values[45] = float.NegativeInfinity;
        tensors[index] = SafetensorsTensor.FromFloat32(tensors[index].Name, tensors[index].Shape, values);
        SafetensorsWriter.Write(path, tensors);
        var error = Assert.Throws<SharpLMException>(() => ModelWeights.Open(Llama, path));
        Assert.Equal($"{path}: tensor 'model.layers.1.self_attn.v_proj.weight' holds a non-finite value (NaN or infinity) at element 45; the weights are corrupt or training diverged.", error.Message);
    }

    [Fact]
    public void Quantized_matrices_need_their_scales_and_the_scales_are_checked()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        var tensors = Tensors(Llama);
        const string name = "model.layers.0.mlp.up_proj.weight";
        int index = tensors.FindIndex(t => t.Name == name);
        tensors[index] = new SafetensorsTensor(name, SafetensorsDType.I8, [64, 64], new byte[64 * 64]);
        SafetensorsWriter.Write(path, tensors);
        Assert.Equal($"{path}: quantized tensor '{name}' has no '{name}_scale' tensor of group scales.", Assert.Throws<SharpLMException>(() => ModelWeights.Open(Llama, path)).Message);

        var scales = Enumerable.Repeat((Half)0.01f, 64 * 2).ToArray();
        scales[70] = Half.NaN;
        SafetensorsWriter.Write(path, [.. tensors, new SafetensorsTensor(name + "_scale", SafetensorsDType.F16, [64, 2], MemoryMarshal.AsBytes(scales.AsSpan()).ToArray())]);
        Assert.Contains($"tensor '{name}_scale' holds a non-finite value (NaN or infinity) at element 70", Assert.Throws<SharpLMException>(() => ModelWeights.Open(Llama, path)).Message);

        scales[70] = (Half)0.01f;
        SafetensorsWriter.Write(path, [.. tensors, new SafetensorsTensor(name + "_scale", SafetensorsDType.F16, [64, 2], MemoryMarshal.AsBytes(scales.AsSpan()).ToArray())]);
        using var weights = ModelWeights.Open(Llama, path);
        Assert.Equal(SafetensorsDType.I8, weights.Info(name).DType);
    }

    [Fact]
    public void Norms_cannot_be_quantized()
    {
        using var dir = new TempDirectory();
        string path = dir.File("model.safetensors");
        var tensors = Tensors(Llama).Select(t => t.Name == "model.norm.weight" ? new SafetensorsTensor(t.Name, SafetensorsDType.I8, [64], new byte[64]) : t);
        SafetensorsWriter.Write(path, tensors);
        Assert.Contains("tensor 'model.norm.weight' has dtype I8; it must be F32, F16 or BF16", Assert.Throws<SharpLMException>(() => ModelWeights.Open(Llama, path)).Message);
    }

    [Fact]
    public void Gpt2_weights_load_with_or_without_the_transformer_prefix()
    {
        using var dir = new TempDirectory();
        var config = Gpt2Config.Create(vocabSize: 50, embedding: 32, layers: 1, heads: 2, positions: 16);
        string prefixed = dir.File("prefixed.safetensors"), bare = dir.File("bare.safetensors");
        var tensors = Tensors(config);
        SafetensorsWriter.Write(prefixed, [.. tensors, SafetensorsTensor.FromFloat32("transformer.h.0.attn.bias", [2], [1, 1])]);
        SafetensorsWriter.Write(bare, tensors.Select(t => t with { Name = t.Name["transformer.".Length..] }));
        using var a = ModelWeights.Open(config, prefixed);
        using var b = ModelWeights.Open(config, bare);
        Assert.Equal("wte.weight", b.NameInFile(Gpt2TensorNames.TokenEmbeddings));
        Assert.Equal(a.ReadFloat32(Gpt2TensorNames.Layer(0).QueryKeyValue), b.ReadFloat32(Gpt2TensorNames.Layer(0).QueryKeyValue));
    }

    [Fact]
    public void Written_configs_hold_only_keys_transformers_knows()
    {
        foreach (IModelConfig config in new IModelConfig[] { Llama, Llama.WithQkNorm(), Llama.WithExperts(4, 2), Gpt2Config.Create(50, 32, 1, 2, 16) })
        {
            using var json = JsonDocument.Parse(config.ToJson());
            var keys = json.RootElement.EnumerateObject().Select(p => p.Name).ToList();
            Assert.All(keys, key => Assert.Matches("^[a-z0-9_]+$", key));
            Assert.DoesNotContain("IsMixtureOfExperts", keys);
            Assert.DoesNotContain("ParameterCount", keys);
            Assert.DoesNotContain("UsesQkNorm", keys);
        }
    }

    [Fact]
    public void A_folder_reads_its_config_once_and_names_its_files()
    {
        using var dir = new TempDirectory();
        Llama.Save(dir.File(ModelFolder.ConfigFile));
        var folder = ModelFolder.Open(dir.Path);
        Assert.Equal(Llama.ToJson(), folder.Config.ToJson());
        Assert.Equal(Path.Combine(dir.Path, "model.safetensors"), folder.WeightsPath);
        Assert.Equal(Path.Combine(dir.Path, "tokenizer.json"), folder.TokenizerPath);
        Assert.Contains("model weights", Assert.Throws<SharpLMException>(() => folder.OpenWeights()).Message);
    }
}
