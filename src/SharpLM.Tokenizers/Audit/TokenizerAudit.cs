using System.Text;
using SharpLM.Core.Formats.Documents;
using SharpLM.Tokenizers.Bpe;

namespace SharpLM.Tokenizers.Audit;

/// <summary>How one tokenizer fares on one group of documents.</summary>
public sealed record AuditRow(string Group, int Documents, long Bytes, long Words, long Tokens, long PartialCharacterTokens,
    IReadOnlyList<(string Token, long Count)> MostFrequent)
{
    public double BytesPerToken => Tokens == 0 ? 0 : (double)Bytes / Tokens;
    public double TokensPerWord => Words == 0 ? 0 : (double)Tokens / Words;

    /// <summary>
    /// Share of tokens that are not whole UTF-8 characters: the byte-level analogue of SentencePiece's byte
    /// fallback, high where the vocabulary has not learned a script.
    /// </summary>
    public double ByteFallbackRate => Tokens == 0 ? 0 : (double)PartialCharacterTokens / Tokens;
}

/// <summary>
/// Measures tokenizers on documents, per group (by default the data set, i.e. the id's part before the first
/// '/'): bytes per token, tokens per word, byte-fallback rate and the most frequent tokens.
/// </summary>
public static class TokenizerAudit
{
    private sealed class Tally
    {
        public int Documents;
        public long Bytes, Words, Tokens, Partial;
        public readonly Dictionary<int, long> Counts = new();
    }

    public static IReadOnlyList<AuditRow> Run(BpeTokenizer tokenizer, IEnumerable<Document> documents, Func<Document, string> group, int top = 10)
    {
        var partial = new Dictionary<int, bool>();
        var groups = new Dictionary<string, Tally>(StringComparer.Ordinal);
        foreach (var document in documents)
        {
            string key = group(document);
            if (!groups.TryGetValue(key, out var tally)) groups[key] = tally = new Tally();
            var ids = tokenizer.Encode(document.Text, allowSpecial: false);
            foreach (int id in ids)
            {
                if (!partial.TryGetValue(id, out bool isPartial)) partial[id] = isPartial = IsPartialCharacter(tokenizer, id);
                if (isPartial) tally.Partial++;
                tally.Counts[id] = tally.Counts.GetValueOrDefault(id) + 1;
            }
            tally.Documents++;
            tally.Bytes += Encoding.UTF8.GetByteCount(document.Text);
            tally.Words += CountWords(document.Text);
            tally.Tokens += ids.Count;
        }
        return groups.OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new AuditRow(g.Key, g.Value.Documents, g.Value.Bytes, g.Value.Words, g.Value.Tokens, g.Value.Partial,
                g.Value.Counts.OrderByDescending(c => c.Value).ThenBy(c => c.Key).Take(top).Select(c => (tokenizer.Decode([c.Key]), c.Value)).ToList()))
            .ToList();
    }

    /// <summary>The data set part of a document id ("sotu/1790_…" → "sotu"), else the whole source.</summary>
    public static string DataSetOf(Document document)
    {
        int slash = document.Id.IndexOf('/');
        return slash > 0 ? document.Id[..slash] : document.Source;
    }

    private static bool IsPartialCharacter(BpeTokenizer tokenizer, int id)
    {
        string token = tokenizer.IdToToken(id);
        var bytes = new List<byte>();
        if (!ByteLevelAlphabet.TryDecode(token, bytes)) return false; // a special token
        try
        {
            new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.ToArray());
            return false;
        }
        catch (DecoderFallbackException)
        {
            return true;
        }
    }

    private static long CountWords(string text)
    {
        long words = 0;
        bool inWord = false;
        foreach (char c in text)
        {
            bool space = char.IsWhiteSpace(c);
            if (!space && !inWord) words++;
            inWord = !space;
        }
        return words;
    }
}
