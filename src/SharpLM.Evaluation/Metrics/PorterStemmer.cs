namespace SharpLM.Evaluation.Metrics;

/// <summary>
/// The Porter stemmer as NLTK runs it by default (its NLTK_EXTENSIONS mode), which is what rouge-score's
/// <c>use_stemmer=True</c> calls: Porter's 1980 steps plus Martin Porter's later changes and NLTK's
/// (irregular forms, "ies"/"ied" on four-letter words, y→i only after a consonant, "alli" re-entering step 2,
/// "fulli" and "logi"). Input is expected in lower case.
/// </summary>
public static class PorterStemmer
{
    private sealed record Rule(string Suffix, string Replacement, Func<string, bool>? Condition);

    private const string DoubleConsonant = "*d";

    private static readonly Dictionary<string, string> Irregular = new(StringComparer.Ordinal)
    {
        ["sky"] = "sky", ["skies"] = "sky", ["dying"] = "die", ["lying"] = "lie", ["tying"] = "tie", ["news"] = "news",
        ["innings"] = "inning", ["inning"] = "inning", ["outings"] = "outing", ["outing"] = "outing",
        ["cannings"] = "canning", ["canning"] = "canning", ["howe"] = "howe",
        ["proceed"] = "proceed", ["exceed"] = "exceed", ["succeed"] = "succeed",
    };

    public static string Stem(string word)
    {
        string stem = word.ToLowerInvariant();
        if (Irregular.TryGetValue(word, out string? irregular)) return irregular;
        if (word.Length <= 2) return stem;
        stem = Step1a(stem);
        stem = Step1b(stem);
        stem = Step1c(stem);
        stem = Step2(stem);
        stem = Step3(stem);
        stem = Step4(stem);
        stem = Step5a(stem);
        return Step5b(stem);
    }

    private static bool IsConsonant(string word, int i) => word[i] switch
    {
        'a' or 'e' or 'i' or 'o' or 'u' => false,
        'y' => i == 0 || !IsConsonant(word, i - 1),
        _ => true,
    };

    /// <summary>Porter's m: the number of vowel-consonant transitions.</summary>
    private static int Measure(string stem)
    {
        int m = 0;
        for (int i = 1; i < stem.Length; i++)
            if (!IsConsonant(stem, i - 1) && IsConsonant(stem, i)) m++;
        return m;
    }

    private static bool PositiveMeasure(string stem) => Measure(stem) > 0;

    private static bool ContainsVowel(string stem)
    {
        for (int i = 0; i < stem.Length; i++)
            if (!IsConsonant(stem, i)) return true;
        return false;
    }

    private static bool EndsDoubleConsonant(string word) =>
        word.Length >= 2 && word[^1] == word[^2] && IsConsonant(word, word.Length - 1);

    /// <summary>Porter's *o, with NLTK's addition of two-letter vowel-consonant words.</summary>
    private static bool EndsCvc(string word) =>
        (word.Length >= 3 && IsConsonant(word, word.Length - 3) && !IsConsonant(word, word.Length - 2)
            && IsConsonant(word, word.Length - 1) && word[^1] is not ('w' or 'x' or 'y'))
        || (word.Length == 2 && !IsConsonant(word, 0) && IsConsonant(word, 1));

    /// <summary>The first rule whose suffix matches decides: applied if its condition holds, otherwise the word stays.</summary>
    private static string Apply(string word, IEnumerable<Rule> rules)
    {
        foreach (var (suffix, replacement, condition) in rules)
        {
            if (suffix == DoubleConsonant)
            {
                if (!EndsDoubleConsonant(word)) continue;
                string doubled = word[..^2];
                return condition is null || condition(doubled) ? doubled + replacement : word;
            }
            if (!word.EndsWith(suffix, StringComparison.Ordinal)) continue;
            string stem = word[..^suffix.Length];
            return condition is null || condition(stem) ? stem + replacement : word;
        }
        return word;
    }

    private static string Step1a(string word)
    {
        if (word.EndsWith("ies", StringComparison.Ordinal) && word.Length == 4) return word[..^3] + "ie";
        return Apply(word, [new("sses", "ss", null), new("ies", "i", null), new("ss", "ss", null), new("s", "", null)]);
    }

