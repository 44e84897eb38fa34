using System.Text;

namespace SharpLM.Data.Ingest;

/// <summary>Text decoded from bytes, with how it was decoded.</summary>
/// <param name="Encoding">Web name of the encoding that produced the text ("utf-8", "windows-1252"...).</param>
/// <param name="ReplacementCharacters">Invalid UTF-8 sequences replaced by U+FFFD (only when no other encoding applied).</param>
public readonly record struct DecodedText(string Text, string Encoding, int ReplacementCharacters);

/// <summary>
/// The charset rules of ingestion: a UTF-8 byte order mark is dropped; bytes are decoded as strict UTF-8 first; if they
/// are not valid UTF-8, a charset the document declares itself (an e-mail part's charset, an HTML meta tag), else the
/// source's declared fallback, decodes them; with neither, invalid sequences become U+FFFD and are counted.
/// ISO-8859-1 and US-ASCII are read as Windows-1252, their superset, as web browsers do, because mail and web text
/// labelled Latin-1 routinely carries Windows-1252 quotes and dashes.
/// </summary>
public static class TextDecoding
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    static TextDecoding() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    /// <summary>The encoding for a charset label, or null when the label is unknown.</summary>
    public static Encoding? TryGetEncoding(string? label)
    {
        if (string.IsNullOrWhiteSpace(label)) return null;
        string name = label.Trim().Trim('"', '\'').ToLowerInvariant();
        name = name switch
        {
            "latin1" or "latin-1" or "iso-8859-1" or "iso8859-1" or "iso_8859-1" or "l1" or "cp819" or "us-ascii" or "ascii"
                or "cp1252" or "windows-1252" or "x-cp1252" => "windows-1252",
            "utf8" => "utf-8",
            _ => name,
        };
        try
        {
            return Encoding.GetEncoding(name);
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>Decodes following the rules above. <paramref name="declared"/> is the document's own charset, if any.</summary>
    public static DecodedText Decode(ReadOnlySpan<byte> bytes, Encoding? declared = null, Encoding? fallback = null)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) bytes = bytes[3..];
        try
        {
            return new DecodedText(StrictUtf8.GetString(bytes), "utf-8", 0);
        }
        catch (DecoderFallbackException)
        {
        }
        foreach (var encoding in (ReadOnlySpan<Encoding?>)[declared, fallback])
            if (encoding is not null && encoding.CodePage != Encoding.UTF8.CodePage)
                return new DecodedText(encoding.GetString(bytes), encoding.WebName, 0);
        var counting = new CountingReplacementFallback();
        var lenient = (Encoding)Encoding.UTF8.Clone();
        lenient.DecoderFallback = counting;
        // One decoding pass into a buffer large enough for the worst case (one char per byte), so that each invalid
        // sequence reaches the fallback exactly once; Encoding.GetString would count them twice (size pass, then decode).
        char[] chars = new char[bytes.Length];
        int length = lenient.GetDecoder().GetChars(bytes, chars, flush: true);
        return new DecodedText(new string(chars, 0, length), "utf-8", counting.Count);
    }

    /// <summary>Replaces each invalid byte sequence with one U+FFFD and counts them.</summary>
    private sealed class CountingReplacementFallback : DecoderFallback
    {
        public int Count;

        public override int MaxCharCount => 1;

        public override DecoderFallbackBuffer CreateFallbackBuffer() => new Buffer(this);

        private sealed class Buffer(CountingReplacementFallback owner) : DecoderFallbackBuffer
        {
            private bool _pending;

            public override int Remaining => _pending ? 1 : 0;

            public override bool Fallback(byte[] bytesUnknown, int index)
            {
                owner.Count++;
                _pending = true;
                return true;
            }

            public override char GetNextChar()
            {
                if (!_pending) return '\0';
                _pending = false;
                return '\uFFFD';
            }

            public override bool MovePrevious() => false;

            public override void Reset() => _pending = false;
        }
    }
}
