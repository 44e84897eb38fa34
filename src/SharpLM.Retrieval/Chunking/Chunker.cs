namespace SharpLM.Retrieval.Chunking;

/// <summary>
/// Cuts a document into chunks on semantic boundaries: whole paragraphs where they fit the budget, else sentences,
/// else (a sentence longer than the budget) runs of words. Consecutive pieces are packed up to the budget, and each
/// chunk after the first starts with the last whole pieces of the previous one, up to the overlap.
/// </summary>
public sealed class Chunker(ChunkingOptions options)
{
    private readonly record struct Piece(int Start, int End, int Tokens);

    public ChunkingOptions Options { get; } = options;

    public List<TextChunk> Split(string documentId, string text)
    {
        var pieces = Pieces(text);
        var chunks = new List<TextChunk>();
        int first = 0;
        while (first < pieces.Count)
        {
            int last = first, tokens = pieces[first].Tokens;
            while (last + 1 < pieces.Count && tokens + pieces[last + 1].Tokens <= Options.MaxTokens) tokens += pieces[++last].Tokens;
            int start = pieces[first].Start, end = pieces[last].End;
            chunks.Add(new TextChunk(documentId, chunks.Count, start, end, text[start..end]));
            if (last + 1 >= pieces.Count) break;
            first = NextFirst(pieces, first, last);
        }
        return chunks;
    }

    /// <summary>The first piece of the next chunk: back from the end of this one while the overlap allows, always moving forward.</summary>
    private int NextFirst(List<Piece> pieces, int first, int last)
    {
        int next = last + 1, overlap = 0;
        while (next - 1 > first && overlap + pieces[next - 1].Tokens <= Options.OverlapTokens
               && overlap + pieces[next - 1].Tokens + pieces[last + 1].Tokens <= Options.MaxTokens)
            overlap += pieces[--next].Tokens;
        return next;
    }

    private List<Piece> Pieces(string text)
    {
        var pieces = new List<Piece>();
        foreach (var (start, end) in TextSpans.Paragraphs(text))
        {
            int tokens = TokenCounter.Words(text.AsSpan(start, end - start));
            if (tokens <= Options.MaxTokens) { if (tokens > 0) pieces.Add(new Piece(start, end, tokens)); continue; }
            foreach (var (sentenceStart, sentenceEnd) in TextSpans.Sentences(text, start, end))
            {
                int sentenceTokens = TokenCounter.Words(text.AsSpan(sentenceStart, sentenceEnd - sentenceStart));
                if (sentenceTokens <= Options.MaxTokens) { if (sentenceTokens > 0) pieces.Add(new Piece(sentenceStart, sentenceEnd, sentenceTokens)); }
                else AddWordRuns(text, sentenceStart, sentenceEnd, pieces);
            }
        }
        return pieces;
    }

    private void AddWordRuns(string text, int start, int end, List<Piece> pieces)
    {
        var words = TokenCounter.WordOrMark().Matches(text[..end], start);
        for (int i = 0; i < words.Count; i += Options.MaxTokens)
        {
            int count = Math.Min(Options.MaxTokens, words.Count - i);
            var lastWord = words[i + count - 1];
            pieces.Add(new Piece(words[i].Index, lastWord.Index + lastWord.Length, count));
        }
    }
}
