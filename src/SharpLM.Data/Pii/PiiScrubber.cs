using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace SharpLM.Data.Pii;

/// <summary>
/// Replaces personal and secret data with typed placeholders (<see cref="PiiTypes.Placeholder"/>). Passes run
/// in a fixed order — secrets, e-mail addresses, IBANs, card numbers, IP addresses, phone numbers — so a
/// later, looser pattern never sees what an earlier, stricter one replaced. Every candidate is validated:
/// card numbers by Luhn, IBANs by mod 97, IPs by parsing (and by range when public_ip_only), phones by digit
/// counts (8–15 after an international prefix, 9–12 for trunk-prefixed national numbers), generic secret
/// assignments by value entropy (≥ 3 bits per character, not a $VARIABLE or &lt;placeholder&gt;). A match that
/// fails validation because it swallowed a trailing group is retried without its trailing groups.
/// Thread-safe: the compiled patterns are shared and immutable.
/// </summary>
public sealed class PiiScrubber
{
    public const double MinSecretEntropy = 3.0;

    private readonly PiiOptions _options;

    public PiiScrubber(PiiOptions? options = null) => _options = options ?? new PiiOptions();

    public string Scrub(string text) => Scrub(text, null);

    public string Scrub(string text, PiiCounts? counts)
    {
        var o = _options;
        if (o.Secret) text = ScrubSecrets(text, counts);
        if (o.Email && text.Contains('@')) text = Replace(PiiPatterns.Email(), text, PiiType.Email, counts, static _ => true);
        if (o.Iban) text = ReplaceTrimming(PiiPatterns.Iban(), text, PiiType.Iban, counts, static v => PiiValidation.IsIbanValid(v));
        if (o.CreditCard) text = Replace(PiiPatterns.CreditCard(), text, PiiType.CreditCard, counts, IsCardNumber);
        if (o.IpAddress)
        {
            if (text.Contains(':')) text = Replace(PiiPatterns.IPv6Candidate(), text, PiiType.IpAddress, counts, IsIPv6);
            text = Replace(PiiPatterns.IPv4(), text, PiiType.IpAddress, counts, IsIPv4);
        }
        if (o.Phone)
        {
            text = ReplaceTrimming(PiiPatterns.InternationalPhone(), text, PiiType.Phone, counts, IsInternationalPhone);
            text = Replace(PiiPatterns.NorthAmericanPhone(), text, PiiType.Phone, counts, static _ => true);
            text = ReplaceTrimming(PiiPatterns.NationalPhone(), text, PiiType.Phone, counts, IsNationalPhone);
        }
        return text;
    }

    private static string ScrubSecrets(string text, PiiCounts? counts)
    {
        if (text.Contains("PRIVATE KEY-----", StringComparison.Ordinal))
            text = Replace(PiiPatterns.PemPrivateKey(), text, PiiType.Secret, counts, static _ => true);
        text = Replace(PiiPatterns.Token(), text, PiiType.Secret, counts, static _ => true);
        return PiiPatterns.SecretAssignment().Replace(text, match =>
        {
            var value = match.Groups["value"];
            if (!IsSecretValue(value.ValueSpan)) return match.Value;
            counts?.Add(PiiType.Secret);
            return string.Concat(match.ValueSpan[..(value.Index - match.Index)], PiiType.Secret.Placeholder(), match.ValueSpan[(value.Index - match.Index + value.Length)..]);
        });
    }

    private static string Replace(Regex pattern, string text, PiiType type, PiiCounts? counts, Func<string, bool> isValid) =>
        pattern.Replace(text, match =>
        {
            if (!isValid(match.Value)) return match.Value;
            counts?.Add(type);
            return type.Placeholder();
        });

    /// <summary>
    /// Like <see cref="Replace"/>, but when the whole match is invalid, retries it without trailing
    /// separator-delimited groups (a year after a phone number, a word after an IBAN) and keeps that tail.
    /// </summary>
    private static string ReplaceTrimming(Regex pattern, string text, PiiType type, PiiCounts? counts, Func<string, bool> isValid) =>
        pattern.Replace(text, match =>
        {
            string value = match.Value;
            for (int end = value.Length; end > 0; end = value.AsSpan(0, end).LastIndexOfAny(' ', '-', '.'))
            {
                string candidate = value[..end];
                if (!isValid(candidate)) continue;
                counts?.Add(type);
                return type.Placeholder() + value[end..];
            }
            return value;
        });

    private static bool IsSecretValue(ReadOnlySpan<char> value)
    {
        if (value[0] is '$' or '%' or '{' or '(' or '<' or '*') return false;   // variable references, placeholders, masks
        if (value.StartsWith("<SECRET>")) return false;
        return PiiValidation.Entropy(value) >= MinSecretEntropy;
    }

    private static bool IsCardNumber(string value)
    {
        int digits = 0;
        foreach (char c in value) if (char.IsAsciiDigit(c)) digits++;
        return digits is >= 13 and <= 19 && PiiValidation.IsLuhnValid(value);
    }

    private bool IsIPv4(string value) =>
        IPAddress.TryParse(value, out var address) && (!_options.PublicIpOnly || PiiValidation.IsPublic(address));

    private bool IsIPv6(string value)
    {
        if (!IPAddress.TryParse(value, out var address) || address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        // Code such as "dead::beef" or "a:b::c" parses as IPv6; real addresses in text nearly always show three or more groups.
        int groups = 0;
        foreach (var part in value.Split(':')) if (part.Length > 0) groups++;
        if (groups < 3) return false;
        return !_options.PublicIpOnly || PiiValidation.IsPublic(address);
    }

    private static bool IsInternationalPhone(string value)
    {
        var span = value.AsSpan();
        span = span[0] == '+' ? span[1..] : span[2..];
        int digits = CountDigits(span);
        return digits is >= 8 and <= 15 && char.IsAsciiDigit(value[^1]);
    }

    private static bool IsNationalPhone(string value) => CountDigits(value) is >= 9 and <= 12 && char.IsAsciiDigit(value[^1]);

    private static int CountDigits(ReadOnlySpan<char> text)
    {
        int digits = 0;
        foreach (char c in text) if (char.IsAsciiDigit(c)) digits++;
        return digits;
    }
}
