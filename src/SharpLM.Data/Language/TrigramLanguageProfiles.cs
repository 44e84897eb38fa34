using System.Text.RegularExpressions;
using SharpLM.Core;

namespace SharpLM.Data.Language;

/// <summary>
/// The language profiles of the franc npm package (MIT; trigram ranks from translations of the Universal Declaration
/// of Human Rights): a regular expression per writing system, and for each writing system that several languages
/// share, each language's most frequent trigrams in rank order. Read from the package's two data modules as they
/// ship, so the profiles are franc's own; the identification itself is <see cref="LanguageIdentifier"/>.
/// </summary>
public sealed class TrigramLanguageProfiles
{
    public const string Package = "franc";
    public const string Version = "6.2.0";

    /// <summary>A writing system: its name (a script such as "Latin", or the one language that writes it, such as "kor") and its characters.</summary>
    public sealed record Script(string Name, Regex Characters);

    private TrigramLanguageProfiles(IReadOnlyList<Script> scripts, IReadOnlyDictionary<string, IReadOnlyList<(string Code, Dictionary<string, int> Ranks)>> languages)
    {
        Scripts = scripts;
        Languages = languages;
    }

    /// <summary>Writing systems in the package's order (the first of equally frequent ones wins).</summary>
    public IReadOnlyList<Script> Scripts { get; }

    /// <summary>Per shared script, its languages in the package's order, each with trigram → rank (0 the most frequent).</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<(string Code, Dictionary<string, int> Ranks)>> Languages { get; }

    /// <summary>Every language code the profiles can answer (shared-script languages and single-language scripts).</summary>
    public IEnumerable<string> Codes => Languages.Values.SelectMany(l => l.Select(x => x.Code)).Concat(Scripts.Select(s => s.Name).Where(n => !Languages.ContainsKey(n)));

    // "  name: /pattern/g," in expressions.js; the key may stand on its own line before the expression.
    private static readonly Regex ExpressionEntry = new(@"^\s*(\w+):\s*/(.+)/g,?\s*$", RegexOptions.Multiline);
    // "  Latin: {" … "  }," blocks and "    spa: '...'" entries in data.js.
    private static readonly Regex ScriptBlock = new(@"^  (\w+): \{(.*?)^  \}", RegexOptions.Multiline | RegexOptions.Singleline);
    private static readonly Regex LanguageEntry = new(@"(\w+):\s*'([^'\\]*)'");

    /// <summary>Loads an unpacked franc package folder (its expressions.js and data.js).</summary>
    public static TrigramLanguageProfiles Load(string packageDirectory)
    {
        string expressionsFile = Path.Combine(packageDirectory, "expressions.js"), dataFile = Path.Combine(packageDirectory, "data.js");
        foreach (string file in new[] { expressionsFile, dataFile })
            if (!File.Exists(file)) throw new SharpLMException($"{file} is missing: the language profiles are read from an unpacked {Package} package folder.");

        // The key may be on the line before its expression: join such lines first.
        string expressionsText = Regex.Replace(File.ReadAllText(expressionsFile), @":\s*\n\s*/", ": /");
        var scripts = new List<Script>();
        foreach (Match entry in ExpressionEntry.Matches(expressionsText))
        {
            try
            {
                // The package's expressions are UTF-16 character classes and surrogate pairs, which .NET reads as JavaScript does.
                scripts.Add(new Script(entry.Groups[1].Value, new Regex(entry.Groups[2].Value, RegexOptions.CultureInvariant)));
            }
            catch (ArgumentException e)
            {
                throw new SharpLMException($"{expressionsFile}: the expression of '{entry.Groups[1].Value}' cannot be read ({e.Message}).");
            }
        }

        var languages = new Dictionary<string, IReadOnlyList<(string, Dictionary<string, int>)>>(StringComparer.Ordinal);
        foreach (Match block in ScriptBlock.Matches(File.ReadAllText(dataFile)))
        {
            var list = new List<(string, Dictionary<string, int>)>();
            foreach (Match language in LanguageEntry.Matches(block.Groups[2].Value))
            {
                var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
                string[] trigrams = language.Groups[2].Value.Split('|');
                // A trigram listed twice keeps its first (best) rank.
                for (int rank = trigrams.Length - 1; rank >= 0; rank--) ranks[trigrams[rank]] = rank;
                list.Add((language.Groups[1].Value, ranks));
            }
            languages[block.Groups[1].Value] = list;
        }
        if (scripts.Count == 0 || languages.Count == 0 || languages.Keys.Any(k => scripts.All(s => s.Name != k)))
            throw new SharpLMException($"{packageDirectory}: not a {Package} package this version reads (expected writing-system expressions in expressions.js and trigram profiles in data.js).");
        return new TrigramLanguageProfiles(scripts, languages);
    }
}
