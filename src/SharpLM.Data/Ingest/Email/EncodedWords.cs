using System.Text;
using System.Text.RegularExpressions;

namespace SharpLM.Data.Ingest.Email;

/// <summary>RFC 2047 encoded-words in header text ("=?iso-8859-1?Q?caf=E9?="), B and Q encodings.</summary>
public static partial class EncodedWords
{
    [GeneratedRegex(@"=\?([^?\s]+)\?([QqBb])\?([^?\s]*)\?=", RegexOptions.CultureInvariant)]
    private static partial Regex EncodedWord();

    /// <summary>Decodes every encoded-word; whitespace between two adjacent encoded-words is dropped, as the RFC says.</summary>
    public static string Decode(string header)
    {
        var builder = new StringBuilder(header.Length);
        int last = 0;
        bool previousWasEncoded = false;
        foreach (Match match in EncodedWord().Matches(header))
        {
            string between = header[last..match.Index];
            if (!(previousWasEncoded && string.IsNullOrWhiteSpace(between))) builder.Append(between);
            builder.Append(DecodeWord(match.Groups[1].Value, match.Groups[2].Value, match.Groups[3].Value, match.Value));
            last = match.Index + match.Length;
            previousWasEncoded = true;
        }
        builder.Append(header[last..]);
        return builder.ToString();
    }

    private static string DecodeWord(string charset, string encoding, string text, string original)
    {
        int language = charset.IndexOf('*'); // RFC 2231 language suffix: "utf-8*en"
        if (language >= 0) charset = charset[..language];
        byte[] bytes;
        if (encoding is "B" or "b")
        {
            bytes = TransferEncodings.DecodeBase64(Encoding.ASCII.GetBytes(text));
        }
        else
        {
            bytes = TransferEncodings.DecodeQuotedPrintable(Encoding.ASCII.GetBytes(text.Replace('_', ' ')));
        }
        var declared = TextDecoding.TryGetEncoding(charset);
        if (declared is null && !charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)) return original;
        return TextDecoding.Decode(bytes, declared).Text;
    }
}
