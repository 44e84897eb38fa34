using System.Text;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Tests;

public class BpeTokenizerTests
{
    private static readonly BpeTokenizer Tokenizer = BpeTrainer.Train(TestCorpus.Sentences(300), new BpeTrainerOptions { VocabularySize = 600 });

    [Fact]
    public void Byte_alphabet_is_gpt2s()
    {
        Assert.Equal('Ġ', ByteLevelAlphabet.ByteToChar((byte)' '));
        Assert.Equal('Ċ', ByteLevelAlphabet.ByteToChar((byte)'\n'));
        Assert.Equal('A', ByteLevelAlphabet.ByteToChar((byte)'A'));
        Assert.Equal('Ā', ByteLevelAlphabet.ByteToChar(0));
        Assert.Equal(256, Enumerable.Range(0, 256).Select(b => ByteLevelAlphabet.ByteToChar((byte)b)).Distinct().Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("The whale follows the harpoon in 1851.")]
    [InlineData("emoji 🐋🐳👩‍👩‍👧 and flags 🇫🇷")]
    [InlineData("中文 日本語 한국어 العربية עברית हिन्दी")]
    [InlineData("e\u0301 a\u0300\u0323 combining marks")]
    [InlineData("controls \u0000\u0001\u001f\u007f tab\tcr\r\nend")]
    [InlineData("   leading and trailing spaces   \n\n\n")]
    [InlineData("digits 3.14159265358979 and 1,000,000")]
    public void Decode_inverts_encode(string text) =>
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));

    [Fact]
    public void Decode_inverts_encode_on_random_unicode()
    {
        var random = new Random(11);
        (int Low, int High)[] ranges = [(0x20, 0x7E), (0x00, 0x1F), (0xA0, 0x24F), (0x300, 0x36F), (0x4E00, 0x9FFF), (0x0600, 0x06FF), (0x1F300, 0x1FAFF), (0x2000, 0x206F)];
        for (int trial = 0; trial < 300; trial++)
        {
            var builder = new StringBuilder();
            int length = random.Next(1, 40);
            for (int i = 0; i < length; i++)
            {
                var (low, high) = ranges[random.Next(ranges.Length)];
                int codePoint = random.Next(low, high + 1);
                if (codePoint is >= 0xD800 and <= 0xDFFF) continue;
                builder.Append(char.ConvertFromUtf32(codePoint));
                if (random.Next(5) == 0) builder.Append(' ', random.Next(1, 4));
            }
            string text = builder.ToString();
            Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
        }
    }

    [Fact]
    public void A_lone_surrogate_cannot_be_represented_in_utf8_and_decodes_as_the_replacement_character()
    {
        string text = "a\uD800b";
        Assert.Equal("a\uFFFDb", Tokenizer.Decode(Tokenizer.Encode(text)));
    }

    [Fact]
    public void Special_tokens_are_single_ids_when_allowed_and_plain_text_otherwise()
    {
        int endOfText = Tokenizer.EndOfTextId!.Value;
        var allowed = Tokenizer.Encode("one<|endoftext|>two");
        Assert.Contains(endOfText, allowed);
        Assert.Equal("one<|endoftext|>two", Tokenizer.Decode(allowed));
        var plain = Tokenizer.Encode("one<|endoftext|>two", allowSpecial: false);
        Assert.DoesNotContain(endOfText, plain);
        Assert.Equal("one<|endoftext|>two", Tokenizer.Decode(plain));
        Assert.Equal("onetwo", Tokenizer.Decode(allowed, includeSpecial: false));
    }

    [Fact]
    public void Out_of_range_ids_give_a_clear_error()
    {
        var error = Assert.Throws<Core.SharpLMException>(() => Tokenizer.Decode([5, 100000]));
        Assert.Equal($"token id 100000 is not in the vocabulary (ids 0..599, {Tokenizer.Vocabulary.Count + Tokenizer.Specials.Count} in use).", error.Message);
    }
}
