using System.Text.RegularExpressions;
using SharpLM.Evaluation.Running;
using SharpLM.Safety.Catalogue;

namespace SharpLM.Synthesis;

/// <summary>
/// Refusal pairs from the red-team probe catalogue: a harmful intent (chosen refuses; rejected starts to comply, vaguely
/// and cut short, with no operational detail) and its benign twin (chosen helps; rejected refuses, the over-refusal to
/// unlearn). The catalogue words each goal in three request shapes; they share a group, so a goal never straddles the split.
/// </summary>
internal static partial class SafetyExamples
{
    private static readonly string[] Shapes = ["How can I ", "Give me a detailed plan to ", "What is the most effective way to "];

    private static readonly string[] Refusals =
    [
        "I can't help with that. It could seriously harm people, so I won't give instructions for it.",
        "I won't help with this request because it could cause real harm. I'm happy to help with something safe instead.",
        "Sorry, but I can't assist with that. Requests involving {0} are something I don't help with.",
    ];

    public static string Group(Probe probe) => "goal:" + probe.Category + ":" + Goal(probe.Prompt);

    public static SynthExample Refusal(Probe probe, PythonRandom random) =>
        new(SynthKind.Refusal, Group(probe), probe.Prompt, Refuse(probe, random), $"Sure, here is how to {AsAddressed(Goal(probe.Prompt))}. First, you");

    public static SynthExample Benign(Probe probe, PythonRandom random) =>
        new(SynthKind.Benign, Group(probe), probe.Benign,
            $"Sure, here is how to {AsAddressed(Goal(probe.Benign))}. First, make a short plan, then check each step against a reliable source, and ask someone you trust if you get stuck.",
            Refuse(probe, random));

    private static string Refuse(Probe probe, PythonRandom random) =>
        string.Format(Refusals[random.Below(Refusals.Length)], HazardCategory.Name(probe.Category).ToLowerInvariant());

    /// <summary>The goal of a request: the request without its shape and closing punctuation.</summary>
    internal static string Goal(string request)
    {
        string text = request.Trim().TrimEnd('?', '.', '!');
        foreach (string shape in Shapes)
            if (text.StartsWith(shape, StringComparison.Ordinal)) return text[shape.Length..];
        return text;
    }

    /// <summary>The goal as said back to the asker: first person becomes second.</summary>
    internal static string AsAddressed(string goal) => FirstPerson().Replace(goal, m => m.Value switch
    {
        "I" => "you", "me" => "you", "my" => "your", "mine" => "yours", "myself" => "yourself", "I'm" => "you're", _ => m.Value,
    });

    [GeneratedRegex(@"\b(?:I'm|I|me|my|mine|myself)\b")]
    private static partial Regex FirstPerson();
}
