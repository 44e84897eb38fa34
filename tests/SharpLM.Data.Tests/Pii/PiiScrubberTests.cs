using SharpLM.Data.Pii;

namespace SharpLM.Data.Tests.Pii;

public class PiiScrubberTests
{
    private static readonly PiiScrubber Scrubber = new();

    [Theory]
    // e-mail
    [InlineData("Write to jane.doe+news@example.co.uk today.", "Write to <EMAIL> today.")]
    [InlineData("<a href=\"mailto:bob_smith@mail-server.org\">", "<a href=\"mailto:<EMAIL>\">")]
    // IP addresses (public only by default)
    [InlineData("Server 93.184.216.34 answered.", "Server <IP_ADDRESS> answered.")]
    [InlineData("DNS at 8.8.8.8:53", "DNS at <IP_ADDRESS>:53")]
    [InlineData("Reach 2606:4700:4700::1111 over v6.", "Reach <IP_ADDRESS> over v6.")]
    [InlineData("Full 2a00:1450:4001:0829:0000:0000:0000:200e form.", "Full <IP_ADDRESS> form.")]
    // phones
    [InlineData("Call +44 20 7946 0958 now.", "Call <PHONE> now.")]
    [InlineData("Call +1-202-555-0143.", "Call <PHONE>.")]
    [InlineData("Call 0044 20 7946 0958.", "Call <PHONE>.")]
    [InlineData("Call +49 (30) 12345678.", "Call <PHONE>.")]
    [InlineData("Call (202) 555-0143 or 202-555-0143 or 202.555.0143.", "Call <PHONE> or <PHONE> or <PHONE>.")]
    [InlineData("Call 1-202-555-0143.", "Call <PHONE>.")]
    [InlineData("London 020 7946 0958, Berlin 030 12345678.", "London <PHONE>, Berlin <PHONE>.")]
    [InlineData("Call +44 20 7946 0958 2019 edition", "Call <PHONE> 2019 edition")]
    // payment data
    [InlineData("Card 4111 1111 1111 1111 expires.", "Card <CREDIT_CARD> expires.")]
    [InlineData("Card 4111-1111-1111-1111.", "Card <CREDIT_CARD>.")]
    [InlineData("Card 5555555555554444.", "Card <CREDIT_CARD>.")]
    [InlineData("Amex 3782 822463 10005.", "Amex <CREDIT_CARD>.")]
    [InlineData("IBAN GB82 WEST 1234 5698 7654 32 please.", "IBAN <IBAN> please.")]
    [InlineData("IBAN DE89370400440532013000.", "IBAN <IBAN>.")]
    // secrets
    [InlineData("key AKIAIOSFODNN7EXAMPLE here", "key <SECRET> here")]
    [InlineData("token ghp_abcdefghijklmnopqrstuvwxyz0123456789 ok", "token <SECRET> ok")]
    [InlineData("slack xoxb-1234567890-abcdefghij", "slack <SECRET>")]
    [InlineData("OPENAI_API_KEY=sk-proj-Ab3dEf6hIj9kLm2nOp5qRs8t", "OPENAI_API_KEY=<SECRET>")]
    [InlineData("api_key = \"f9A3kQ7zL2xW8pR1\"", "api_key = \"<SECRET>\"")]
    [InlineData("password: Tr0ub4dor&3xyz", "password: <SECRET>")]
    [InlineData("DB_PASSWORD='q8#Lm2!vZ9'", "DB_PASSWORD='<SECRET>'")]
    public void Replaces_personal_data(string input, string expected) => Assert.Equal(expected, Scrubber.Scrub(input));

    [Fact]
    public void Replaces_pem_private_key_blocks()
    {
        string text = "before\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nabc+/=\n-----END RSA PRIVATE KEY-----\nafter";
        Assert.Equal("before\n<SECRET>\nafter", Scrubber.Scrub(text));
        Assert.Equal("x <SECRET> y", Scrubber.Scrub("x -----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY----- y"));
    }

