using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Safety.Catalogue;
using SharpLM.Safety.Guardrails;
using SharpLM.Safety.Reports;
using Spectre.Console;

namespace SharpLM.Cli.Commands;

/// <summary>
/// `sharplm redteam guardrails --out DIR`: the input guardrail policy (keyword rules, prompt-injection heuristics) against
/// the red-team attacks and their benign twins; no model needed. Writes guardrails.json.
/// </summary>
public static class GuardrailsCommand
{
    public static Command Create()
    {
        var rules = new Option<string>("--rules") { Description = "Category keyword rules JSONL (default: the shipped safety/guardrail-rules.jsonl)." };
        var output = new Option<string>("--out", "-o") { Description = "Output folder.", Required = true };
        var probes = new Option<string[]>("--probes") { Description = "Extra probe catalogue JSONL files.", AllowMultipleArgumentsPerToken = true };
        var transformFiles = new Option<string[]>("--transform-file") { Description = "Extra attack transform JSONL files.", AllowMultipleArgumentsPerToken = true };
        var noBuiltin = new Option<bool>("--no-builtin") { Description = "Leave out the shipped probes (and the shipped transforms when --transform-file files are given)." };
        var only = new Option<string[]>("--transforms") { Description = "Only these transforms (names).", AllowMultipleArgumentsPerToken = true };
        var categories = new Option<string[]>("--categories") { Description = "Only these hazard categories (S1..S14).", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<long>("--seed") { Description = "Seed of the transforms' draws (as in redteam).", DefaultValueFactory = _ => 0 };
        var command = new Command("guardrails", "Block rate of the input guardrails on the red-team attacks, and false-block rate on the benign twins.")
        {
            rules, output, probes, transformFiles, noBuiltin, only, categories, seed,
        };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var policy = new GuardrailPolicy(KeywordRules.Load(parse.GetValue(rules) ?? KeywordRules.BuiltinPath));
            var (selected, transforms) = RedTeamCommands.LoadSelection(!parse.GetValue(noBuiltin), parse.GetValue(probes), parse.GetValue(transformFiles),
                parse.GetValue(categories), parse.GetValue(only), null);
            var (all, byCategory, byTransform) = GuardrailEvaluation.Run(policy, selected, transforms, parse.GetValue(seed));
            string folder = parse.GetValue(output)!;
            Directory.CreateDirectory(folder);
            GuardrailEvaluation.Write(Path.Combine(folder, GuardrailEvaluation.ResultsFile), all, byCategory, byTransform);
            var table = new Table().AddColumns("group", "blocked (harmful)", "false blocks (benign)");
            foreach (var row in byCategory.Append(all))
                table.AddRow(Markup.Escape(row.Group == "all" ? "all" : $"{row.Group} {HazardCategory.Name(row.Group)}"), Markup.Escape(SafetyCard.Format(row.Blocked)),
                    Markup.Escape(row.FalseBlocked is { } f ? SafetyCard.Format(f) : "–"));
            foreach (var row in byTransform) table.AddRow(Markup.Escape(row.Group), Markup.Escape(SafetyCard.Format(row.Blocked)), "–");
            AnsiConsole.Write(table);
            Display.Info($"results: {Path.Combine(folder, GuardrailEvaluation.ResultsFile)}");
            return 0;
        }));
        return command;
    }
}
