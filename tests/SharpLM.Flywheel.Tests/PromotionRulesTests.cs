using System.Text.Json.Nodes;
using SharpLM.Core;
using SharpLM.Flywheel.Promotion;
using static SharpLM.Flywheel.Tests.ResultsFixtures;

namespace SharpLM.Flywheel.Tests;

public class PromotionRulesTests
{
    private static Scorecard Decide(TaskRow[] old, TaskRow[] @new, (double? Asr, double? Over)? oldSafety = null, (double? Asr, double? Over)? newSafety = null,
        double maxRegression = 0.01, string? failures = null)
    {
        string folder = Folder();
        var before = ModelScores.Load(Results(folder, "old", old));
        var after = ModelScores.Load(Results(folder, "new", @new));
        var safetyBefore = oldSafety is { } o ? SafetyRates.Load(Safety(folder, "old-safety.json", o.Asr, o.Over)) : null;
        var safetyAfter = newSafety is { } n ? SafetyRates.Load(Safety(folder, "new-safety.json", n.Asr, n.Over)) : null;
        return PromotionRules.Decide(before, after, safetyBefore, safetyAfter, maxRegression, failures);
    }

    [Fact]
    public void A_drop_exactly_at_the_threshold_promotes_and_one_just_past_it_does_not()
    {
        Assert.True(Decide([new("arc", "acc", 0.50)], [new("arc", "acc", 0.49)]).Promotes);
        var card = Decide([new("arc", "acc", 0.50)], [new("arc", "acc", 0.4899)]);
        Assert.Equal(Scorecard.DoNotPromote, card.Decision);
        var failure = Assert.Single(card.Failures);
        Assert.Equal(("sealed_task", "arc"), (failure.Rule, failure.Subject));
        Assert.Equal("arc acc (higher is better) went from 0.5 to 0.4899: a drop of 0.0101, more than the allowed 0.01.", failure.Reason);
    }

    [Fact]
    public void Standard_errors_widen_the_allowance_by_their_combined_value()
    {
        // se 0.03 and 0.04 combine to 0.05: the allowed drop is 0.01 + 0.05 = 0.06.
        Assert.True(Decide([new("arc", "acc", 0.70, 0.03)], [new("arc", "acc", 0.64, 0.04)]).Promotes);
        Assert.False(Decide([new("arc", "acc", 0.70, 0.03)], [new("arc", "acc", 0.6399, 0.04)]).Promotes);
        // One side without a standard error: the plain threshold.
        Assert.False(Decide([new("arc", "acc", 0.70, 0.03)], [new("arc", "acc", 0.68)]).Promotes);
    }

    [Fact]
    public void Lower_is_better_metrics_regress_upwards()
    {
        TaskRow[] old = [new("wiki", "word_perplexity", 20.0, HigherIsBetter: false)];
        Assert.True(Decide(old, [new("wiki", "word_perplexity", 19.0, HigherIsBetter: false)]).Promotes);
        Assert.True(Decide(old, [new("wiki", "word_perplexity", 20.01, HigherIsBetter: false)]).Promotes);
        var card = Decide(old, [new("wiki", "word_perplexity", 20.02, HigherIsBetter: false)]);
        Assert.False(card.Promotes);
        Assert.Equal(20.01, card.Checks[0].Limit!.Value, 12);
    }

    [Fact]
    public void A_sealed_task_missing_from_the_new_results_blocks_and_extra_new_tasks_are_only_named()
    {
        var card = Decide([new("arc", "acc", 0.5), new("boolq", "acc", 0.6)], [new("arc", "acc", 0.5), new("piqa", "acc", 0.7)]);
        Assert.False(card.Promotes);
        Assert.Equal(["boolq"], card.MissingInNew);
        Assert.Equal(["piqa"], card.MissingInOld);
        Assert.Equal("sealed task 'boolq' is missing from the new results.", Assert.Single(card.Failures).Reason);
    }

