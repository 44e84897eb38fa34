using System.CommandLine;
using SharpLM.Cli.Stages;
using SharpLM.Cli.Terminal;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm inspect FILE.gguf`: validates a GGUF file and lists its metadata and tensors.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A .gguf file." };
        var command = new Command("inspect", "Validate a GGUF file and list its metadata and tensors.") { file };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            GgufInspection.Print(parse.GetValue(file)!);
            return 0;
        }));
        return command;
    }
}
