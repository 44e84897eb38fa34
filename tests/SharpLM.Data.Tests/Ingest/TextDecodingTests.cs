using System.Text;
using SharpLM.Data.Ingest;

namespace SharpLM.Data.Tests.Ingest;

public class TextDecodingTests
{
    [Fact]
    public void Valid_utf8_wins_over_any_declaration_and_the_bom_is_dropped()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes("naïve")];
        var decoded = TextDecoding.Decode(bytes, TextDecoding.TryGetEncoding("iso-8859-1"), Encoding.Latin1);
        Assert.Equal(("naïve", "utf-8", 0), (decoded.Text, decoded.Encoding, decoded.ReplacementCharacters));
    }

    [Fact]
    public void Declared_charset_comes_before_the_source_fallback()
    {
        byte[] bytes = [0x63, 0x61, 0x66, 0xE9]; // "café" in Latin-1; 0xE9 is Cyrillic "И" in KOI8-R
        Assert.Equal("cafИ", TextDecoding.Decode(bytes, TextDecoding.TryGetEncoding("koi8-r"), Encoding.Latin1).Text);
        Assert.Equal("café", TextDecoding.Decode(bytes, null, Encoding.Latin1).Text);
    }

    [Fact]
    public void Replacements_count_each_invalid_sequence_once_like_the_framework()
    {
        var random = new Random(11);
        for (int trial = 0; trial < 50; trial++)
        {
            byte[] bytes = new byte[random.Next(1, 64)];
            random.NextBytes(bytes);
            var decoded = TextDecoding.Decode(bytes);
            // Oracle: the framework's own replacement decoding gives the same text.
            string expected = Encoding.UTF8.GetString(bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? bytes[3..] : bytes);
            Assert.Equal(expected, decoded.Text);
            Assert.Equal(expected.Count(c => c == '\uFFFD'), decoded.ReplacementCharacters);
        }
    }

    [Theory]
    [InlineData("latin1", "windows-1252")]
    [InlineData("ISO-8859-1", "windows-1252")]
    [InlineData("\"us-ascii\"", "windows-1252")]
    [InlineData("utf8", "utf-8")]
    [InlineData("windows-1251", "windows-1251")]
    public void Charset_labels_resolve(string label, string webName) => Assert.Equal(webName, TextDecoding.TryGetEncoding(label)!.WebName);

    [Fact]
    public void Html_meta_charset_is_sniffed()
    {
        Assert.Equal("windows-1251", HtmlCharset.Sniff("<html><head><meta charset=\"windows-1251\">"u8)!.WebName);
        Assert.Equal("koi8-r", HtmlCharset.Sniff("<meta http-equiv=\"Content-Type\" content=\"text/html; charset=KOI8-R\">"u8)!.WebName);
        Assert.Null(HtmlCharset.Sniff("<p>charset=utf-8 in text is not a meta tag</p>"u8));
    }
}
