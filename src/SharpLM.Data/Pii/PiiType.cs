namespace SharpLM.Data.Pii;

/// <summary>The kinds of personal or secret data <see cref="PiiScrubber"/> replaces, each with its placeholder.</summary>
public enum PiiType
{
    Email,
    Phone,
    IpAddress,
    CreditCard,
    Iban,
    Secret,
}

public static class PiiTypes
{
    public static IReadOnlyList<PiiType> All { get; } = Enum.GetValues<PiiType>();

    /// <summary>The text that replaces a match: &lt;EMAIL&gt;, &lt;PHONE&gt;, &lt;IP_ADDRESS&gt;, &lt;CREDIT_CARD&gt;, &lt;IBAN&gt;, &lt;SECRET&gt;.</summary>
    public static string Placeholder(this PiiType type) => type switch
    {
        PiiType.Email => "<EMAIL>",
        PiiType.Phone => "<PHONE>",
        PiiType.IpAddress => "<IP_ADDRESS>",
        PiiType.CreditCard => "<CREDIT_CARD>",
        PiiType.Iban => "<IBAN>",
        PiiType.Secret => "<SECRET>",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The snake_case name used in counters and options: email, phone, ip_address, credit_card, iban, secret.</summary>
    public static string Key(this PiiType type) => type switch
    {
        PiiType.Email => "email",
        PiiType.Phone => "phone",
        PiiType.IpAddress => "ip_address",
        PiiType.CreditCard => "credit_card",
        PiiType.Iban => "iban",
        PiiType.Secret => "secret",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };
}
