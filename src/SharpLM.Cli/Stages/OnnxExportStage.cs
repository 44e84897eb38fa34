using SharpLM.Cli.Terminal;
using SharpLM.Onnx;

namespace SharpLM.Cli.Stages;

/// <summary>`sharplm export --format onnx`: the decoder as one ONNX file, and a line saying what it holds.</summary>
public static class OnnxExportStage
{
    public static void Run(string modelDirectory, string outputPath)
    {
        var result = OnnxExport.Run(modelDirectory, outputPath);
        Display.Info($"{result.Path}: {result.Bytes:N0} bytes, opset {OnnxExport.Opset}, {result.Nodes:N0} nodes, {result.Initializers:N0} initializers " +
            $"({result.WeightBytes:N0} bytes of float32); inputs {OnnxExport.InputIds}, {OnnxExport.PositionIds}, {OnnxExport.AttentionMask} (int64) and " +
            $"{OnnxExport.PastKey(0).Replace(".0.", ".N.")}/value, outputs {OnnxExport.Logits} (float32) and {OnnxExport.PresentKey(0).Replace(".0.", ".N.")}/value");
    }
}
