namespace SharpLM.Synthesis.Tests;

public sealed class DecontaminationTests
{
    [Fact]
    public void APlantedCopyOfAHeldOutProblemIsDroppedAndCounted()
    {
        var drawn = TaskDataDraw.Draw(SynthFixture.Sources, new SynthOptions(Seed: 11, Count: 300));
        var items = drawn.HeldOut.Select((e, i) => ($"held-out:{i}", e.Prompt)).ToList();
        var baseline = Decontamination.Apply(drawn.Train, items);

        var problem = drawn.HeldOut.First(e => e.Kind == SynthKind.Arithmetic);
        var planted = new SynthExample(SynthKind.Arithmetic, "planted", "Please solve this one. " + problem.Prompt.ToUpperInvariant(), problem.Chosen, problem.Rejected);
        var train = drawn.Train.Take(10).Append(planted).Concat(drawn.Train.Skip(10)).ToList();
        var (kept, dropped) = Decontamination.Apply(train, items);

        Assert.Equal(baseline.Dropped.Count + 1, dropped.Count);
        Assert.Contains(dropped, d => d.Prompt == planted.Prompt && d.HeldOutItems.Contains($"held-out:{drawn.HeldOut.ToList().IndexOf(problem)}"));
        Assert.DoesNotContain(planted, kept);
        Assert.Equal(train.Count - dropped.Count, kept.Count);
    }

    [Fact]
    public void AShortHeldOutQuestionMatchesOnlyWhenItsWholeWordSequenceOccurs()
    {
        var items = new List<(string, string)> { ("capitals:Ohio", "What is the capital of Ohio?") };
        SynthExample Train(string prompt) => new(SynthKind.Capital, "x", prompt, "Columbus", "Salem");
        var (kept, dropped) = Decontamination.Apply([Train("what is the CAPITAL of ohio"), Train("What is the capital of Oregon?"), Train("Ohio: what is its capital?")], items);
        Assert.Equal(["what is the CAPITAL of ohio"], dropped.Select(d => d.Prompt));
        Assert.Equal(2, kept.Count);
    }
}
