using System.Text;
using SharpLM.Data.Ingest.Email;

namespace SharpLM.Data.Tests.Ingest;

public class EmailParserTests
{
    private static ParsedEmail Parse(string message, Encoding? fallback = null) => EmailParser.Parse(Fixtures.Bytes(message), fallback);

    [Fact]
    public void Plain_message_keeps_body_and_subject_and_drops_every_other_header()
    {
        var email = Parse("From bob@example.com  Tue Aug  6 11:51:02 2002\n" +
                          "Return-Path: <bob@example.com>\n" +
                          "From: Bob <bob@example.com>\n" +
                          "Subject: Weekly\n  report\n" +
                          "\n" +
                          "Hello all,\n\nthe numbers are in.\n");
        Assert.Equal("Weekly report", email.Subject);
        Assert.Equal("text/plain", email.ContentType);
        Assert.Equal("Hello all,\n\nthe numbers are in.\n", email.Text);
        Assert.DoesNotContain("example.com", email.Text);
    }

    [Fact]
    public void Crlf_line_endings_are_read_and_normalised()
    {
        var email = Parse("Subject: x\r\nContent-Type: text/plain\r\n\r\nline one\r\nline two\r\n");
        Assert.Equal("line one\nline two\n", email.Text);
    }

    [Fact]
    public void Quoted_printable_with_soft_breaks_and_a_latin1_charset()
    {
        var email = Parse("Content-Type: text/plain; charset=\"ISO-8859-1\"\n" +
                          "Content-Transfer-Encoding: quoted-printable\n\n" +
                          "Caf=E9 au lait costs 3=3D3, and this line is soft=\n-broken.\n");
        Assert.Equal("Café au lait costs 3=3, and this line is soft-broken.\n", email.Text);
        Assert.Equal(0, email.ReplacementCharacters);
    }

    [Fact]
    public void Base64_utf8_body()
    {
        string body = Convert.ToBase64String(Encoding.UTF8.GetBytes("Grüße aus Köln — 你好"), Base64FormattingOptions.InsertLineBreaks);
        var email = Parse("Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: BASE64\n\n" + body.Insert(8, "\n") + "\n");
        Assert.Equal("Grüße aus Köln — 你好", email.Text);
    }

    [Fact]
    public void Encoded_word_subjects_in_b_and_q_form_joined_across_whitespace()
    {
        string b = Convert.ToBase64String(Encoding.UTF8.GetBytes("Ünïcödé"));
        var email = Parse($"Subject: =?iso-8859-1?Q?Caf=E9_cr=E8me?= =?utf-8?B?{b}?= and plain\n\nx\n");
        Assert.Equal("Café crèmeÜnïcödé and plain", email.Subject);
    }

    [Fact]
    public void Alternative_prefers_plain_text()
    {
        var email = Parse("Content-Type: multipart/alternative; boundary=\"b1\"\n\n" +
                          "preamble ignored\n" +
                          "--b1\nContent-Type: text/html\n\n<p>html version</p>\n" +
                          "--b1\nContent-Type: text/plain\n\nplain version\n" +
                          "--b1--\nepilogue ignored\n");
        Assert.Equal("multipart/alternative", email.ContentType);
        Assert.Equal("plain version", email.Text);
    }

    [Fact]
    public void Alternative_with_only_html_is_reduced_to_text()
    {
        var email = Parse("Content-Type: multipart/alternative; boundary=b1\n\n" +
                          "--b1\nContent-Type: text/html; charset=us-ascii\nContent-Transfer-Encoding: quoted-printable\n\n" +
                          "<html><head><style>p {color:red}</style></head><body><p>First =\nparagraph</p><p>Second &amp; last</p></body></html>\n" +
                          "--b1--\n");
        Assert.Equal("First paragraph\n\nSecond & last", email.Text);
    }

    [Fact]
    public void Nested_multiparts_concatenate_text_and_skip_attachments_and_binary_parts()
    {
        var email = Parse("Content-Type: multipart/mixed; boundary=\"outer\"\n\n" +
                          "--outer\n" +
                          "Content-Type: multipart/alternative; boundary=\"inner\"\n\n" +
                          "--inner\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\nHall\u00F6chen\n" +
                          "--inner\nContent-Type: text/html\n\n<b>Hall&ouml;chen</b>\n" +
                          "--inner--\n" +
                          "--outer\nContent-Type: image/gif\nContent-Transfer-Encoding: base64\n\nR0lGODlhAQABAAAAACw=\n" +
                          "--outer\nContent-Type: text/plain\nContent-Disposition: attachment; filename=\"notes.txt\"\n\nattached notes\n" +
                          "--outer\nContent-Type: message/rfc822\n\nSubject: forwarded\nFrom: someone@example.org\n\nforwarded body\n" +
                          "--outer--\n");
        Assert.Equal("multipart/mixed", email.ContentType);
        Assert.Equal("Hallöchen\n\nforwarded body", email.Text);
    }

    [Fact]
    public void Undeclared_8bit_bytes_use_the_fallback_or_are_counted()
    {
        const string message = "Subject: s\n\nthe world\x92s largest\n";
        var replaced = Parse(message);
        Assert.Equal("the world\uFFFDs largest\n", replaced.Text);
        Assert.Equal(1, replaced.ReplacementCharacters);
        var decoded = Parse(message, Encoding.Latin1);
        Assert.Equal("the world\u0092s largest\n", decoded.Text); // plain ISO-8859-1 maps 0x92 to a C1 control...
        var windows = Parse(message, SharpLM.Data.Ingest.TextDecoding.TryGetEncoding("latin1"));
        Assert.Equal("the world\u2019s largest\n", windows.Text); // ...the "latin1" label reads it as Windows-1252
    }

    [Theory]
    [InlineData("")]
    [InlineData("no header here\n\nbody\n")]
    [InlineData("Content-Type: multipart/mixed\n\n--x\n\ntext\n")]
    [InlineData("Content-Type: multipart/mixed; boundary=zz\n\nno delimiter anywhere\n")]
    public void Malformed_messages_throw_a_malformed_email_exception(string message)
    {
        Assert.Throws<MalformedEmailException>(() => Parse(message));
        Assert.False(EmailParser.TryParse(Fixtures.Bytes(message), null, out _, out string? error));
        Assert.False(string.IsNullOrEmpty(error));
    }

    [Fact]
    public void Transfer_decoders_agree_with_the_framework_on_well_formed_input()
    {
        var random = new Random(7);
        byte[] data = new byte[777];
        random.NextBytes(data);
        string base64 = Convert.ToBase64String(data, Base64FormattingOptions.InsertLineBreaks);
        Assert.Equal(data, TransferEncodings.DecodeBase64(Encoding.ASCII.GetBytes(base64)));
        // Quoted-printable of every byte value as =XX decodes back to the bytes.
        string qp = string.Concat(data.Select(b => $"={b:X2}"));
        Assert.Equal(data, TransferEncodings.DecodeQuotedPrintable(Encoding.ASCII.GetBytes(qp)));
    }
}
