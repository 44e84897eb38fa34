using System.Runtime.InteropServices;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Cli.Tests;

/// <summary>Every verb that reads a model folder accepts and refuses the same folders, with one line naming the file and tensor.</summary>
public class ModelFolderCheckTests
{
    private static readonly LlamaConfig Config = TinyModelFolder.Config;

    private static string Folder(Func<List<SafetensorsTensor>, List<SafetensorsTensor>>? edit = null) => TinyModelFolder.Create(edit);

    private static SafetensorsTensor WithValue(SafetensorsTensor tensor, int index, float value)
    {
        var values = MemoryMarshal.Cast<byte, float>(tensor.Data.Span).ToArray();
        values[index] = value;
        return SafetensorsTensor.FromFloat32(tensor.Name, tensor.Shape, values);
    }

    /// <summary>Each verb that loads weights, run on <paramref name="model"/>.</summary>
    private static IEnumerable<(string Verb, CliProcess.Result Result)> EveryLoader(string model)
    {
        string output = CliProcess.TempDirectory();
        yield return ("generate", CliProcess.Run("generate", "--model", model, "--prompt", "the whale", "--max-tokens", "3"));
        yield return ("export safetensors", CliProcess.Run("export", "--format", "safetensors", "--model", model, "--out", Path.Combine(output, "f16"), "--type", "f16"));
        yield return ("export gguf", CliProcess.Run("export", "--format", "gguf", "--model", model, "--out", Path.Combine(output, "m.gguf")));
        yield return ("export quantize", CliProcess.Run("export", "--quantize", "q8_0", "--model", model, "--out", Path.Combine(output, "q8")));
    }

    [Fact]
    public void A_consistent_folder_loads_in_every_verb()
    {
        foreach (var (verb, result) in EveryLoader(Folder()))
            Assert.True(result.ExitCode == 0, $"{verb}: {result.Error}");
    }

    [Fact]
    public void Non_finite_weights_are_refused_by_every_verb_naming_the_tensor()
    {
        string model = Folder(tensors => tensors.Select(t => t.Name == "model.layers.1.mlp.up_proj.weight" ? WithValue(t, 77, float.NaN) : t).ToList());
        foreach (var (verb, result) in EveryLoader(model))
        {
            Assert.True(result.ExitCode == 2, $"{verb}: exit {result.ExitCode}, {result.Error}");
            Assert.Contains("tensor 'model.layers.1.mlp.up_proj.weight' holds a non-finite value (NaN or infinity) at element 77", result.Error);
            Assert.StartsWith("sharplm: error: ", result.Error);
        }
    }

    [Fact]
    public void A_config_that_contradicts_the_tensor_shapes_is_refused_by_every_verb()
    {
        string model = Folder();
        (Config with { IntermediateSize = 128 }).Save(Path.Combine(model, ModelFolder.ConfigFile));
        foreach (var (verb, result) in EveryLoader(model))
        {
            Assert.True(result.ExitCode == 2, $"{verb}: exit {result.ExitCode}, {result.Error}");
            Assert.Contains("tensor 'model.layers.0.mlp.gate_proj.weight' has shape [96, 64] but config.json implies [128, 64]", result.Error);
        }
    }

    [Fact]
    public void An_unexpected_tensor_is_refused_by_every_verb()
    {
        string model = Folder(tensors => [.. tensors, SafetensorsTensor.FromFloat32("model.layers.0.mlp.extra.weight", [4], [1, 2, 3, 4])]);
        foreach (var (verb, result) in EveryLoader(model))
        {
            Assert.True(result.ExitCode == 2, $"{verb}: exit {result.ExitCode}, {result.Error}");
            Assert.Contains("unexpected tensor 'model.layers.0.mlp.extra.weight'", result.Error);
        }
    }
}
