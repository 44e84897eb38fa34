using System.Text;

namespace SharpLM.Data.Ingest.Email;

/// <summary>A parsed Content-Type (or Content-Disposition) value: the lowercase media type and its parameters.</summary>
internal sealed record ContentType(string MediaType, IReadOnlyDictionary<string, string> Parameters)
{
    public static readonly ContentType TextPlain = new("text/plain", new Dictionary<string, string>());

    public string? Parameter(string name) => Parameters.TryGetValue(name, out string? value) ? value : null;

    /// <summary>Parses "type/subtype; name=value; name="quoted value""; a missing or unusable value gives null.</summary>
    public static ContentType? Parse(string? header)
    {
        if (string.IsNullOrWhiteSpace(header)) return null;
        var pieces = SplitParameters(header);
        string mediaType = pieces[0].Trim().ToLowerInvariant();
        var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string piece in pieces.Skip(1))
        {
            int equals = piece.IndexOf('=');
            if (equals <= 0) continue;
            string name = piece[..equals].Trim();
            string value = piece[(equals + 1)..].Trim();
            if (value.Length >= 2 && value[0] == '"' && value[^1] == '"') value = Unquote(value[1..^1]);
            parameters.TryAdd(name, value);
        }
        return new ContentType(mediaType, parameters);
    }

    private static List<string> SplitParameters(string header)
    {
        var pieces = new List<string>();
        var current = new StringBuilder();
        bool quoted = false;
        for (int i = 0; i < header.Length; i++)
        {
            char c = header[i];
            if (c == '\\' && quoted && i + 1 < header.Length) { current.Append(c).Append(header[++i]); continue; }
            if (c == '"') quoted = !quoted;
            if (c == ';' && !quoted) { pieces.Add(current.ToString()); current.Clear(); continue; }
            current.Append(c);
        }
        pieces.Add(current.ToString());
        return pieces;
    }

    private static string Unquote(string value)
    {
        if (!value.Contains('\\')) return value;
        var builder = new StringBuilder(value.Length);
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == '\\' && i + 1 < value.Length) i++;
            builder.Append(value[i]);
        }
        return builder.ToString();
    }
}
