using System.Text.Json;
using System.Text.RegularExpressions;
using SharpLM.Core;
using SharpLM.Core.IO;
using SharpLM.Safety.Catalogue;

namespace SharpLM.Safety.Guardrails;

/// <summary>
/// Category keyword rules in JSONL, one category a line: <c>{"category": "S9", "phrases": ["nerve agent", ...]}</c>.
/// Phrases match case-insensitively on word boundaries; the first category with a matching phrase wins. Keyword rules
/// catch plainly worded requests and nothing else: encodings, paraphrase and other languages pass them.
/// </summary>
public sealed class KeywordRules
{
    private readonly IReadOnlyList<(string Category, Regex Pattern)> _rules;

    public KeywordRules(IReadOnlyList<(string Category, IReadOnlyList<string> Phrases)> rules) =>
        _rules = rules.Select(r => (r.Category, new Regex(@"\b(?:" + string.Join("|", r.Phrases.Select(p => Regex.Escape(p.Trim()).Replace(@"\ ", @"\s+"))) + @")\b",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant | RegexOptions.Compiled))).ToList();

    public static string BuiltinPath => Path.Combine(AppContext.BaseDirectory, "safety", "guardrail-rules.jsonl");

    public static KeywordRules Load(string path)
    {
        var rules = new List<(string, IReadOnlyList<string>)>();
        foreach (var (number, utf8) in JsonlLines.Read(path, "guardrail rules"))
        {
            string where = $"{path}:{number}";
            JsonElement root;
            try
            {
                root = JsonDocument.Parse(utf8).RootElement;
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{where}: not valid JSON ({JsonFile.FirstSentence(e.Message)}).");
            }
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("category", out var c) || c.ValueKind != JsonValueKind.String || !HazardCategory.IsKnown(c.GetString()!))
                throw new SharpLMException($"{where}: field 'category' must be one of S1–S14.");
            if (!root.TryGetProperty("phrases", out var p) || p.ValueKind != JsonValueKind.Array || p.GetArrayLength() == 0
                || p.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || x.GetString()!.Trim().Length == 0))
                throw new SharpLMException($"{where}: field 'phrases' must be a non-empty array of non-empty strings.");
            rules.Add((c.GetString()!, p.EnumerateArray().Select(x => x.GetString()!).ToList()));
        }
        return new KeywordRules(rules);
    }

    /// <summary>The first matching category and the phrase found, or null.</summary>
    public (string Category, string Phrase)? Match(string text)
    {
        foreach (var (category, pattern) in _rules)
            if (pattern.Match(text) is { Success: true } m) return (category, m.Value);
        return null;
    }
}
