using System.Text;

namespace SharpLM.Safety.Transforms;

/// <summary>The obfuscations encoding attacks use: base64 and rot13 decode back exactly; leetspeak is a fixed letter-to-digit map.</summary>
public static class TextEncodings
{
    public static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    public static string FromBase64(string encoded) => Encoding.UTF8.GetString(Convert.FromBase64String(encoded));

    /// <summary>Rotates ASCII letters by 13 places, so applying it twice gives the text back.</summary>
    public static string Rot13(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            span[i] = c is >= 'a' and <= 'z' ? (char)('a' + (c - 'a' + 13) % 26)
                : c is >= 'A' and <= 'Z' ? (char)('A' + (c - 'A' + 13) % 26)
                : c;
        }
    });

    public static string Leetspeak(string text) => string.Create(text.Length, text, static (span, source) =>
    {
        for (int i = 0; i < source.Length; i++)
            span[i] = char.ToLowerInvariant(source[i]) switch
            {
                'a' => '4', 'e' => '3', 'i' => '1', 'o' => '0', 's' => '5', 't' => '7', _ => source[i],
            };
    });
}
