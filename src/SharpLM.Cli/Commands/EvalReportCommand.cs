using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Evaluation.Pairwise;
using SharpLM.Evaluation.Reporting;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm eval report --results A/results_*.json --results B/... --out DIR`: a report card from results files already written.</summary>
public static class EvalReportCommand
{
    public static Command Create()
    {
        var results = new Option<string[]>("--results", "-r")
        {
            Description = "results_<time>.json files written by eval run (or lm-eval); repeat to compare models.", Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<string>("--out", "-o") { Description = "Folder for report.md, report.html and the charts.", Required = true };
        var pairwise = new Option<string?>("--pairwise") { Description = "Pairwise judgements JSONL ({\"a\",\"b\",\"preferred\"} a line) for a preference section: win rates, Bradley-Terry and Elo." };
        var pairwiseSeed = new Option<int>("--pairwise-seed") { Description = "Seed of the Bradley-Terry bootstrap.", DefaultValueFactory = _ => PairwiseRatings.DefaultSeed };
        var command = new Command("report", "Build an evaluation report card (tables, comparison chart, needle heat maps) from results files.") { results, output, pairwise, pairwiseSeed };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var files = parse.GetValue(results)!.Select(ResultsFile.Load).ToList();
            var ratings = parse.GetValue(pairwise) is { } judgements
                ? PairwiseRatings.Compute(PairwiseJudgements.Load(judgements), judgements, seed: parse.GetValue(pairwiseSeed)) : null;
            string markdown = ReportCard.Write(parse.GetValue(output)!, files, ratings);
            Display.Info($"report: {markdown}");
            Display.Info($"report: {Path.Combine(parse.GetValue(output)!, ReportCard.HtmlName)}");
            return 0;
        }));
        return command;
    }
}
