using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;
using SharpLM.Inference.Kernels;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm export`: writes a trained model in a format other tools load (GGUF for llama.cpp and Ollama, a
/// safetensors folder in another precision) or quantized for the C# engine (bf16, q8_0, q4 matrices).
/// </summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "Output format: gguf (one file for llama.cpp and Ollama), safetensors (a Hugging Face model folder) or onnx (the decoder as an ONNX graph in a folder ONNX Runtime GenAI opens).", DefaultValueFactory = _ => "safetensors" };
        format.AcceptOnlyFromAmong("gguf", "safetensors", "onnx");
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output: a .gguf file; a folder for safetensors; for onnx a folder (model.onnx, genai_config.json, tokenizer files) or a .onnx path for the graph alone.", Required = true };
        var type = new Option<string?>("--type")
        {
            Description = "Weight type. gguf: f32, f16 (default) or q8_0 for matrices (norms stay f32); safetensors: f32, f16 (default) or bf16 for every float tensor; onnx: f32 (default) or f16 weights, cast to f32 where used.",
        };
        var quantize = new Option<string?>("--quantize") { Description = "Safetensors for the C# engine with quantized matrices: bf16, q8_0 or q4 (docs/formats.md)." };
        var validation = new Option<string?>("--validation") { Description = "With --quantize: token shard on which to print the engine's perplexity before and after." };
        var maxTokens = new Option<long>("--max-tokens") { Description = "With --validation: score at most this many tokens.", DefaultValueFactory = _ => 100_000 }.AtLeast(1);
        var context = new Option<int?>("--context") { Description = "With --validation: window length (default: the model's max_position_embeddings)." }.AtLeast(1);
        var mergeLora = new Option<string?>("--merge-lora") { Description = "A PEFT LoRA adapter folder to merge into the model: writes a float32 model folder with W + scaling·B·A." };
        var lora = new Option<string?>("--lora") { Description = "With --format gguf: a PEFT LoRA adapter folder (--model is its base) written as a llama.cpp adapter GGUF, f32 unless --type f16." };
        var command = new Command("export", "Export a model folder: GGUF for llama.cpp and Ollama, a safetensors folder in another precision, an ONNX graph, or quantized for the C# engine.")
            { format, model, output, type, quantize, validation, maxTokens, context, mergeLora, lora };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string outPath = parse.GetValue(output)!, modelPath = parse.GetValue(model)!;
            string? typeName = parse.GetValue(type), quantizeName = parse.GetValue(quantize);
            if (parse.GetValue(lora) is string loraAdapter)
            {
                if (parse.GetValue(format) != "gguf" || parse.GetValue(mergeLora) is not null || quantizeName is not null || parse.GetValue(validation) is not null)
                    throw new SharpLMException("--lora writes a llama.cpp adapter GGUF: use it with --format gguf and without --merge-lora, --quantize or --validation.");
                if (!outPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                    throw new SharpLMException($"--out '{outPath}' must end in .gguf (llama.cpp and Ollama look for that extension).");
                LoraGgufExportStage.Print(LoraGgufExportStage.Run(modelPath, loraAdapter, outPath, GgufExportTypes.Parse(typeName ?? "f32")));
                return 0;
            }
            if (parse.GetValue(mergeLora) is string adapter)
            {
                if (quantizeName is not null || typeName is not null || parse.GetValue(format) != "safetensors")
                    throw new SharpLMException("--merge-lora writes a float32 safetensors folder; export that folder again for --format gguf, --type or --quantize.");
                int merged = Core.Formats.Peft.LoraMergedFolder.Write(modelPath, adapter, outPath);
                Console.WriteLine($"merged the adapter into {merged} matrices; model folder written to {outPath}");
                return 0;
            }
            if (quantizeName is not null)
            {
                if (parse.GetValue(format) != "safetensors" || typeName is not null)
                    throw new SharpLMException("--quantize writes an engine safetensors folder; it cannot be combined with --format gguf or --type (GGUF has its own --type q8_0).");
                QuantizeStage.Run(modelPath, outPath, WeightFormats.Parse(quantizeName), parse.GetValue(validation), parse.GetValue(maxTokens),
                    parse.GetValue(context), Environment.ProcessorCount);
                return 0;
            }
            if (parse.GetValue(validation) is not null) throw new SharpLMException("--validation measures a quantization; add --quantize.");
            if (parse.GetValue(format) == "onnx")
            {
                OnnxExportStage.Run(modelPath, outPath, typeName);
                return 0;
            }
            if (parse.GetValue(format) == "safetensors")
            {
                SafetensorsExportStage.Run(modelPath, outPath, typeName ?? "f16");
                return 0;
            }
            if (!outPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                throw new SharpLMException($"--out '{outPath}' must end in .gguf (llama.cpp and Ollama look for that extension).");
            GgufExportStage.Print(GgufExportStage.Run(modelPath, outPath, GgufExportTypes.Parse(typeName ?? "f16")));
            return 0;
        }));
        return command;
    }
}