    [Theory]
    // dates and times
    [InlineData("Released 2002-08-22 at 12:34:56, updated 22/08/2002 and 08/22/2002.")]
    [InlineData("Meeting 2024.03.15, 15.03.2024.")]
    // versions and version-like dotted numbers
    [InlineData("Upgrade from 1.2.3 to v10.0.1 (build 1.2.3.4.5, schema 999.1.1.1).")]
    // prices, ordinary numbers and years
    [InlineData("It costs $1,234.56 or €99.99; 1999, 2024 and 31337 are numbers; pi is 3.14159265358979.")]
    [InlineData("Population 8,336,817 in 2020; 100 200 3000 items.")]
    // ISBNs
    [InlineData("See ISBN 978-3-16-148410-0 and ISBN 0-306-40615-2, also 9783161484100.")]
    // Luhn-invalid card-like numbers
    [InlineData("Order 4111 1111 1111 1112 and 1234567812345678 shipped.")]
    // private and loopback addresses stay by default
    [InlineData("Router 192.168.1.1, host 10.0.0.5, loopback 127.0.0.1 and ::1, link fe80::1ff:fe23:4567:890a.")]
    // code with colons, times, and text that is not a secret
    [InlineData("Use std::vector and dead::beef; at 10:30 or 12:34:56.")]
    [InlineData("Set password=${DB_PASSWORD} or password: <hidden> or password = hunter22.")]
    [InlineData("An IBAN-like GB00 WEST 1234 5698 7654 32 with a bad checksum.")]
    [InlineData("Coordinates 51.5074, -0.1278 and ratio 16:9.")]
    public void Leaves_look_alikes_untouched(string text)
    {
        var counts = new PiiCounts();
        Assert.Equal(text, Scrubber.Scrub(text, counts));
        Assert.Equal(0, counts.Total);
    }

    [Fact]
    public void Private_addresses_are_replaced_when_asked()
    {
        var all = new PiiScrubber(new PiiOptions { PublicIpOnly = false });
        Assert.Equal("Router <IP_ADDRESS> and <IP_ADDRESS>.", all.Scrub("Router 192.168.1.1 and fe80::1ff:fe23:4567:890a."));
    }

    [Fact]
    public void Counts_each_type()
    {
        var counts = new PiiCounts();
        Scrubber.Scrub("a@b.io and c@d.io call +1-202-555-0143 from 8.8.4.4 pay 4111111111111111 key AKIAIOSFODNN7EXAMPLE", counts);
        var snapshot = counts.Snapshot();
        Assert.Equal(2, snapshot["email"]);
        Assert.Equal(1, snapshot["phone"]);
        Assert.Equal(1, snapshot["ip_address"]);
        Assert.Equal(1, snapshot["credit_card"]);
        Assert.Equal(0, snapshot["iban"]);
        Assert.Equal(1, snapshot["secret"]);
        Assert.Equal(6, counts.Total);
    }

    [Fact]
    public void Disabled_types_stay()
    {
        var none = new PiiScrubber(new PiiOptions { Email = false, Phone = false, IpAddress = false, CreditCard = false, Iban = false, Secret = false });
        const string text = "a@b.io +1-202-555-0143 8.8.8.8 4111111111111111 GB82WEST12345698765432 AKIAIOSFODNN7EXAMPLE";
        Assert.Equal(text, none.Scrub(text));
        var onlyEmail = new PiiScrubber(new PiiOptions { Phone = false, IpAddress = false, CreditCard = false, Iban = false, Secret = false });
        Assert.Equal("<EMAIL> +1-202-555-0143 8.8.8.8 4111111111111111 GB82WEST12345698765432 AKIAIOSFODNN7EXAMPLE", onlyEmail.Scrub(text));
    }

    [Theory]
    [InlineData("4111111111111111", true)]
    [InlineData("4111111111111112", false)]
    [InlineData("79927398713", true)]
    public void Luhn(string number, bool valid) => Assert.Equal(valid, PiiValidation.IsLuhnValid(number));

    [Theory]
    [InlineData("GB82 WEST 1234 5698 7654 32", true)]
    [InlineData("GB82WEST12345698765433", false)]
    [InlineData("FR14 2004 1010 0505 0001 3M02 606", true)]
    [InlineData("NL91ABNA0417164300", true)]
    public void Iban_checksum(string iban, bool valid) => Assert.Equal(valid, PiiValidation.IsIbanValid(iban));

    [Fact]
    public void Safe_to_share_between_threads()
    {
        var texts = Enumerable.Range(0, 200).Select(i => $"user{i}@example.com called +1-202-555-{i:D4} from 8.8.{i % 256}.1").ToArray();
        var counts = new PiiCounts();
        var results = new string[texts.Length];
        Parallel.For(0, texts.Length, i => results[i] = Scrubber.Scrub(texts[i], counts));
        Assert.All(results, r => Assert.Equal("<EMAIL> called <PHONE> from <IP_ADDRESS>", r));
        Assert.Equal(600, counts.Total);
    }
}
