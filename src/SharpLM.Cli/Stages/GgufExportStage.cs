using System.Text.Json.Nodes;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Core.Formats.Safetensors;
using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;
using SharpLM.Tokenizers.Gguf;
using SharpLM.Tokenizers.HuggingFace;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm export --format gguf`: converts a Hugging Face model folder (config.json, model.safetensors,
/// tokenizer.json, optional tokenizer_config.json for the chat template) into one GGUF file for llama.cpp and
/// Ollama, writes it atomically, reads it back to check every tensor and key landed as planned, and prints a
/// table of what was written.
/// </summary>
public static class GgufExportStage
{
    public sealed record Summary(GgufFile File, IReadOnlyList<GgufTensorPlan> Plans, string PreTokenizer);

    public static Summary Run(string modelDirectory, string outputPath, GgufExportType type)
    {
        var folder = ModelFolder.Open(modelDirectory);
        var config = folder.RequireFamily<LlamaConfig>("GGUF export", "Llama-family models (model_type llama or qwen3)");
        var tokenizer = TokenizerJson.Load(folder.TokenizerPath);
        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDirectory)));

        using var weights = folder.OpenWeights();
        var model = LlamaGgufConverter.Convert(weights, type, name);
        var vocabulary = GgufTokenizerMetadata.Build(tokenizer, config.VocabSize, config.BosTokenId, config.EosTokenId, config.PadTokenId,
            ReadChatTemplate(folder), folder.TokenizerPath);
        var metadata = model.Metadata.Concat(vocabulary).ToList();
        var tensors = model.Tensors.Select(p => p.Tensor).ToList();

        GgufWriter.WriteFile(outputPath, metadata, tensors);
        var written = GgufReader.Read(outputPath);
        Verify(written, metadata, tensors);
        return new Summary(written, model.Tensors, GgufTokenizerMetadata.PreTokenizerName(tokenizer, folder.TokenizerPath));
    }

    /// <summary>The chat template from tokenizer_config.json, when the folder has one with a string template.</summary>
    private static string? ReadChatTemplate(ModelFolder folder)
    {
        string path = folder.TokenizerConfigPath;
        if (!File.Exists(path)) return null;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path))?["chat_template"] is JsonValue value && value.TryGetValue(out string? template) ? template : null;
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new SharpLMException($"{path}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
        }
    }

    /// <summary>The file as read back must hold exactly the planned keys and tensors; a mismatch is a defect, not a user error.</summary>
    internal static void Verify(GgufFile file, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        if (!file.Metadata.Select(e => (e.Key, e.Value.Type, e.Value.ElementType)).SequenceEqual(metadata.Select(e => (e.Key, e.Value.Type, e.Value.ElementType))))
            throw new InvalidOperationException($"{file.Path}: the metadata read back differs from the metadata written.");
        if (!file.Tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Shape))).SequenceEqual(tensors.Select(t => (t.Name, t.Type, string.Join(",", t.Shape)))))
            throw new InvalidOperationException($"{file.Path}: the tensors read back differ from the tensors written.");
    }

    public static void Print(Summary summary)
    {
        var table = new Table().AddColumns("GGUF type", "tensors", "parameters", "bytes");
        foreach (var group in summary.File.Tensors.GroupBy(t => t.Type).OrderBy(g => g.Key))
            table.AddRow(group.Key.ToString(), group.Count().ToString(), $"{group.Sum(t => t.ElementCount):N0}", $"{group.Sum(t => t.ByteLength):N0}");
        table.AddRow("total", summary.File.Tensors.Count.ToString(), $"{summary.File.Tensors.Sum(t => t.ElementCount):N0}",
            $"{summary.File.Tensors.Sum(t => t.ByteLength):N0}");
        AnsiConsole.Write(table);
        foreach (var plan in summary.Plans.Where(p => p.Note is not null))
            Display.Info($"{plan.Tensor.Name}: {plan.Note}");
        string architecture = summary.File["general.architecture"].As<string>();
        Display.Info($"{summary.File.Path}: {summary.File.FileLength:N0} bytes, architecture {architecture}, " +
            $"{summary.File.Metadata.Count} metadata keys, pre-tokenizer '{summary.PreTokenizer}'");
    }
}
