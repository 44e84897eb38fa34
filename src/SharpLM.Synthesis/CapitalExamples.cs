using System.Text.Json;
using SharpLM.Data.Sources;
using SharpLM.Evaluation.Running;

namespace SharpLM.Synthesis;

/// <summary>Questions about US state capitals, plainly and with a required answer format.</summary>
internal static class CapitalExamples
{
    /// <summary>The held-out evaluation asks this phrasing; training sees it and three others.</summary>
    public const string EvaluationQuestion = "What is the capital of {0}?";

    internal static readonly string[] Questions = [EvaluationQuestion, "Which city is the capital of {0}?", "Name the capital of {0}.", "What city serves as the capital of {0}?"];

    public static string Group(StateCapital state) => "state:" + state.State;

    public static SynthExample Question(StateCapital state, IReadOnlyList<StateCapital> all, PythonRandom random)
    {
        string question = string.Format(Questions[random.Below(Questions.Length)], state.State);
        return new SynthExample(SynthKind.Capital, Group(state), question, state.Capital, WrongCapital(state, all, random));
    }

    /// <summary>
    /// Format-following: JSON with the key "capital", upper case, or one word (only for one-word capitals). The rejected
    /// answer is right but ignores the requested format, so a preference for it is a preference for the format.
    /// </summary>
    public static SynthExample Format(StateCapital state, PythonRandom random)
    {
        string question = string.Format(EvaluationQuestion, state.State);
        bool oneWord = !state.Capital.Contains(' ');
        switch (random.Below(oneWord ? 3 : 2))
        {
            case 0:
                return new SynthExample(SynthKind.Format, Group(state), question + " Answer in JSON with the key \"capital\".",
                    JsonSerializer.Serialize(new Dictionary<string, string> { ["capital"] = state.Capital }), state.Capital);
            case 1:
                return new SynthExample(SynthKind.Format, Group(state), question + " Answer in upper case.",
                    state.Capital.ToUpperInvariant(), state.Capital);
            default:
                return new SynthExample(SynthKind.Format, Group(state), question + " Answer in one word.",
                    state.Capital, $"The capital of {state.State} is {state.Capital}.");
        }
    }

    private static string WrongCapital(StateCapital state, IReadOnlyList<StateCapital> all, PythonRandom random)
    {
        var others = all.Where(s => s.Capital != state.Capital).ToList();
        return others.Count == 0 ? "I don't know." : others[random.Below(others.Count)].Capital;
    }
}
