using Google.Protobuf;
using Onnx;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Onnx;

/// <summary>How the model's weights are stored in the file; the arithmetic and the logits are float32 either way.</summary>
public enum OnnxWeightType { Float32, Float16 }

/// <summary>What an export wrote: the graph file, its size, and the graph's extent.</summary>
public sealed record OnnxExportResult(string Path, long Bytes, int Nodes, int Initializers, long WeightBytes, OnnxWeightType WeightType);

/// <summary>
/// Writes a model folder's decoder (dense llama or qwen3, or GPT-2) as one ONNX file (opset 17, IR version 8) with a
/// key/value cache in the layout of ONNX Runtime GenAI and transformers.js: inputs <c>input_ids</c>,
/// <c>position_ids</c>, <c>attention_mask</c> (past and new tokens) and <c>past_key_values.N.key/value</c>, outputs
/// <c>logits</c> and <c>present.N.key/value</c>; an empty past makes the same graph a prefill. The weights are
/// initializers inside the file, float32 or float16 (cast to float32 where used). The whole model is one protobuf message, which protobuf
/// limits to 2 GiB, so larger models are refused (ONNX's external-data layout is not written).
/// </summary>
public static class OnnxExport
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string PositionIds = "position_ids";
    public const string Logits = "logits";
    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";
    public const int Opset = 17;
    public const long IrVersion = 8;
    public const string SupportedFamilies = "dense Llama-family models (llama, qwen3) and GPT-2";
    /// <summary>The graph's name inside an exported folder, as genai_config.json names it.</summary>
    public const string FolderModelFile = "model.onnx";
    private const long MessageLimit = int.MaxValue - (16 << 20); // room for the graph beside the weights

    /// <summary>
    /// Writes a folder ONNX Runtime GenAI opens as it is: model.onnx, genai_config.json (<see cref="GenAiConfig"/>) and
    /// the model folder's tokenizer.json and tokenizer_config.json where it has them; the folder is replaced whole or
    /// not at all.
    /// </summary>
    public static OnnxExportResult RunFolder(string modelDirectory, string outputDirectory, OnnxWeightType weightType = OnnxWeightType.Float32)
    {
        var folder = ModelFolder.Open(modelDirectory);
        OnnxExportResult? written = null;
        ModelFolder.Write(outputDirectory, staging =>
        {
            written = Run(modelDirectory, Path.Combine(staging, FolderModelFile), weightType);
            AtomicFile.WriteAllText(Path.Combine(staging, GenAiConfig.FileName), GenAiConfig.ToJson(GenAiConfig.Build(folder.Config, FolderModelFile)));
            foreach (string companion in new[] { ModelFolder.TokenizerFile, ModelFolder.TokenizerConfigFile })
            {
                string source = Path.Combine(modelDirectory, companion);
                if (File.Exists(source)) File.Copy(source, Path.Combine(staging, companion));
            }
        });
        string path = Path.Combine(outputDirectory, FolderModelFile);
        return written! with { Path = path };
    }

    /// <summary>Writes the graph alone as one .onnx file.</summary>
    public static OnnxExportResult Run(string modelDirectory, string outputPath, OnnxWeightType weightType = OnnxWeightType.Float32)
    {
        var folder = ModelFolder.Open(modelDirectory);
        if (folder.Config is LlamaConfig llama)
        {
            if (llama.IsMixtureOfExperts)
                throw new SharpLMException($"{folder.ConfigPath}: ONNX export supports dense llama and qwen3 models and GPT-2; model_type 'mixtral' (mixture of experts) is not exported.");
            if (llama.RopeScaling is { ValueKind: not System.Text.Json.JsonValueKind.Null })
                throw new SharpLMException($"{folder.ConfigPath}: config.json sets rope_scaling; ONNX export supports only plain RoPE, as the engine does.");
        }
        else if (folder.Config is not Gpt2Config)
            throw new SharpLMException($"{folder.ConfigPath}: ONNX export supports {SupportedFamilies}; this is a {folder.Config.ModelType} model.");
        var config = folder.Config;
        long weightBytes = config.ParameterCount * (weightType == OnnxWeightType.Float16 ? 2 : sizeof(float));
        if (weightBytes > MessageLimit)
            throw new SharpLMException($"{folder.ConfigPath}: {config.ParameterCount:N0} parameters need {weightBytes:N0} bytes as {weightType.ToString().ToLowerInvariant()}, more than one ONNX protobuf holds (2 GiB); external-data export is not supported.");

        using var weights = folder.OpenWeights();
        if (weights.Table.Tensors.FirstOrDefault(t => StoredMatrixLayout.IsQuantized(weights.Info(t.Name).DType)) is { } quantized)
            throw new SharpLMException($"{weights.Path}: tensor '{quantized.Name}' is quantized for the C# engine; export ONNX from the float model folder.");

        var builder = new OnnxGraphBuilder($"sharplm_{config.ModelType}", halfWeights: weightType == OnnxWeightType.Float16);
        if (config is LlamaConfig dense) LlamaOnnxGraph.Build(builder, dense, weights);
        else Gpt2OnnxGraph.Build(builder, (Gpt2Config)config, weights);
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "sharplm",
            ProducerVersion = typeof(OnnxExport).Assembly.GetName().Version?.ToString() ?? "",
            DocString = $"{config.ModelType} decoder exported from {Path.GetFileName(Path.GetFullPath(modelDirectory).TrimEnd('/'))}",
            Graph = builder.Graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        AtomicFile.Write(outputPath, stream => model.WriteTo(stream));
        return new OnnxExportResult(outputPath, new FileInfo(outputPath).Length, builder.Graph.Node.Count, builder.Graph.Initializer.Count, builder.InitializerBytes, weightType);
    }
}
