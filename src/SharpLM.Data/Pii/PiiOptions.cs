using System.Text.Json.Serialization;

namespace SharpLM.Data.Pii;

/// <summary>Which kinds of personal data <see cref="PiiScrubber"/> replaces (all by default).</summary>
public sealed record PiiOptions
{
    [JsonPropertyName("email")] public bool Email { get; init; } = true;
    [JsonPropertyName("phone")] public bool Phone { get; init; } = true;
    [JsonPropertyName("ip_address")] public bool IpAddress { get; init; } = true;

    /// <summary>
    /// Replace only globally routable addresses (datatrove's only_remove_public_ip): private, loopback,
    /// link-local, carrier-grade NAT, documentation, multicast and reserved ranges identify no one and stay.
    /// </summary>
    [JsonPropertyName("public_ip_only")] public bool PublicIpOnly { get; init; } = true;

    [JsonPropertyName("credit_card")] public bool CreditCard { get; init; } = true;
    [JsonPropertyName("iban")] public bool Iban { get; init; } = true;
    [JsonPropertyName("secret")] public bool Secret { get; init; } = true;

    public bool IsEnabled(PiiType type) => type switch
    {
        PiiType.Email => Email,
        PiiType.Phone => Phone,
        PiiType.IpAddress => IpAddress,
        PiiType.CreditCard => CreditCard,
        PiiType.Iban => Iban,
        PiiType.Secret => Secret,
        _ => false,
    };
}
