using System.Text.RegularExpressions;
using SharpLM.Core;

namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// Regular expressions that split text into pre-tokens before BPE, so merges never cross word, number or
/// punctuation boundaries. The cl100k and o200k patterns use atomic groups where the originals use
/// possessive quantifiers, which .NET lacks; the matches are the same.
/// </summary>
public static class PreTokenizerPatterns
{
    /// <summary>GPT-2's pattern, the one Hugging Face's ByteLevel pre-tokenizer applies when use_regex is true.</summary>
    public const string Gpt2 = @"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    /// <summary>cl100k_base (GPT-3.5/4): case-insensitive contractions, digits in groups of up to three.</summary>
    public const string Cl100k =
        @"'(?i:[sdmt]|ll|ve|re)|(?>[^\r\n\p{L}\p{N}]?)(?>\p{L}+)|(?>\p{N}{1,3})| ?(?>[^\s\p{L}\p{N}]+)(?>[\r\n]*)|(?>\s+)$|\s*[\r\n]|\s+(?!\S)|\s";

    /// <summary>o200k_base (GPT-4o): splits camel case, keeps contractions on their word.</summary>
    public const string O200k =
        @"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?" +
        @"|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+";

    public static IReadOnlyDictionary<string, string> BuiltIn { get; } = new Dictionary<string, string>
    {
        ["gpt2"] = Gpt2, ["cl100k"] = Cl100k, ["o200k"] = O200k,
    };

    /// <summary>A built-in name (gpt2, cl100k, o200k) or a regular expression.</summary>
    public static string Resolve(string nameOrPattern)
    {
        string pattern = BuiltIn.TryGetValue(nameOrPattern, out var builtIn) ? builtIn : nameOrPattern;
        try
        {
            _ = new Regex(pattern);
        }
        catch (ArgumentException e)
        {
            throw new SharpLMException($"pre-tokenizer pattern '{nameOrPattern}' is neither {string.Join(", ", BuiltIn.Keys)} nor a valid regular expression ({e.Message}).");
        }
        return pattern;
    }

    public static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(30));
}
