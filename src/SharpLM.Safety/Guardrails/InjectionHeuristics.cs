using System.Text.RegularExpressions;

namespace SharpLM.Safety.Guardrails;

/// <summary>
/// Signs that a retrieved document carries instructions for the assistant rather than content: orders to ignore or
/// replace earlier instructions, claims to be the system or the assistant's new task, requests for the system prompt,
/// and chat-template or role markers pasted into the text. Any one sign flags the document. Heuristics: a document
/// that discusses prompt injection is flagged too, and a reworded injection is not.
/// </summary>
public static partial class InjectionHeuristics
{
    private static readonly (string Sign, Regex Pattern)[] Signs =
    [
        ("override", OverridePattern()),
        ("new task", NewTaskPattern()),
        ("prompt extraction", ExtractionPattern()),
        ("role marker", RoleMarkerPattern()),
    ];

    /// <summary>The first sign found, or null.</summary>
    public static string? Find(string document) => Signs.FirstOrDefault(s => s.Pattern.IsMatch(document)).Sign;

    [GeneratedRegex(@"\b(?:ignore|disregard|forget|override)\b[^.\n]{0,40}\b(?:previous|prior|above|earlier|all|the user'?s?|your)\b[^.\n]{0,30}\b(?:instructions?|rules|prompt|question|guidelines)\b", RegexOptions.IgnoreCase)]
    private static partial Regex OverridePattern();

    [GeneratedRegex(@"\b(?:your (?:real|new|actual) (?:task|instructions?|goal)|new instructions?\s*:|assistant instruction|system override|you are now\b)", RegexOptions.IgnoreCase)]
    private static partial Regex NewTaskPattern();

    [GeneratedRegex(@"\b(?:print|reveal|repeat|show|output)\b[^.\n]{0,40}\b(?:system prompt|instructions (?:you were given|above)|initial instructions)\b", RegexOptions.IgnoreCase)]
    private static partial Regex ExtractionPattern();

    [GeneratedRegex(@"<\|im_start\|>|<\|im_end\|>|<\|start_header_id\|>|\[/?INST\]|^\s*(?:###\s*)?(?:system|assistant)\s*:", RegexOptions.IgnoreCase | RegexOptions.Multiline)]
    private static partial Regex RoleMarkerPattern();
}
