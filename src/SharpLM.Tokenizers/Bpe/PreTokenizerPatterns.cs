using System.Text.RegularExpressions;

namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// Regular expressions that split text into pre-tokens before BPE, so merges never cross word, number or
/// punctuation boundaries. Written with atomic groups, which .NET needs in place of the possessive
/// quantifiers of the original patterns, with the same matches.
/// </summary>
public static class PreTokenizerPatterns
{
    /// <summary>GPT-2's pattern, the one Hugging Face's ByteLevel pre-tokenizer applies when use_regex is true.</summary>
    public const string Gpt2 = @"'(?:[sdmt]|ll|ve|re)| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static Regex Compile(string pattern) =>
        new(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(30));
}
