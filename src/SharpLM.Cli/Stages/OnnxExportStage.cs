using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.Onnx;

namespace SharpLM.Cli.Stages;

/// <summary>
/// `sharplm export --format onnx`: a folder ONNX Runtime GenAI opens (model.onnx, genai_config.json, tokenizer files),
/// or, when --out ends in .onnx, the graph alone; and a line saying what the graph holds.
/// </summary>
public static class OnnxExportStage
{
    public static void Run(string modelDirectory, string outputPath, string? typeName)
    {
        var weightType = typeName switch
        {
            null or "f32" => OnnxWeightType.Float32,
            "f16" => OnnxWeightType.Float16,
            _ => throw new SharpLMException($"--type '{typeName}' does not apply to --format onnx, which stores f32 (default) or f16 weights."),
        };
        bool graphOnly = outputPath.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase);
        var result = graphOnly ? OnnxExport.Run(modelDirectory, outputPath, weightType) : OnnxExport.RunFolder(modelDirectory, outputPath, weightType);
        Display.Info($"{result.Path}: {result.Bytes:N0} bytes, opset {OnnxExport.Opset}, {result.Nodes:N0} nodes, {result.Initializers:N0} initializers " +
            $"({result.WeightBytes:N0} bytes of {(weightType == OnnxWeightType.Float16 ? "float16" : "float32")} weights); inputs {OnnxExport.InputIds}, {OnnxExport.PositionIds}, {OnnxExport.AttentionMask} (int64) and " +
            $"{OnnxExport.PastKey(0).Replace(".0.", ".N.")}/value, outputs {OnnxExport.Logits} (float32) and {OnnxExport.PresentKey(0).Replace(".0.", ".N.")}/value");
        if (graphOnly) return;
        var copied = new[] { ModelFolder.TokenizerFile, ModelFolder.TokenizerConfigFile }.ToLookup(f => File.Exists(Path.Combine(outputPath, f)));
        Display.Info($"{outputPath}: {GenAiConfig.FileName} (ONNX Runtime GenAI type '{GenAiConfig.GenAiType(ModelFolder.Open(modelDirectory).Config)}')" +
            string.Concat(copied[true].Select(f => $", {f}")) +
            (copied[false].Any() ? $"; no {string.Join(" or ", copied[false])} in the model folder, so ONNX Runtime GenAI's Tokenizer cannot be used" : ""));
    }
}
