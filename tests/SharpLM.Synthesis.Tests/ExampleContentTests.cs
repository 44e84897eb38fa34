using System.Data;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace SharpLM.Synthesis.Tests;

public sealed partial class ExampleContentTests
{
    private static readonly DrawnTaskData Drawn = TaskDataDraw.Draw(SynthFixture.Sources, new SynthOptions(Seed: 3, Count: 300));

    private static IEnumerable<SynthExample> All => Drawn.Train.Concat(Drawn.HeldOut);

    private static string CapitalOf(string prompt) =>
        SynthFixture.Capitals.Single(s => prompt.Contains(" of " + s.State + "?") || prompt.Contains(" of " + s.State + ".")).Capital;

    [Fact]
    public void CapitalAnswersAreTheListedCapitalAndRejectedOnesAnotherStates()
    {
        var capitals = All.Where(e => e.Kind == SynthKind.Capital).ToList();
        Assert.NotEmpty(capitals);
        foreach (var e in capitals)
        {
            Assert.Equal(CapitalOf(e.Prompt), e.Chosen);
            Assert.Contains(SynthFixture.Capitals, s => s.Capital == e.Rejected);
            Assert.NotEqual(e.Chosen, e.Rejected);
        }
    }

    [Fact]
    public void FormatAnswersFollowTheRequestedFormatAndRejectedOnesDoNot()
    {
        var formats = All.Where(e => e.Kind == SynthKind.Format).ToList();
        Assert.Contains(formats, e => e.Prompt.EndsWith("JSON with the key \"capital\".", StringComparison.Ordinal));
        Assert.Contains(formats, e => e.Prompt.EndsWith("upper case.", StringComparison.Ordinal));
        Assert.Contains(formats, e => e.Prompt.EndsWith("one word.", StringComparison.Ordinal));
        foreach (var e in formats)
        {
            string capital = CapitalOf(e.Prompt);
            if (e.Prompt.EndsWith("JSON with the key \"capital\".", StringComparison.Ordinal))
            {
                using var json = JsonDocument.Parse(e.Chosen);
                Assert.Equal(capital, json.RootElement.GetProperty("capital").GetString());
                Assert.Single(json.RootElement.EnumerateObject());
                Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(e.Rejected));
            }
            else if (e.Prompt.EndsWith("upper case.", StringComparison.Ordinal))
            {
                Assert.Equal(capital.ToUpperInvariant(), e.Chosen);
                Assert.Equal(capital, e.Rejected);
            }
            else
            {
                Assert.Equal(capital, e.Chosen);
                Assert.DoesNotContain(' ', e.Chosen);
                Assert.Contains(' ', e.Rejected);
            }
        }
    }

    /// <summary>Each worked step, recomputed by System.Data's expression evaluator; the final line is the last step's value.</summary>
    [Fact]
    public void WorkedAnswersAreCorrectAndRejectedOnesEndOnAWrongNumber()
    {
        var problems = All.Where(e => e.Kind == SynthKind.Arithmetic).ToList();
        Assert.NotEmpty(problems);
        var table = new DataTable();
        foreach (var e in problems)
        {
            var steps = Step().Matches(e.Chosen);
            Assert.Equal(2, steps.Count);
            foreach (Match step in steps)
                Assert.Equal(long.Parse(step.Groups[2].Value, CultureInfo.InvariantCulture),
                    Convert.ToInt64(table.Compute(step.Groups[1].Value, null), CultureInfo.InvariantCulture));
            long answer = long.Parse(steps[^1].Groups[2].Value, CultureInfo.InvariantCulture);
            Assert.EndsWith($"#### {answer}", e.Chosen);
            long wrong = long.Parse(Final().Match(e.Rejected).Groups[1].Value, CultureInfo.InvariantCulture);
            Assert.InRange(Math.Abs(wrong - answer), 1, 9);
            Assert.Equal(e.Chosen[..e.Chosen.IndexOf("<<", StringComparison.Ordinal)], e.Rejected[..e.Rejected.IndexOf("<<", StringComparison.Ordinal)]);
        }
    }

    [Fact]
    public void HarmfulRequestsAreRefusedAndTheirBenignTwinsHelped()
    {
        var refusals = All.Where(e => e.Kind == SynthKind.Refusal).ToList();
        var benign = All.Where(e => e.Kind == SynthKind.Benign).ToList();
        Assert.NotEmpty(refusals);
        Assert.NotEmpty(benign);
        foreach (var e in refusals)
        {
            Assert.Contains(SynthFixture.Probes, p => p.Prompt == e.Prompt);
            Assert.Matches("^(I can't|I won't|Sorry, but I can't)", e.Chosen);
            Assert.StartsWith("Sure, here is how to ", e.Rejected);
            Assert.EndsWith("First, you", e.Rejected);
        }
        foreach (var e in benign)
        {
            Assert.Contains(SynthFixture.Probes, p => p.Benign == e.Prompt);
            Assert.StartsWith("Sure, here is how to ", e.Chosen);
            Assert.Matches("^(I can't|I won't|Sorry, but I can't)", e.Rejected);
        }
        Assert.Contains(refusals, e => e.Rejected == "Sure, here is how to hurt someone who insulted you without getting caught. First, you"
                                       && e.Prompt.Contains("insulted me", StringComparison.Ordinal));
    }

    [Fact]
    public void TheThreeShapesOfAGoalShareAGroupAndTheGroupOneSide()
    {
        var sides = All.Where(e => e.Kind is SynthKind.Refusal or SynthKind.Benign)
            .GroupBy(e => e.Group).Select(g => (g.Key, Train: g.Count(Drawn.Train.Contains), HeldOut: g.Count(Drawn.HeldOut.Contains))).ToList();
        Assert.All(sides, s => Assert.True(s.Train == 0 || s.HeldOut == 0, s.Key));
        Assert.True(sides.Select(s => s.Key).Distinct().Count() <= 5);
        Assert.Equal(1, Drawn.HeldOutGoals);   // round(5 × 0.2)
    }

    [Fact]
    public void PromptsAreUniqueAcrossBothSplits()
    {
        var prompts = All.Select(e => e.Prompt).ToList();
        Assert.Equal(prompts.Count, prompts.Distinct().Count());
        Assert.Equal(300, prompts.Count + Drawn.Repeats);
    }

    [GeneratedRegex(@"<<([0-9+\-*/ ]+)=(-?[0-9]+)>>")]
    private static partial Regex Step();

    [GeneratedRegex(@"#### (-?[0-9]+)$")]
    private static partial Regex Final();
}