    private static string Step1b(string word)
    {
        if (word.EndsWith("ied", StringComparison.Ordinal)) return word[..^3] + (word.Length == 4 ? "ie" : "i");
        if (word.EndsWith("eed", StringComparison.Ordinal))
            return PositiveMeasure(word[..^3]) ? word[..^1] : word;
        string? stem = null;
        foreach (string suffix in (string[])["ed", "ing"])
            if (word.EndsWith(suffix, StringComparison.Ordinal) && ContainsVowel(word[..^suffix.Length]))
            {
                stem = word[..^suffix.Length];
                break;
            }
        if (stem is null) return word;
        char last = stem[^1];
        return Apply(stem,
        [
            new("at", "ate", null), new("bl", "ble", null), new("iz", "ize", null),
            new(DoubleConsonant, last.ToString(), _ => last is not ('l' or 's' or 'z')),
            new("", "e", s => Measure(s) == 1 && EndsCvc(s)),
        ]);
    }

    private static string Step1c(string word) =>
        Apply(word, [new("y", "i", s => s.Length > 1 && IsConsonant(s, s.Length - 1))]);

    private static string Step2(string word)
    {
        if (word.EndsWith("alli", StringComparison.Ordinal) && PositiveMeasure(word[..^4])) return Step2(word[..^4] + "al");
        return Apply(word,
        [
            new("ational", "ate", PositiveMeasure), new("tional", "tion", PositiveMeasure), new("enci", "ence", PositiveMeasure),
            new("anci", "ance", PositiveMeasure), new("izer", "ize", PositiveMeasure), new("bli", "ble", PositiveMeasure),
            new("alli", "al", PositiveMeasure), new("entli", "ent", PositiveMeasure), new("eli", "e", PositiveMeasure),
            new("ousli", "ous", PositiveMeasure), new("ization", "ize", PositiveMeasure), new("ation", "ate", PositiveMeasure),
            new("ator", "ate", PositiveMeasure), new("alism", "al", PositiveMeasure), new("iveness", "ive", PositiveMeasure),
            new("fulness", "ful", PositiveMeasure), new("ousness", "ous", PositiveMeasure), new("aliti", "al", PositiveMeasure),
            new("iviti", "ive", PositiveMeasure), new("biliti", "ble", PositiveMeasure), new("fulli", "ful", PositiveMeasure),
            // The "l" of "logi" stays with the stem for the measure, so short stems such as "geo" behave like "archaeo".
            new("logi", "log", _ => word.Length >= 3 && PositiveMeasure(word[..^3])),
        ]);
    }

    private static string Step3(string word) => Apply(word,
    [
        new("icate", "ic", PositiveMeasure), new("ative", "", PositiveMeasure), new("alize", "al", PositiveMeasure),
        new("iciti", "ic", PositiveMeasure), new("ical", "ic", PositiveMeasure), new("ful", "", PositiveMeasure),
        new("ness", "", PositiveMeasure),
    ]);

    private static string Step4(string word)
    {
        static bool Above1(string s) => Measure(s) > 1;
        return Apply(word,
        [
            new("al", "", Above1), new("ance", "", Above1), new("ence", "", Above1), new("er", "", Above1),
            new("ic", "", Above1), new("able", "", Above1), new("ible", "", Above1), new("ant", "", Above1),
            new("ement", "", Above1), new("ment", "", Above1), new("ent", "", Above1),
            new("ion", "", s => Above1(s) && s.Length > 0 && s[^1] is 's' or 't'),
            new("ou", "", Above1), new("ism", "", Above1), new("ate", "", Above1), new("iti", "", Above1),
            new("ous", "", Above1), new("ive", "", Above1), new("ize", "", Above1),
        ]);
    }

    private static string Step5a(string word)
    {
        if (!word.EndsWith('e')) return word;
        string stem = word[..^1];
        int m = Measure(stem);
        return m > 1 || (m == 1 && !EndsCvc(stem)) ? stem : word;
    }

    private static string Step5b(string word) => Apply(word, [new("ll", "l", _ => Measure(word[..^1]) > 1)]);
}
