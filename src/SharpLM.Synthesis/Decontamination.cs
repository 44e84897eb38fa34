using SharpLM.Data.Contamination;

namespace SharpLM.Synthesis;

/// <summary>A training example dropped for sharing an n-gram with a held-out item.</summary>
public sealed record ContaminatedExample(string Prompt, IReadOnlyList<string> HeldOutItems);

/// <summary>
/// The last guard on the split: the data pipeline's <see cref="ContaminationIndex"/> over the held-out prompts and
/// evaluation questions (13-word n-grams; shorter items as a whole), and every training example that shares one is dropped.
/// Groups already keep states, probe goals and problems apart; this catches near-repeats across groups, such as two word
/// problems from one template that differ only in a number outside the shared 13 words.
/// </summary>
public static class Decontamination
{
    public const int NGram = 13;

    public static (IReadOnlyList<SynthExample> Kept, IReadOnlyList<ContaminatedExample> Dropped) Apply(
        IReadOnlyList<SynthExample> train, IReadOnlyList<(string Key, string Text)> heldOutItems)
    {
        var index = ContaminationIndex.FromItems(heldOutItems, NGram);
        var kept = new List<SynthExample>();
        var dropped = new List<ContaminatedExample>();
        foreach (var example in train)
        {
            var matches = index.Matches(example.Prompt + "\n" + example.Chosen + "\n" + example.Rejected);
            if (matches.Count == 0) kept.Add(example);
            else dropped.Add(new ContaminatedExample(example.Prompt, matches));
        }
        return (kept, dropped);
    }
}
