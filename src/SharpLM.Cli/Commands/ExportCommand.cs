using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;
using SharpLM.Inference.Kernels;

namespace SharpLM.Cli.Commands;

public static class ExportCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model", "-m") { Description = "Model folder (Hugging Face layout).", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Folder to write.", Required = true };
        var quantize = new Option<string>("--quantize") { Description = "Weight format for the C# engine: bf16, q8_0 or q4.", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Token shard: print the engine's perplexity before and after quantizing." };
        var maxTokens = new Option<long>("--max-tokens") { Description = "Score at most this many validation tokens.", DefaultValueFactory = _ => 100_000 };
        var context = new Option<int?>("--context") { Description = "Validation window length; defaults to the model's max_position_embeddings." };
        var export = new Command("export", "Write a model folder in another weight format.") { model, output, quantize, validation, maxTokens, context };
        export.SetAction(parse => CliRunner.Run(() =>
        {
            QuantizeStage.Run(parse.GetValue(model)!, parse.GetValue(output)!, WeightFormats.Parse(parse.GetValue(quantize)!),
                parse.GetValue(validation), parse.GetValue(maxTokens), parse.GetValue(context), Environment.ProcessorCount);
            return 0;
        }));
        return export;
    }
}
