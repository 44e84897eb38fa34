using System.Text.RegularExpressions;

namespace SharpLM.Data.Language;

/// <summary>
/// Names the language of a text as franc does, so that its results can be checked against franc itself: the
/// writing system most of the sample's characters belong to decides alone when one language writes it (Hangul:
/// Korean); otherwise the sample's trigrams are compared with each language's profile of that script and the
/// closest profile wins. Written by hand because no .NET library identifies languages from open profiles, and
/// fastText's model (datatrove's choice) cannot be fetched here.
/// <para>
/// The sample is the text's first <see cref="SampleLength"/> UTF-16 units. Its trigrams are taken after ASCII
/// punctuation, symbols and digits (U+0021–U+0040) become spaces, whitespace runs one space, and letters lowercase,
/// with a space added at each end. A profile's distance adds, for each distinct trigram of the sample, the absolute
/// difference between the trigram's count in the sample and its rank in the profile plus one (franc's measure), or
/// <see cref="MissingTrigramDistance"/> when the profile lacks it. Texts shorter than <see cref="MinimumLength"/>
/// characters, or with no character of any known script, are "und" (undetermined).
/// </para>
/// </summary>
public sealed class LanguageIdentifier
{
    private readonly TrigramLanguageProfiles _profiles;
    // Per shared script: each trigram's (language, rank) entries, so a sample's trigram is looked up once rather than
    // once per language (a Latin sample meets 100+ profiles).
    private readonly Dictionary<string, Dictionary<string, (int Language, int Rank)[]>> _postings = new(StringComparer.Ordinal);

    // Per script, whether each character of the Basic Multilingual Plane (surrogates aside) is one of its characters:
    // counting a sample's characters by table instead of by regular-expression matches is what keeps identification
    // well under a millisecond per document. Surrogate pairs (rare) are still matched with the expressions.
    private readonly bool[][] _inScript;

    public LanguageIdentifier(TrigramLanguageProfiles profiles)
    {
        _profiles = profiles;
        _inScript = profiles.Scripts.Select(script =>
        {
            var table = new bool[char.MaxValue + 1];
            Span<char> one = stackalloc char[1];
            for (int c = 0; c <= char.MaxValue; c++)
            {
                if (char.IsSurrogate((char)c)) continue;
                one[0] = (char)c;
                table[c] = script.Characters.IsMatch(one);
            }
            return table;
        }).ToArray();
        foreach (var (script, languages) in profiles.Languages)
        {
            var postings = new Dictionary<string, List<(int, int)>>(StringComparer.Ordinal);
            for (int l = 0; l < languages.Count; l++)
                foreach (var (trigram, rank) in languages[l].Ranks)
                {
                    if (!postings.TryGetValue(trigram, out var list)) postings[trigram] = list = new List<(int, int)>();
                    list.Add((l, rank));
                }
            _postings[script] = postings.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        }
    }

    public const string Undetermined = "und";
    public const int SampleLength = 2048;
    public const int MinimumLength = 10;
    public const int MissingTrigramDistance = 300;

    private static readonly Regex NotLanguage = new("[\u0021-\u0040]+");
    // JavaScript's \s, which franc's whitespace collapsing uses (.NET's \s differs in U+0085 and U+FEFF).
    private const string WhiteSpace = "\t\n\v\f\r \u00A0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200A\u2028\u2029\u202F\u205F\u3000\uFEFF";
    private static readonly Regex WhiteSpaceRun = new("[" + Regex.Escape(WhiteSpace) + "]+");
    private static readonly char[] WhiteSpaceCharacters = WhiteSpace.ToCharArray();

    /// <summary>The most likely language's code (ISO 639-3, as the profiles name it), or "und".</summary>
    public string Identify(string text) => Rank(text)[0].Code;

    /// <summary>
    /// The candidate languages, closest first, each with franc's score: 1 for the closest, lower for the others by
    /// their distance over the most a sample of this length could be.
    /// </summary>
    public IReadOnlyList<(string Code, double Score)> Rank(string text)
    {
        if (text.Length < MinimumLength) return [(Undetermined, 1)];
        string sample = text.Length > SampleLength ? text[..SampleLength] : text;
        var (script, share) = TopScript(sample);
        if (script is null || share == 0) return [(Undetermined, 1)];
        if (!_profiles.Languages.TryGetValue(script, out var languages)) return [(script, 1)];

        var counts = TrigramCounts(sample);
        var totals = Distances(counts, _postings[script], languages.Count);
        var distances = languages.Select((language, l) => (language.Code, Distance: totals[l]))
            .OrderBy(d => d.Distance) // stable: equal distances keep the profiles' order
            .ToList();
        double closest = distances[0].Distance, span = sample.Length * (double)MissingTrigramDistance - closest;
        return distances.Select(d => (d.Code, span == 0 ? 1.0 : 1 - (d.Distance - closest) / span)).ToList();
    }

    private (string? Name, double Share) TopScript(string sample)
    {
        var scripts = _profiles.Scripts;
        var counts = new int[scripts.Count];
        for (int i = 0; i < sample.Length; i++)
        {
            char c = sample[i];
            if (char.IsHighSurrogate(c) && i + 1 < sample.Length && char.IsLowSurrogate(sample[i + 1]))
            {
                var pair = sample.AsSpan(i++, 2);
                for (int s = 0; s < scripts.Count; s++) if (scripts[s].Characters.IsMatch(pair)) counts[s]++;
                continue;
            }
            for (int s = 0; s < scripts.Count; s++) if (_inScript[s][c]) counts[s]++;
        }
        string? top = null;
        double best = -1;
        for (int s = 0; s < scripts.Count; s++)
        {
            double share = counts[s] / (double)sample.Length;
            if (share > best) (top, best) = (scripts[s].Name, share);
        }
        return (top, best);
    }

    private static Dictionary<string, int> TrigramCounts(string sample)
    {
        string cleaned = WhiteSpaceRun.Replace(NotLanguage.Replace(sample, " "), " ").Trim(WhiteSpaceCharacters).ToLowerInvariant();
        string padded = " " + cleaned + " ";
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i + 3 <= padded.Length; i++)
        {
            string trigram = padded.Substring(i, 3);
            counts[trigram] = counts.GetValueOrDefault(trigram) + 1;
        }
        return counts;
    }

    /// <summary>Every profile's distance: a trigram a profile lacks costs the most, one it has |count − rank − 1|.</summary>
    private static long[] Distances(Dictionary<string, int> counts, Dictionary<string, (int Language, int Rank)[]> postings, int languages)
    {
        var distances = new long[languages];
        Array.Fill(distances, (long)counts.Count * MissingTrigramDistance);
        foreach (var (trigram, count) in counts)
        {
            if (!postings.TryGetValue(trigram, out var entries)) continue;
            foreach (var (language, rank) in entries) distances[language] += Math.Abs(count - rank - 1) - MissingTrigramDistance;
        }
        return distances;
    }
}
