using System.CommandLine;
using SharpLM.Cli.Terminal;
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
        var command = new Command("report", "Build an evaluation report card (tables, comparison chart, needle heat maps) from results files.") { results, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var files = parse.GetValue(results)!.Select(ResultsFile.Load).ToList();
            string markdown = ReportCard.Write(parse.GetValue(output)!, files);
            Display.Info($"report: {markdown}");
            Display.Info($"report: {Path.Combine(parse.GetValue(output)!, ReportCard.HtmlName)}");
            return 0;
        }));
        return command;
    }
}
