using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Formats.Gguf;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm export`: writes a trained model in a format other tools load.</summary>
public static class ExportCommand
{
    public static Command Create()
    {
        var format = new Option<string>("--format") { Description = "Output format: gguf (one file for llama.cpp and Ollama) or safetensors (a Hugging Face model folder).", Required = true };
        format.AcceptOnlyFromAmong("gguf", "safetensors");
        var model = new Option<string>("--model", "-m") { Description = "Model folder (config.json, model.safetensors, tokenizer.json).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Output: a .gguf file, or a folder for safetensors.", Required = true };
        var type = new Option<string>("--type")
        {
            Description = "Weight type. gguf: f32, f16 or q8_0 for matrices (norms stay f32); safetensors: f32, f16 or bf16 for every float tensor.",
            DefaultValueFactory = _ => "f16",
        };
        var command = new Command("export", "Export a model folder for other runtimes: GGUF for llama.cpp and Ollama, or a safetensors folder in another precision.") { format, model, output, type };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string outPath = parse.GetValue(output)!;
            if (parse.GetValue(format) == "safetensors")
            {
                SafetensorsExportStage.Run(parse.GetValue(model)!, outPath, parse.GetValue(type)!);
                return 0;
            }
            if (!outPath.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
                throw new SharpLMException($"--out '{outPath}' must end in .gguf (llama.cpp and Ollama look for that extension).");
            var summary = GgufExportStage.Run(parse.GetValue(model)!, outPath, GgufExportTypes.Parse(parse.GetValue(type)!));
            GgufExportStage.Print(summary);
            return 0;
        }));
        return command;
    }
}
