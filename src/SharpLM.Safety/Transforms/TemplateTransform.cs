using SharpLM.Core;

namespace SharpLM.Safety.Transforms;

/// <summary>
/// An attack written as text with placeholders, filled in per probe: {prompt}; its encodings {prompt_base64},
/// {prompt_rot13}, {prompt_leet}; {part_a} and {part_b}, the prompt cut at a word boundary drawn at random (payload
/// splitting); {canary}, a random secret (system-prompt extraction). Every built-in transform is one of these, and
/// users add their own in the same shape (<see cref="TransformFile"/>).
/// </summary>
public sealed class TemplateTransform : IAttackTransform
{
    public static readonly IReadOnlyList<string> Placeholders = ["{prompt}", "{prompt_base64}", "{prompt_rot13}", "{prompt_leet}", "{part_a}", "{part_b}", "{canary}"];

    public TemplateTransform(string name, string? system, IReadOnlyList<string> turns, string origin)
    {
        if (turns.Count == 0) throw new SharpLMException($"{origin}: field 'turns' needs at least one turn.");
        var texts = turns.Append(system ?? "").ToList();
        if (!texts.Any(t => Placeholders.Where(p => p != "{canary}").Any(t.Contains)))
            throw new SharpLMException($"{origin}: no turn carries the probe; use {{prompt}} or one of its encodings or parts.");
        if (texts.Any(t => t.Contains("{part_a}")) != texts.Any(t => t.Contains("{part_b}")))
            throw new SharpLMException($"{origin}: {{part_a}} and {{part_b}} go together; one without the other loses half the probe.");
        Name = name;
        System = system;
        Turns = turns;
    }

    public string Name { get; }
    public string? System { get; }
    public IReadOnlyList<string> Turns { get; }

    public Attack Apply(string prompt, Random random)
    {
        var (partA, partB) = Split(prompt, random);
        string? canary = (System?.Contains("{canary}") ?? false) || Turns.Any(t => t.Contains("{canary}"))
            ? "CANARY-" + random.NextInt64(0x1000_0000, 0xFFFF_FFFF).ToString("X") : null;
        string Fill(string text) => text
            .Replace("{prompt_base64}", TextEncodings.Base64(prompt)).Replace("{prompt_rot13}", TextEncodings.Rot13(prompt))
            .Replace("{prompt_leet}", TextEncodings.Leetspeak(prompt)).Replace("{part_a}", partA).Replace("{part_b}", partB)
            .Replace("{canary}", canary ?? "").Replace("{prompt}", prompt);
        return new Attack(Name, System is null ? null : Fill(System), Turns.Select(Fill).ToList(), canary);
    }

    /// <summary>Cuts at a space drawn at random so neither half alone states the request; a one-word prompt is cut inside the word.</summary>
    internal static (string A, string B) Split(string prompt, Random random)
    {
        var spaces = Enumerable.Range(1, Math.Max(0, prompt.Length - 2)).Where(i => prompt[i] == ' ').ToList();
        int cut = spaces.Count > 0 ? spaces[random.Next(spaces.Count)] : Math.Max(1, prompt.Length / 2);
        return (prompt[..cut], prompt[cut..]);
    }
}
