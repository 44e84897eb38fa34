using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Core;
using SharpLM.Core.Models.Folder;
using SharpLM.Evaluation.Suite;
using SharpLM.Tokenizers.HuggingFace;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm eval suite --out DIR [--model DIR] [--seed N] [--max-length N] [--documents N] [--tasks a,b]`: writes the
/// built-in task suite (lm-eval YAML + JSON Lines data + suite.json with content hashes) for `eval run --tasks DIR`.
/// </summary>
public static class EvalSuiteCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out", "-o") { Description = "Folder to write the suite into (replaced whole).", Required = true };
        var model = new Option<string>("--model", "-m") { Description = "Measure needle haystacks in this model folder's tokens (and default --max-length to its context) rather than in words." };
        var seed = new Option<int>("--seed") { Description = "Seed of every generated task.", DefaultValueFactory = _ => 1234 };
        var maxLength = new Option<int?>("--max-length") { Description = "The target context: needle haystacks of 25/50/75/100% of it (default: the model's context, else 2048 words)." }.AtLeast(1);
        var documents = new Option<int>("--documents") { Description = "Documents per generated task (sentiment, arithmetic, dialogue).", DefaultValueFactory = _ => 50 }.AtLeast(1);
        var tasks = new Option<string[]>("--tasks", "-t")
        {
            Description = $"Tasks to write, comma-separated or repeated (default: all of {string.Join(", ", BuiltInSuite.TaskNames)}).",
            AllowMultipleArgumentsPerToken = true,
        };
        var command = new Command("suite", "Write the built-in task suite (capitals, sentiment, arithmetic, SOTU bits per byte, needle in a haystack, long dialogue).")
        {
            output, model, seed, maxLength, documents, tasks,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var chosen = parse.GetValue(tasks)?.SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            Func<string, int>? countTokens = null;
            int length = parse.GetValue(maxLength) ?? 2048;
            if (parse.GetValue(model) is string directory)
            {
                var folder = ModelFolder.Open(directory);
                var tokenizer = ModelFolderTokenizer.Load(folder);
                countTokens = text => tokenizer.Encode(text).Count;
                length = parse.GetValue(maxLength) ?? folder.Config.MaxPositionEmbeddings;
            }
            var options = new SuiteOptions(parse.GetValue(seed), length, parse.GetValue(documents), countTokens);
            var generated = BuiltInSuite.Generate(options, SuiteSources.FromNpm(), chosen is { Count: > 0 } ? chosen : null);
            var written = BuiltInSuite.Write(parse.GetValue(output)!, options, generated);
            var table = new Table().AddColumns("task", "documents", "content hash");
            foreach (var task in written) table.AddRow(Markup.Escape(task.Name), task.Documents.ToString(), task.Hash[..16]);
            AnsiConsole.Write(table);
            Display.Info($"suite: {Path.GetFullPath(parse.GetValue(output)!)} ({options.MaxLength} {options.LengthUnit} context); run it with `sharplm eval run --tasks {parse.GetValue(output)}`");
            return 0;
        }));
        return command;
    }
}
