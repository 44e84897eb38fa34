namespace SharpLM.Data.Ingest.Email;

/// <summary>Splits a multipart body at its boundary delimiter lines (RFC 2046 §5.1.1).</summary>
internal static class MultipartBody
{
    /// <summary>
    /// The byte ranges of the parts between "--boundary" lines, up to "--boundary--" or the end of the body when the
    /// closing delimiter is missing (truncated mail is common). The line break before a delimiter belongs to it, not to
    /// the part. Null when the boundary never appears.
    /// </summary>
    public static List<(int Start, int End)>? Split(byte[] bytes, int start, int end, string boundary)
    {
        byte[] delimiter = System.Text.Encoding.ASCII.GetBytes("--" + boundary);
        var parts = new List<(int Start, int End)>();
        int? partStart = null;
        bool seen = false;
        int position = start;
        while (position < end)
        {
            int newline = Array.IndexOf(bytes, (byte)'\n', position, end - position);
            int lineEnd = newline < 0 ? end : newline;
            int next = newline < 0 ? end : newline + 1;
            var line = bytes.AsSpan(position, lineEnd - position).TrimEnd("\r \t"u8);
            if (line.StartsWith(delimiter))
            {
                var rest = line[delimiter.Length..];
                bool closing = rest.SequenceEqual("--"u8);
                if (closing || rest.IsEmpty)
                {
                    seen = true;
                    if (partStart is { } s) parts.Add((s, PartEnd(bytes, s, position)));
                    if (closing) return parts;
                    partStart = next;
                }
            }
            position = next;
        }
        if (!seen) return null;
        if (partStart is { } last && last < end) parts.Add((last, end));
        return parts;
    }

    /// <summary>The part ends before the line break that precedes the delimiter line.</summary>
    private static int PartEnd(byte[] bytes, int partStart, int delimiterLineStart)
    {
        int end = delimiterLineStart;
        if (end > partStart && bytes[end - 1] == '\n') end--;
        if (end > partStart && bytes[end - 1] == '\r') end--;
        return end;
    }
}