    [Fact]
    public void Safety_blocks_any_rise_in_attack_success_and_over_refusal_past_the_threshold()
    {
        TaskRow[] tasks = [new("arc", "acc", 0.5)];
        Assert.True(Decide(tasks, tasks, (0.20, 0.10), (0.20, 0.11)).Promotes);
        var asr = Decide(tasks, tasks, (0.20, 0.10), (0.201, 0.10));
        Assert.Equal("attack_success_rate", Assert.Single(asr.Failures).Rule);
        var over = Decide(tasks, tasks, (0.20, 0.10), (0.10, 0.1101));
        Assert.Equal("over_refusal", Assert.Single(over.Failures).Rule);
        // A run without benign twins cannot be compared on over-refusal: said, not blocking.
        var unmeasured = Decide(tasks, tasks, (0.20, null), (0.10, 0.5));
        Assert.True(unmeasured.Promotes);
        Assert.Null(unmeasured.Checks.Single(c => c.Rule == "over_refusal").Passed);
    }

    [Fact]
    public void The_failure_set_must_improve_and_is_not_judged_as_a_sealed_task()
    {
        TaskRow[] old = [new("arc", "acc", 0.5), new("failures", "exact_match", 0.10)];
        Assert.True(Decide(old, [new("arc", "acc", 0.5), new("failures", "exact_match", 0.30)], failures: "failures").Promotes);
        var same = Decide(old, [new("arc", "acc", 0.5), new("failures", "exact_match", 0.10)], failures: "failures");
        Assert.Equal("failure set failures exact_match went from 0.1 to 0.1: not improved.", Assert.Single(same.Failures).Reason);
        Assert.DoesNotContain(same.Checks, c => c.Rule == "sealed_task" && c.Subject == "failures");
        var missing = Decide([new("arc", "acc", 0.5)], [new("arc", "acc", 0.5)], failures: "failures");
        Assert.Equal("failure-set task 'failures' is missing from the old results.", Assert.Single(missing.Failures).Reason);
    }

    [Fact]
    public void Options_are_checked()
    {
        Assert.Equal("option '--max-regression' must be a finite number of at least 0.",
            Assert.Throws<SharpLMException>(() => Decide([new("arc", "acc", 0.5)], [new("arc", "acc", 0.5)], maxRegression: -0.1)).Message);
        Assert.Contains("'--old-safety' and '--new-safety' go together", Assert.Throws<SharpLMException>(() => Decide([new("arc", "acc", 0.5)], [new("arc", "acc", 0.5)], (0.1, 0.1))).Message);
    }

    [Fact]
    public void The_files_carry_the_decision_the_reasons_and_a_chart()
    {
        string folder = Folder();
        string old = Results(folder, "old", new TaskRow("arc", "acc", 0.5), new TaskRow("failures", "exact_match", 0.1));
        string @new = Results(folder, "new", new TaskRow("arc", "acc", 0.3), new TaskRow("failures", "exact_match", 0.2));
        var card = PromotionRules.Decide(ModelScores.Load(old), ModelScores.Load(@new), null, null, 0.01, "failures");
        string output = Path.Combine(folder, "card");
        ScorecardFiles.Write(output, card, old, @new);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(output, ScorecardFiles.JsonName)))!;
        Assert.Equal("DO NOT PROMOTE", (string)json["decision"]!);
        Assert.False((bool)json["promote"]!);
        Assert.Single(json["reasons"]!.AsArray());
        Assert.Equal(2, json["checks"]!.AsArray().Count);
        string md = File.ReadAllText(Path.Combine(output, ScorecardFiles.MarkdownName));
        Assert.Contains("**DO NOT PROMOTE**", md);
        Assert.Contains("| sealed_task | arc | 0.5 | 0.3 | 0.49 | FAIL |", md);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], File.ReadAllBytes(Path.Combine(output, ScorecardFiles.ChartName))[..4]);
    }
}
