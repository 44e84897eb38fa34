using System.Text.RegularExpressions;

namespace SharpLM.Retrieval.Answering;

/// <summary>
/// Checks an answer's citations against the chunks it was given: every citation (in the list and as [n] in the text)
/// names a retrieved chunk; each cited chunk's span reproduces its text in the source document (when the document is
/// at hand); every quotation in the answer appears in a cited chunk; and each cited chunk contains some of the answer's
/// key terms (its words of four letters or more, common words aside).
/// </summary>
public static partial class CitationChecker
{
    [GeneratedRegex(@"\[(\d+)\]")]
    private static partial Regex Marker();

    [GeneratedRegex("[\"“]([^\"”]+)[\"”]")]
    private static partial Regex Quotation();

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();

    private static readonly HashSet<string> CommonWords =
    [
        "that", "this", "with", "from", "have", "were", "will", "would", "there", "their", "they", "which", "been", "than",
        "what", "when", "where", "about", "into", "also", "only", "such", "some", "more", "most", "other", "these", "those",
        "shall", "should", "could", "upon", "said", "because", "while", "being", "does", "answer", "source", "sources",
    ];

    /// <param name="documentText">The text of a document by id, to verify spans; null when documents are not at hand.</param>
    public static CitationReport Check(CitedAnswer answer, IReadOnlyList<NumberedChunk> context, Func<string, string?>? documentText = null)
    {
        var problems = new List<string>();
        var byNumber = context.ToDictionary(c => c.Number);
        if (answer.Citations.Count == 0) problems.Add("the answer cites no source.");
        foreach (Match marker in Marker().Matches(answer.Answer))
        {
            int number = int.TryParse(marker.Groups[1].Value, out int n) ? n : -1;
            if (!byNumber.ContainsKey(number)) problems.Add($"the answer text cites [{marker.Groups[1].Value}], which is not a retrieved chunk (1..{context.Count}).");
            else if (!answer.Citations.Contains(number)) problems.Add($"the answer text cites [{number}], but 'citations' does not list it.");
        }
        var keyTerms = Words(answer.Answer).Where(w => w.Length >= 4 && !CommonWords.Contains(w)).ToHashSet();
        var cited = new List<CheckedCitation>();
        foreach (int number in answer.Citations.Distinct())
        {
            if (!byNumber.TryGetValue(number, out var numbered))
            {
                problems.Add($"citation {number} is not a retrieved chunk (1..{context.Count}).");
                continue;
            }
            var chunk = numbered.Chunk;
            bool? spanVerified = null;
            if (documentText is not null)
            {
                string? text = documentText(chunk.DocumentId);
                spanVerified = text is not null && 0 <= chunk.CharStart && chunk.CharStart <= chunk.CharEnd && chunk.CharEnd <= text.Length
                    && text.AsSpan(chunk.CharStart, chunk.CharEnd - chunk.CharStart).SequenceEqual(chunk.Text);
                if (spanVerified == false)
                    problems.Add($"citation [{number}]: characters {chunk.CharStart}..{chunk.CharEnd} of document '{chunk.DocumentId}' do not reproduce the chunk.");
            }
            var chunkWords = Words(chunk.Text).ToHashSet();
            var found = keyTerms.Where(chunkWords.Contains).Order(StringComparer.Ordinal).ToList();
            if (keyTerms.Count > 0 && found.Count == 0)
                problems.Add($"citation [{number}] contains none of the answer's key terms.");
            cited.Add(new CheckedCitation(number, chunk.DocumentId, chunk.CharStart, chunk.CharEnd, chunk.Source, spanVerified, found));
        }
        foreach (Match quotation in Quotation().Matches(answer.Answer))
        {
            string quoted = Normalize(quotation.Groups[1].Value);
            if (!answer.Citations.Where(byNumber.ContainsKey).Any(n => Normalize(byNumber[n].Chunk.Text).Contains(quoted, StringComparison.Ordinal)))
                problems.Add($"the quotation \"{quotation.Groups[1].Value}\" is in no cited chunk.");
        }
        return new CitationReport(cited, problems);
    }

    /// <summary>The numbers of the [n] markers in an answer's text, in order.</summary>
    public static IEnumerable<int> Markers(string answer) =>
        Marker().Matches(answer).Select(m => int.TryParse(m.Groups[1].Value, out int n) ? n : -1).Where(n => n >= 0);

    private static IEnumerable<string> Words(string text) => Word().Matches(text).Select(m => m.Value.ToLowerInvariant());

    private static string Normalize(string text) => string.Join(' ', text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries));
}
