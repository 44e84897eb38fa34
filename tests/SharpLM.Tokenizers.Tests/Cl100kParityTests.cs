using System.Text;
using SharpLM.Tokenizers.Bpe;
using SharpLM.Tokenizers.Tiktoken;
using TiktokenTokenizer = Microsoft.ML.Tokenizers.TiktokenTokenizer;

namespace SharpLM.Tokenizers.Tests;

/// <summary>SharpLM's cl100k_base (ranks turned into merges, .NET regex) against Microsoft.ML.Tokenizers' tiktoken.</summary>
public class Cl100kParityTests
{
    private static readonly Lazy<BpeTokenizer> Ours = new(() => TokenizerSource.Load(TokenizerSource.Cl100kBase));
    private static readonly Lazy<TiktokenTokenizer> Oracle = new(() => TiktokenTokenizer.CreateForEncoding("cl100k_base"));

    /// <summary>A varied text: prose, code, many scripts, emoji, whitespace runs, long digit strings, contractions.</summary>
    public static string VariedText()
    {
        var text = new StringBuilder();
        text.Append("Call me Ishmael. Some years ago—never mind how long precisely—having little or no money in my purse.\n");
        text.Append("I'M sure you've seen it; they'll say we'd DONE it. It's Ahab's; O'Neill's.\n");
        text.Append("public static int Main(string[] args) {\n\tif (args.Length > 0 && args[0] == \"--help\") { return 0; }\n    return 42; // answer\n}\n");
        text.Append("def f(x):\r\n    return x**2 + 3.14159*x - 1e-10\n\n\n\n");
        text.Append("数字 1234567890123456789 and 3.1415926535 and 1,000,000.00 and 0x7fff_ffff\n");
        text.Append("Русский текст, ελληνικά, עברית, العربية, हिन्दी, ภาษาไทย, 日本語のテキスト, 한국어, Tiếng Việt.\n");
        text.Append("Emoji: 🐋🐳👩‍👩‍👧 🇫🇷 👍🏽 ✨ — flags and skin tones.\n");
        text.Append("   leading spaces, trailing spaces   \n\t\t tabs\t and \u00A0non-breaking\u2003em space\n");
        text.Append("Combining: e\u0301 a\u0300\u0323 n\u0303; controls: \u0001\u001f; symbols: ©®™ ∑∫√ ≤≥ «»\n");
        text.Append("URLs https://example.com/a/b?c=d&e=f#g and emails someone@example.org, paths C:\\Users\\x\\file.txt\n");
        text.Append("<html><body class=\"x\">Hello&nbsp;world</body></html> {\"json\": [1, 2.5, null, true]}\n");
        text.Append(new string(' ', 17)).Append('x').Append(new string('\n', 5)).Append(new string('=', 40)).Append("\n");
        var random = new Random(5);
        for (int i = 0; i < 300; i++)
        {
            int codePoint = random.Next(4) switch
            {
                0 => random.Next(0x20, 0x7F),
                1 => random.Next(0xA0, 0x2000),
                2 => random.Next(0x3000, 0x9FFF),
                _ => random.Next(0x1F300, 0x1FAFF),
            };
            text.Append(char.ConvertFromUtf32(codePoint));
            if (random.Next(6) == 0) text.Append(' ', random.Next(1, 4));
        }
        return text.ToString();
    }

    [Fact]
    public void Encodes_exactly_as_the_reference_on_varied_text()
    {
        string text = VariedText();
        // Compare line by line first for a readable failure, then the whole text.
        foreach (string line in text.Split('\n'))
            Assert.Equal(Oracle.Value.EncodeToIds(line).ToArray(), Ours.Value.Encode(line, allowSpecial: false).ToArray());
        Assert.Equal(Oracle.Value.EncodeToIds(text).ToArray(), Ours.Value.Encode(text, allowSpecial: false).ToArray());
    }

    [Fact]
    public void Special_tokens_have_the_reference_ids()
    {
        Assert.Equal(100257, Ours.Value.Specials["<|endoftext|>"]);
        Assert.Equal(Oracle.Value.EncodeToIds("a<|endoftext|>b").ToArray(), Ours.Value.Encode("a<|endoftext|>b").ToArray());
        Assert.Equal("hello world", Ours.Value.Decode(Oracle.Value.EncodeToIds("hello world")));
    }

    [Fact]
    public void A_trained_tokenizer_survives_a_round_trip_through_a_tiktoken_rank_file()
    {
        var trained = BpeTrainer.Train(TestCorpus.Sentences(300), new BpeTrainerOptions { VocabularySize = 600 });
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "t.tiktoken");
        TiktokenRankFile.Write(trained, path);
        var reloaded = BpeTokenizer.FromRanks(TiktokenRankFile.Read(path), trained.PreTokenizerPattern, trained.Specials, path);
        string text = string.Join(" ", TestCorpus.Sentences(20, seed: 4));
        Assert.Equal(trained.Encode(text), reloaded.Encode(text));
        // tiktoken itself, reading the same file, agrees too.
        using var stream = File.OpenRead(path);
        var tiktoken = TiktokenTokenizer.Create(stream, new Microsoft.ML.Tokenizers.RegexPreTokenizer(
            new System.Text.RegularExpressions.Regex(trained.PreTokenizerPattern), null), normalizer: null);
        Assert.Equal(tiktoken.EncodeToIds(text).ToArray(), trained.Encode(text).ToArray());
    }

    [Fact]
    public void Malformed_rank_files_name_the_line()
    {
        string path = Path.Combine(Directory.CreateTempSubdirectory().FullName, "bad.tiktoken");
        File.WriteAllText(path, "IQ== 0\nnot-base64!! 1\n");
        var error = Assert.Throws<Core.SharpLMException>(() => TiktokenRankFile.Read(path));
        Assert.Equal($"{path}:2: \"not-base64!!\" is not valid base64.", error.Message);
    }
}
