using System.Text;
using System.Text.RegularExpressions;

namespace SharpLM.Data.Ingest;

/// <summary>Finds the charset an HTML page declares in a meta tag within its first 2 KiB.</summary>
public static partial class HtmlCharset
{
    [GeneratedRegex("""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MetaCharset();

    public static Encoding? Sniff(ReadOnlySpan<byte> html)
    {
        string head = Encoding.Latin1.GetString(html[..Math.Min(html.Length, 2048)]);
        var match = MetaCharset().Match(head);
        return match.Success ? TextDecoding.TryGetEncoding(match.Groups[1].Value) : null;
    }
}
