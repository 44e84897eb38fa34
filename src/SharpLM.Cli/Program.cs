using System.CommandLine;
using System.CommandLine.Invocation;
using SharpLM.Cli.Commands;
using SharpLM.Cli.Terminal;
using Spectre.Console;

// Logs and pipes have no width: let tables and lines take what they need instead of wrapping at 80 columns.
if (Console.IsOutputRedirected) AnsiConsole.Profile.Width = 160;

var root = new RootCommand("sharplm: the life cycle of a language model in .NET — data, tokenizer, pretraining, evaluation, generation.");
root.Subcommands.Add(QuickstartCommand.Create());
root.Subcommands.Add(DataCommands.Create());
root.Subcommands.Add(TokenizerCommands.Create());
root.Subcommands.Add(PretrainCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(ChatCommand.Create());
root.Subcommands.Add(ServeCommand.Create());
root.Subcommands.Add(EvalCommands.Create());
root.Subcommands.Add(BenchCommands.Create());
root.Subcommands.Add(ExportCommand.Create());
root.Subcommands.Add(InspectCommand.Create());
root.Subcommands.Add(RagCommands.Create());
root.Subcommands.Add(SftCommand.Create());
root.Subcommands.Add(DpoCommand.Create());
root.Subcommands.Add(RewardCommand.Create());
root.Subcommands.Add(RlCommand.Create());
root.Subcommands.Add(DistillCommand.Create());
root.Subcommands.Add(RedTeamCommands.Create());
root.Subcommands.Add(CaptureCommands.Create());
root.Subcommands.Add(FlywheelCommands.Create());

// "@name" is text like any other: prompts and texts may start with '@', so response files are off.
var parsed = root.Parse(TextArguments.Join(root, args), new ParserConfiguration { ResponseFileTokenReplacer = null });
return parsed.Action is ParseErrorAction ? CliRunner.ParseError(parsed) : parsed.Invoke();
