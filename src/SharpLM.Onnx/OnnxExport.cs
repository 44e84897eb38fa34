using Google.Protobuf;
using Onnx;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Core.Models;
using SharpLM.Core.Models.Folder;

namespace SharpLM.Onnx;

/// <summary>What an export wrote: the file, its size, and the graph's extent.</summary>
public sealed record OnnxExportResult(string Path, long Bytes, int Nodes, int Initializers, long WeightBytes);

/// <summary>
/// Writes a model folder's decoder as one ONNX file (opset 17, IR version 8): inputs <c>input_ids</c> and
/// <c>attention_mask</c> ([batch, sequence], int64), output <c>logits</c> ([batch, sequence, vocab], float32),
/// the weights as float32 initializers inside the file. The whole model is one protobuf message, which protobuf
/// limits to 2 GiB, so larger models are refused (ONNX's external-data layout is not written).
/// </summary>
public static class OnnxExport
{
    public const string InputIds = "input_ids";
    public const string AttentionMask = "attention_mask";
    public const string Logits = "logits";
    public const int Opset = 17;
    public const long IrVersion = 8;
    private const long MessageLimit = int.MaxValue - (16 << 20); // room for the graph beside the weights

    public static OnnxExportResult Run(string modelDirectory, string outputPath)
    {
        var folder = ModelFolder.Open(modelDirectory);
        var config = folder.RequireFamily<LlamaConfig>("ONNX export", "Llama-family models (llama, qwen3)");
        if (config.IsMixtureOfExperts)
            throw new SharpLMException($"{folder.ConfigPath}: ONNX export supports dense llama and qwen3 models; model_type 'mixtral' (mixture of experts) is not exported.");
        if (config.RopeScaling is { ValueKind: not System.Text.Json.JsonValueKind.Null })
            throw new SharpLMException($"{folder.ConfigPath}: config.json sets rope_scaling; ONNX export supports only plain RoPE, as the engine does.");
        long weightBytes = config.ParameterCount * sizeof(float);
        if (weightBytes > MessageLimit)
            throw new SharpLMException($"{folder.ConfigPath}: {config.ParameterCount:N0} parameters need {weightBytes:N0} bytes as float32, more than one ONNX protobuf holds (2 GiB); external-data export is not supported.");

        using var weights = folder.OpenWeights();
        if (weights.Table.Tensors.FirstOrDefault(t => StoredMatrixLayout.IsQuantized(weights.Info(t.Name).DType)) is { } quantized)
            throw new SharpLMException($"{weights.Path}: tensor '{quantized.Name}' is quantized for the C# engine; export ONNX from the float model folder.");

        var builder = new OnnxGraphBuilder($"sharplm_{config.ModelType}");
        LlamaOnnxGraph.Build(builder, config, weights);
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
        return new OnnxExportResult(outputPath, new FileInfo(outputPath).Length, builder.Graph.Node.Count, builder.Graph.Initializer.Count, builder.InitializerBytes);
    }
}
