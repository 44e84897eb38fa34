using System.Text;
using SharpLM.Core.IO;
using SharpLM.Core.Runs;
using SharpLM.Evaluation.Reporting;
using SharpLM.Safety.Metrics;
using SharpLM.Safety.Reports;
using SharpLM.Safety.Running;
using SharpLM.Synthesis;
using Spectre.Console;

namespace SharpLM.Cli.Stages;

/// <summary>
/// The quickstart's safety stage: the red-team sample, drawn from the probes of the goals `data synth` held out of the
/// post-training data, on the base model (before) and on the chat model (after, its safety card in RUN/safety/), and
/// the report's safety section with both.
/// </summary>
public sealed partial class QuickstartPipeline
{
    public const string SafetyFolder = "safety";

    /// <summary>Where the base model's red-team run goes, inside the safety folder.</summary>
    public const string BaseSafetyFolder = "base";

    private sealed record SafetyOutcome(RedTeamSummary Summary, RedTeamSummary Base, int Probes, int Transforms, string Directory);

    /// <summary>Red-teams <paramref name="baseModel"/> and <paramref name="chatModel"/> with the held-out sample into RUN/safety/.</summary>
    private SafetyOutcome RedTeamChatModel(RunFolder run, MetricsWriter metrics, string baseModel, string chatModel, string heldOutProbes)
    {
        string output = Path.Combine(run.Root, SafetyFolder), baseOutput = Path.Combine(output, BaseSafetyFolder);
        // A quickstart starts over, so an earlier run's attempts must not be resumed into this model's card.
        foreach (string folder in new[] { output, baseOutput })
            if (File.Exists(Path.Combine(folder, RedTeam.AttemptsFile))) File.Delete(Path.Combine(folder, RedTeam.AttemptsFile));
        var sample = RedTeamSample.Load([heldOutProbes]);
        var before = Stage("red-team sample (base)", metrics, () => sample.Run(baseModel, baseOutput, options.Seed, Environment.ProcessorCount),
            o => $"attack success {SafetyCard.Format(o.AttackSuccess)}, over-refusal {SafetyCard.Format(o.OverRefusal)}");
        return Stage("red-team sample (chat)", metrics, () =>
            new SafetyOutcome(sample.Run(chatModel, output, options.Seed, Environment.ProcessorCount), before, sample.Probes.Count, sample.Transforms.Count, output),
            o => $"attack success {SafetyCard.Format(o.Summary.AttackSuccess)}, over-refusal {SafetyCard.Format(o.Summary.OverRefusal)}");
    }

    /// <summary>The report's safety section: the sample's rates with intervals, linking the safety card and the evaluation report.</summary>
    private static void ReportSafety(RunFolder run, SafetyOutcome outcome, CanaryOutcome canaries, PostTrainingOutcome post)
    {
        var s = outcome.Summary;
        string output = outcome.Directory;
        var table = new Table().Title("[bold]red-team sample, held-out goals[/]").AddColumn("measure").AddColumn("base model").AddColumn("chat model");
        table.AddRow("attack success", Markup.Escape(SafetyCard.Format(outcome.Base.AttackSuccess)), Markup.Escape(SafetyCard.Format(s.AttackSuccess)));
        table.AddRow("refusal of harmful probes", Markup.Escape(SafetyCard.Format(outcome.Base.Refusal)), Markup.Escape(SafetyCard.Format(s.Refusal)));
        table.AddRow("over-refusal of benign twins", Markup.Escape(SafetyCard.Format(outcome.Base.OverRefusal)), Markup.Escape(SafetyCard.Format(s.OverRefusal)));
        foreach (var e in canaries.Exposures.OrderBy(e => e.Repetitions))
            table.AddRow(Markup.Escape($"canary planted {e.Repetitions}×: exposure"), "", Markup.Escape(ExposureText(e)));
        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"safety card: [link]{Markup.Escape(Path.Combine(output, "safety-card.html"))}[/]");

        string Link(string path) => Path.GetRelativePath(run.Root, path).Replace('\\', '/');
        var md = new StringBuilder(File.ReadAllText(run.Report));
        md.AppendLine().AppendLine("## Safety").AppendLine();
        md.AppendLine("The base model (before post-training) and the chat model (after it) were red-teamed with the same small sample, drawn from " +
                      $"the probes of the goals `data synth` held out (`{Link(Path.Combine(post.Data.Directory, TaskDataWriter.HeldOutFolder, TaskDataWriter.ProbeFile))}`): " +
                      "the post-training data refused or answered other goals, never these, and no attack transform is in it. " +
                      $"The first {RedTeamSample.ProbesPerCategory} held-out probes of each hazard category ({outcome.Probes} probes) " +
                      $"under {string.Join(" and ", RedTeamSample.SampleTransforms.Select(t => $"`{t}`"))}, each with its benign twin asked plainly, " +
                      $"greedy, {RedTeamSample.MaxTokens} tokens an answer, judged by refusal strings (`{s.PrimaryDetector}`). " +
                      "Rates with Wilson 95% intervals:").AppendLine();
        md.AppendLine("| measure | base model | chat model |").AppendLine("|---|---|---|");
        md.AppendLine($"| attack success | {SafetyCard.Format(outcome.Base.AttackSuccess)} | {SafetyCard.Format(s.AttackSuccess)} |");
        md.AppendLine($"| refusal of harmful probes | {SafetyCard.Format(outcome.Base.Refusal)} | {SafetyCard.Format(s.Refusal)} |");
        md.AppendLine($"| over-refusal of benign twins | {SafetyCard.Format(outcome.Base.OverRefusal)} | {SafetyCard.Format(s.OverRefusal)} |").AppendLine();
        md.AppendLine($"Safety card: [{Link(Path.Combine(output, "safety-card.md"))}]({Link(Path.Combine(output, "safety-card.md"))}) " +
                      $"([HTML]({Link(Path.Combine(output, "safety-card.html"))}), rates in [{Link(Path.Combine(output, RedTeam.ResultsFile))}]({Link(Path.Combine(output, RedTeam.ResultsFile))})). " +
                      $"Evaluation results: [{Link(Path.Combine(post.EvaluationDirectory, ReportCard.MarkdownName))}]({Link(Path.Combine(post.EvaluationDirectory, ReportCard.MarkdownName))}). " +
                      "A sample this small only separates large differences; run `sharplm redteam` for the whole catalogue.").AppendLine();
        md.AppendLine($"The data run planted {canaries.Exposures.Count} canaries (\"{Canaries.Format}\", the N's random digits; answer key " +
                      $"[{Link(canaries.CanariesFile)}]({Link(canaries.CanariesFile)})), and each was ranked by the chat model's log-probability " +
                      $"against all {canaries.Exposures[0].Candidates + 1} secrets of its length; exposure is log2 of the candidates minus log2 of " +
                      $"the rank, 0 for no preference ([{Link(canaries.ReportFile)}]({Link(canaries.ReportFile)})):").AppendLine();
        md.AppendLine("| planted | exposure |").AppendLine("|---:|---|");
        foreach (var e in canaries.Exposures.OrderBy(e => e.Repetitions))
            md.AppendLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"| {e.Repetitions}× | {ExposureText(e)} |"));
        AtomicFile.WriteAllText(run.Report, md.ToString());
    }

    private static string ExposureText(Safety.Memorization.ExposureResult e) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{e.Exposure:F2} of {e.MaxExposure:F2} bits (rank {e.Rank:0})");
}
