using System.CommandLine;
using SharpLM.Cli.Terminal;
using SharpLM.Flywheel.Drift;
using SharpLM.Flywheel.Promotion;

namespace SharpLM.Cli.Commands;

/// <summary>`sharplm flywheel compare|drift`: whether a retrained model should replace the served one, and how traffic has moved from the training data.</summary>
public static class FlywheelDecisionCommands
{
    public static Command Compare()
    {
        var old = new Option<string>("--old") { Description = "results_<time>.json of the model in service.", Required = true };
        var @new = new Option<string>("--new") { Description = "results_<time>.json of the candidate, on the same tasks.", Required = true };
        var oldSafety = new Option<string?>("--old-safety") { Description = "The serving model's redteam results.json." };
        var newSafety = new Option<string?>("--new-safety") { Description = "The candidate's redteam results.json." };
        var maxRegression = new Option<double>("--max-regression")
        {
            Description = "Largest drop of a sealed task's main metric (its own units), widened by the combined stderr; also the allowed rise of over-refusal.",
            DefaultValueFactory = _ => PromotionRules.DefaultMaxRegression,
        };
        var failuresTask = new Option<string?>("--failures-task") { Description = "The task built from the failure set; it must improve and is not judged as a sealed task." };
        var output = new Option<string>("--out", "-o") { Description = "Folder for scorecard.json, scorecard.md and scorecard.png.", Required = true };
        var command = new Command("compare", "Decide PROMOTE or DO NOT PROMOTE for a candidate against the model in service; exits 0 either way.")
            { old, @new, oldSafety, newSafety, maxRegression, failuresTask, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            var card = PromotionRules.Decide(ModelScores.Load(parse.GetValue(old)!), ModelScores.Load(parse.GetValue(@new)!),
                parse.GetValue(oldSafety) is { } os ? SafetyRates.Load(os) : null, parse.GetValue(newSafety) is { } ns ? SafetyRates.Load(ns) : null,
                parse.GetValue(maxRegression), parse.GetValue(failuresTask));
            ScorecardFiles.Write(parse.GetValue(output)!, card, parse.GetValue(old)!, parse.GetValue(@new)!);
            Display.Info($"decision: {card.Decision}");
            foreach (var failure in card.Failures) Display.Info($"  {failure.Reason}");
            Display.Info($"scorecard: {Path.Combine(parse.GetValue(output)!, ScorecardFiles.MarkdownName)}");
            return 0;
        }));
        return command;
    }

    public static Command Drift()
    {
        var prompts = new Option<string>("--prompts") { Description = "JSONL of prompts now (text, prompt, or messages a line).", Required = true };
        var training = new Option<string>("--training") { Description = "JSONL of the training data (text, prompt, or messages a line).", Required = true };
        var topics = new Option<int>("--topics") { Description = "Number of keyword topics learned from the training data.", DefaultValueFactory = _ => DriftReport.DefaultTopics }.AtLeast(1);
        var output = new Option<string>("--out", "-o") { Description = "Folder for drift.json, drift.md, drift.html and the charts.", Required = true };
        var command = new Command("drift", "Compare prompt lengths and topics now against the training data (KS, PSI, topic growth).") { prompts, training, topics, output };
        command.SetAction(parse => CliRunner.Run(() =>
        {
            string promptsPath = parse.GetValue(prompts)!, trainingPath = parse.GetValue(training)!;
            var report = DriftReport.Compute(DriftTexts.Load(trainingPath, "training JSONL"), DriftTexts.Load(promptsPath, "prompts JSONL"), parse.GetValue(topics));
            DriftFiles.Write(parse.GetValue(output)!, report, promptsPath, trainingPath);
            Display.Info($"length: KS D {report.KolmogorovSmirnov:0.####} (p {report.KolmogorovSmirnovPValue:0.####}), PSI {report.PopulationStability:0.####}");
            Display.Info(report.Grown.Count == 0 ? "topics: none grew by 0.05 or more" : $"topics grown: {string.Join(", ", report.Grown.Select(t => $"{t.Topic} +{t.Growth:0.###}"))}");
            Display.Info($"report: {Path.Combine(parse.GetValue(output)!, DriftFiles.MarkdownName)}");
            return 0;
        }));
        return command;
    }
}
