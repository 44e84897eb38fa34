using System.Text;

namespace SharpLM.Data.Ingest.Email;

/// <summary>
/// Extracts the readable text of an RFC 5322 / MIME (RFC 2045-2047) message. A leading mbox "From " line is skipped;
/// header fields are unfolded; the Subject's encoded-words are decoded; multipart bodies are walked recursively:
/// multipart/alternative contributes its text/plain version, or its HTML version reduced to text when there is no plain
/// one; every other multipart (mixed, related, signed...) contributes all its text parts, separated by blank lines;
/// message/rfc822 parts contribute their body. Attachments (Content-Disposition: attachment) and non-text parts are
/// skipped. Quoted-printable and base64 are undone, then each part is decoded with its own charset following
/// <see cref="TextDecoding"/>. Only the body text, the subject and the top-level media type come out; addresses and all
/// other headers are dropped.
/// </summary>
public static class EmailParser
{
    private const int MaxDepth = 32;

    /// <summary>Parses one message. <paramref name="fallback"/> is the source's charset for undeclared non-UTF-8 bytes.</summary>
    /// <exception cref="MalformedEmailException">The bytes have no header block or a multipart body is broken.</exception>
    public static ParsedEmail Parse(ReadOnlySpan<byte> message, Encoding? fallback = null)
    {
        byte[] bytes = message.ToArray();
        int start = 0;
        if (message.StartsWith("From "u8))
        {
            int newline = Array.IndexOf(bytes, (byte)'\n');
            start = newline < 0 ? bytes.Length : newline + 1;
        }
        var headers = MimeHeaders.Read(bytes, start, bytes.Length);
        if (headers.Count == 0)
            throw new MalformedEmailException("the message does not start with a header block (\"Name: value\" lines)");
        var walker = new Walker(bytes, fallback);
        string text = walker.Extract(headers, headers.BodyStart, bytes.Length, depth: 0) ?? "";
        string? subject = headers["Subject"] is { } raw ? CollapseWhitespace(EncodedWords.Decode(raw)) : null;
        string contentType = (ContentType.Parse(headers["Content-Type"]) ?? ContentType.TextPlain).MediaType;
        return new ParsedEmail(subject, contentType, text, walker.ReplacementCharacters);
    }

    /// <summary>Like <see cref="Parse"/>, without the exception: false and a reason for a malformed message.</summary>
    public static bool TryParse(ReadOnlySpan<byte> message, Encoding? fallback, out ParsedEmail? email, out string? error)
    {
        try
        {
            email = Parse(message, fallback);
            error = null;
            return true;
        }
        catch (MalformedEmailException e)
        {
            email = null;
            error = e.Message;
            return false;
        }
    }

    private static string CollapseWhitespace(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private sealed class Walker(byte[] bytes, Encoding? fallback)
    {
        public int ReplacementCharacters { get; private set; }

        /// <summary>The text of the entity whose headers were read and whose body is bytes[bodyStart..end]; null if it has none.</summary>
        public string? Extract(MimeHeaders headers, int bodyStart, int end, int depth)
        {
            if (depth > MaxDepth) throw new MalformedEmailException($"MIME parts are nested more than {MaxDepth} levels deep");
            var type = ContentType.Parse(headers["Content-Type"]) ?? ContentType.TextPlain;
            var disposition = ContentType.Parse(headers["Content-Disposition"]);
            if (disposition?.MediaType == "attachment") return null;
            if (type.MediaType.StartsWith("multipart/", StringComparison.Ordinal))
                return ExtractMultipart(type, bodyStart, end, depth);
            if (type.MediaType == "message/rfc822")
            {
                var inner = MimeHeaders.Read(bytes, bodyStart, end);
                return Extract(inner, inner.BodyStart, end, depth + 1);
            }
            if (type.MediaType is not ("text/plain" or "text/html")) return null;
            string text = DecodeBody(headers, type, bodyStart, end);
            return type.MediaType == "text/html" ? HtmlText.ToText(text) : text;
        }

        private string? ExtractMultipart(ContentType type, int bodyStart, int end, int depth)
        {
            string boundary = type.Parameter("boundary") is { Length: > 0 } b
                ? b
                : throw new MalformedEmailException($"{type.MediaType} without a boundary parameter");
            var parts = MultipartBody.Split(bytes, bodyStart, end, boundary)
                        ?? throw new MalformedEmailException($"{type.MediaType} boundary \"{boundary}\" never appears in the body");
            var children = parts.Select(p =>
            {
                var partHeaders = MimeHeaders.Read(bytes, p.Start, p.End);
                return (Headers: partHeaders, p.End, Type: (ContentType.Parse(partHeaders["Content-Type"]) ?? ContentType.TextPlain).MediaType);
            }).ToList();
            if (type.MediaType == "multipart/alternative")
            {
                // Prefer the plain version, then any nested multipart that yields text, then HTML.
                foreach (string preferred in (ReadOnlySpan<string>)["text/plain", "multipart/", "text/html"])
                    foreach (var child in children.Where(c => c.Type.StartsWith(preferred, StringComparison.Ordinal)))
                        if (Extract(child.Headers, child.Headers.BodyStart, child.End, depth + 1) is { Length: > 0 } text)
                            return text;
                return null;
            }
            var texts = new List<string>();
            foreach (var child in children)
                if (Extract(child.Headers, child.Headers.BodyStart, child.End, depth + 1) is { } text && !string.IsNullOrWhiteSpace(text))
                    texts.Add(text.Trim('\n'));
            return texts.Count == 0 ? null : string.Join("\n\n", texts);
        }

        private string DecodeBody(MimeHeaders headers, ContentType type, int bodyStart, int end)
        {
            var body = bytes.AsSpan(bodyStart, end - bodyStart);
            string transfer = (headers["Content-Transfer-Encoding"] ?? "").Trim().ToLowerInvariant();
            byte[] decoded = transfer switch
            {
                "quoted-printable" => TransferEncodings.DecodeQuotedPrintable(body),
                "base64" => TransferEncodings.DecodeBase64(body),
                _ => body.ToArray(),
            };
            var result = TextDecoding.Decode(decoded, TextDecoding.TryGetEncoding(type.Parameter("charset")), fallback);
            ReplacementCharacters += result.ReplacementCharacters;
            return result.Text.Replace("\r\n", "\n");
        }
    }
}
