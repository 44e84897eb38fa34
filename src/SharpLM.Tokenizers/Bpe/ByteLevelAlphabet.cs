namespace SharpLM.Tokenizers.Bpe;

/// <summary>
/// GPT-2's reversible map from the 256 byte values to printable Unicode characters. Bytes that are already
/// printable Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other 68 map, in byte order, to
/// U+0100 onwards (so a space, 0x20, becomes 'Ġ' U+0120). Token strings in tokenizer.json are written in this
/// alphabet, which is why byte-level BPE vocabularies show "Ġthe".
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly Dictionary<char, byte> CharToByteTable =
        Enumerable.Range(0, 256).ToDictionary(b => ByteToCharTable[b], b => (byte)b);

    public static char ByteToChar(byte value) => ByteToCharTable[value];

    public static bool TryCharToByte(char c, out byte value) => CharToByteTable.TryGetValue(c, out value);

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        return string.Create(bytes.Length, bytes.ToArray(), static (span, source) =>
        {
            for (int i = 0; i < source.Length; i++) span[i] = ByteToCharTable[source[i]];
        });
    }

    /// <summary>Maps a token string back to bytes; returns false if it contains a character outside the alphabet.</summary>
    public static bool TryDecode(string token, List<byte> destination)
    {
        foreach (char c in token)
        {
            if (!CharToByteTable.TryGetValue(c, out byte b)) return false;
            destination.Add(b);
        }
        return true;
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var assigned = new bool[256];
        foreach (var (first, last) in new[] { ('!', '~'), ('¡', '¬'), ('®', 'ÿ') })
            for (int c = first; c <= last; c++) { table[c] = (char)c; assigned[c] = true; }
        int next = 256;
        for (int b = 0; b < 256; b++)
            if (!assigned[b]) table[b] = (char)next++;
        return table;
    }
}
