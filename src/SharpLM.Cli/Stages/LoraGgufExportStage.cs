using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Core.Formats.Peft;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm export --format gguf --lora ADAPTER`: a PEFT adapter folder as a llama.cpp LoRA adapter GGUF
/// (<see cref="LoraGgufConverter"/>), checked against the base model folder, written atomically, read back and
/// listed.
/// </summary>
public static class LoraGgufExportStage
{
    public static GgufFile Run(string baseDirectory, string adapterDirectory, string outputPath, GgufExportType type)
    {
        var folder = ModelFolder.Open(baseDirectory, "base model");
        var config = folder.RequireFamily<LlamaConfig>("GGUF adapter export", "Llama-family models (model_type llama or qwen3)");
        var adapter = PeftAdapter.Load(adapterDirectory, config);
        if (adapter.TokenRows is not null)
            throw new SharpLMException($"{adapterDirectory}: the adapter also trains {adapter.TokenRows.TokenIds.Count} embedding rows (trainable_token_indices), which a llama.cpp LoRA GGUF cannot carry; merge it (export --merge-lora) and export the merged model instead.");
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(adapterDirectory)));
        var conversion = LoraGgufConverter.Convert(adapter, config, type, adapterDirectory, name);
        var tensors = conversion.Tensors.Select(p => p.Tensor).ToList();
        GgufWriter.WriteFile(outputPath, conversion.Metadata, tensors);
        var written = GgufReader.Read(outputPath);
        GgufExportStage.Verify(written, conversion.Metadata, tensors);
        return written;
    }

    public static void Print(GgufFile file)
    {
        var table = new Table().AddColumns("tensor", "GGUF type", "dims (ggml order)");
        foreach (var tensor in file.Tensors)
            table.AddRow(tensor.Name, tensor.Type.ToString(), "{" + string.Join(", ", tensor.Dimensions) + "}");
        AnsiConsole.Write(table);
        Display.Info($"{file.Path}: {file.FileLength:N0} bytes, LoRA adapter for architecture {file["general.architecture"].As<string>()}, " +
            $"alpha {file["adapter.lora.alpha"].As<float>()}; load it with llama.cpp's --lora next to the base model's GGUF");
    }
}
