using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.IO;
using SharpLM.Core.Models.Folder;
using SharpLM.Core.Quantization;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm export --format safetensors`: a copy of a Hugging Face model folder with its floating-point tensors
/// stored as float32, float16 or bfloat16, as transformers' save_pretrained(torch_dtype=...) would write them
/// (norm weights included) and with config.json's torch_dtype saying so. Every other file is copied unchanged;
/// the new folder is published atomically.
/// </summary>
public static class SafetensorsExportStage
{
    public static IReadOnlyList<string> TypeNames { get; } = ["f32", "f16", "bf16"];

    public static void Run(string modelDirectory, string outputDirectory, string typeName)
    {
        var (dtype, torchName) = typeName.ToLowerInvariant() switch
        {
            "f32" => (SafetensorsDType.F32, "float32"),
            "f16" => (SafetensorsDType.F16, "float16"),
            "bf16" => (SafetensorsDType.BF16, "bfloat16"),
            _ => throw new SharpLMException($"--type '{typeName}' is not one of {string.Join(", ", TypeNames)} for --format safetensors."),
        };
        var folder = ModelFolder.Open(modelDirectory);
        if (Path.GetFullPath(modelDirectory).TrimEnd('/') == Path.GetFullPath(outputDirectory).TrimEnd('/'))
            throw new SharpLMException($"--out '{outputDirectory}' is the model folder itself; choose a new folder.");

        var tensors = new List<SafetensorsTensor>();
        using (var weights = folder.OpenWeights()) // the same checks as every verb that loads the model
        {
            var reader = weights.Reader;
            foreach (var info in reader.Tensors.OrderBy(t => t.Name, StringComparer.Ordinal))
            {
                bool floating = StoredMatrixLayout.IsFloat(info.DType);
                tensors.Add(floating
                    ? new SafetensorsTensor(info.Name, dtype, info.Shape, Encode(reader.ReadFloat32(info.Name), dtype))
                    : new SafetensorsTensor(info.Name, info.DType, info.Shape, reader.GetBytes(info.Name).ToArray()));
            }
        }

        ModelFolder.Write(outputDirectory, staging =>
        {
            ModelFolder.CopyCompanionFiles(modelDirectory, staging);
            var config = JsonNode.Parse(File.ReadAllText(folder.ConfigPath))!.AsObject();
            config["torch_dtype"] = torchName;
            AtomicFile.WriteAllText(Path.Combine(staging, ModelFolder.ConfigFile), config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
            SafetensorsWriter.Write(Path.Combine(staging, ModelFolder.WeightsFile), tensors);
        });

        var table = new Table().AddColumns("dtype", "tensors", "parameters", "bytes");
        foreach (var group in tensors.GroupBy(t => t.DType).OrderBy(g => g.Key))
            table.AddRow(group.Key.ToHeaderName(), group.Count().ToString(), $"{group.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b)):N0}", $"{group.Sum(t => (long)t.Data.Length):N0}");
        AnsiConsole.Write(table);
        Display.Info($"{outputDirectory}: model.safetensors {new FileInfo(Path.Combine(outputDirectory, ModelFolder.WeightsFile)).Length:N0} bytes, torch_dtype {torchName}");
    }

    private static byte[] Encode(float[] values, SafetensorsDType dtype)
    {
        switch (dtype)
        {
            case SafetensorsDType.F16:
                var halves = new Half[values.Length];
                for (int i = 0; i < values.Length; i++) halves[i] = (Half)values[i];
                return MemoryMarshal.AsBytes(halves.AsSpan()).ToArray();
            case SafetensorsDType.BF16:
                var brain = new ushort[values.Length];
                BFloat16.FromSingle(values, brain);
                return MemoryMarshal.AsBytes(brain.AsSpan()).ToArray();
            default:
                return MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
        }
    }
}
