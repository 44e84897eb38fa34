using System.Text.RegularExpressions;

namespace SharpLM.Data.Pii;

/// <summary>
/// Candidate patterns of <see cref="PiiScrubber"/>. They are deliberately bounded at both ends by lookarounds
/// so that a pattern never starts or ends inside a longer token (versions, ISBNs, long numbers); validators
/// then decide.
/// </summary>
internal static partial class PiiPatterns
{
    [GeneratedRegex(@"-----BEGIN[A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END[A-Z0-9 ]*PRIVATE KEY-----", RegexOptions.CultureInvariant)]
    public static partial Regex PemPrivateKey();

    /// <summary>AWS access key ids, GitHub tokens, Slack tokens, OpenAI/Anthropic-style "sk-" keys.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_-])(?:(?:AKIA|ASIA)[0-9A-Z]{16}|gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,255}|xox[abposr]-[A-Za-z0-9-]{10,}|sk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,})(?![A-Za-z0-9_-])", RegexOptions.CultureInvariant)]
    public static partial Regex Token();

    /// <summary>"api_key = value", "password: 'value'" and similar; group "value" is what gets replaced.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?<name>(?:[A-Za-z0-9]+[_-])*(?:api[_-]?key|secret(?:[_-]?key)?|access[_-]?key|access[_-]?token|auth[_-]?token|token|password|passwd|pwd|client[_-]?secret|private[_-]?key))[""']?\s*[:=]\s*[""']?(?<value>[^\s""'`,;<>]{8,})", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    public static partial Regex SecretAssignment();

    [GeneratedRegex(@"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}(?![A-Za-z0-9-])", RegexOptions.CultureInvariant)]
    public static partial Regex Email();

    /// <summary>Country letters, check digits, then 4-character groups (optionally space-separated) and a short tail.</summary>
    [GeneratedRegex(@"(?<![A-Za-z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Za-z0-9])", RegexOptions.CultureInvariant)]
    public static partial Regex Iban();

    /// <summary>13–19 digits starting with a card-network digit (2–6): contiguous, 4-4-4-x groups, or 4-6-4/5 (Amex, Diners).</summary>
    [GeneratedRegex(@"(?<![\w.,-])(?:[2-6]\d{12,18}|[2-6]\d{3}(?<sep>[ -])\d{4}\k<sep>\d{4}\k<sep>\d{1,7}|3\d{3}(?<sep2>[ -])\d{6}\k<sep2>\d{4,5})(?![\w]|[ .,-]\d)", RegexOptions.CultureInvariant)]
    public static partial Regex CreditCard();

    /// <summary>Hex groups with at least two colons, optionally ending in a dotted IPv4 (parsed afterwards).</summary>
    [GeneratedRegex(@"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])", RegexOptions.CultureInvariant)]
    public static partial Regex IPv6Candidate();

    /// <summary>Four dotted octets 0–255, not part of a longer dotted sequence (versions like 1.2.3.4.5 stay).</summary>
    [GeneratedRegex(@"(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?![\w]|\.\d)", RegexOptions.CultureInvariant)]
    public static partial Regex IPv4();

    /// <summary>"+" or "00", a country code, then digit groups separated by one space, dot or dash (an area code may be bracketed).</summary>
    [GeneratedRegex(@"(?<![\w+])(?:\+|(?<!\d)00)[1-9]\d{0,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{1,5}){1,6}(?!\w)", RegexOptions.CultureInvariant)]
    public static partial Regex InternationalPhone();

    /// <summary>North American numbers: (202) 555-0143, 202-555-0143, 202.555.0143, optionally with a leading "1-".</summary>
    [GeneratedRegex(@"(?<![\w+.-])(?:1[-. ])?(?:\([2-9]\d{2}\) ?[2-9]\d{2}[-. ]\d{4}|[2-9]\d{2}(?<sep>[-.])[2-9]\d{2}\k<sep>\d{4})(?![\w]|[-.]\d)", RegexOptions.CultureInvariant)]
    public static partial Regex NorthAmericanPhone();

    /// <summary>Trunk-prefixed national numbers: 020 7946 0958, 030 12345678, 0161-496-0000.</summary>
    [GeneratedRegex(@"(?<![\w+.,/-])0[1-9]\d{1,4}(?:[ -]\d{3,8}){1,2}(?![\w]|[-./]\d)", RegexOptions.CultureInvariant)]
    public static partial Regex NationalPhone();
}
