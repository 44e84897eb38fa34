using System.Text;

namespace SharpLM.Data.Ingest.Email;

/// <summary>One header block of a message or MIME part: unfolded header fields and where the body starts.</summary>
internal sealed class MimeHeaders
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);
    private readonly List<KeyValuePair<string, string>> _fields = [];

    public int BodyStart { get; private set; }

    public int Count => _fields.Count;

    /// <summary>The first field of that name (case-insensitive), or null.</summary>
    public string? this[string name] =>
        _fields.FirstOrDefault(f => string.Equals(f.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>
    /// Reads header lines from <paramref name="start"/> up to the first empty line. Continuation lines (starting with
    /// space or tab) are unfolded into the previous field. A line that is not a field ends the block: it is the start of
    /// the body of a sloppy message that forgot the blank line.
    /// </summary>
    public static MimeHeaders Read(byte[] bytes, int start, int end)
    {
        var headers = new MimeHeaders();
        int position = start;
        var current = new StringBuilder();
        string? currentName = null;
        while (position < end)
        {
            int newline = Array.IndexOf(bytes, (byte)'\n', position, end - position);
            int lineEnd = newline < 0 ? end : newline;
            int next = newline < 0 ? end : newline + 1;
            int contentEnd = lineEnd > position && bytes[lineEnd - 1] == '\r' ? lineEnd - 1 : lineEnd;
            var line = bytes.AsSpan(position, contentEnd - position);
            if (line.IsEmpty)
            {
                position = next;
                break;
            }
            if ((line[0] == ' ' || line[0] == '\t') && currentName is not null)
            {
                current.Append(' ').Append(DecodeHeaderBytes(line).Trim());
                position = next;
                continue;
            }
            int colon = line.IndexOf((byte)':');
            if (colon <= 0 || !IsFieldName(line[..colon])) break;
            if (currentName is not null) headers._fields.Add(new(currentName, current.ToString()));
            currentName = Encoding.ASCII.GetString(line[..colon]);
            current.Clear().Append(DecodeHeaderBytes(line[(colon + 1)..]).Trim());
            position = next;
        }
        if (currentName is not null) headers._fields.Add(new(currentName, current.ToString()));
        headers.BodyStart = position;
        return headers;
    }

    private static bool IsFieldName(ReadOnlySpan<byte> name)
    {
        foreach (byte b in name)
            if (b <= 32 || b >= 127) return false;
        return true;
    }

    /// <summary>Headers should be ASCII; raw 8-bit bytes are read as UTF-8 when valid, else as Windows-1252.</summary>
    private static string DecodeHeaderBytes(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return TextDecoding.TryGetEncoding("windows-1252")!.GetString(bytes);
        }
    }
}
