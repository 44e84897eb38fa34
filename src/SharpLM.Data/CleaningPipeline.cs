using SharpLM.Core.Formats.Documents;
using SharpLM.Data.Cleaning;
using SharpLM.Data.Dedup;

namespace SharpLM.Data;

public sealed record CleaningStatistics(int DocumentsIn, int DocumentsOut, int Empty, int ExactDuplicates, long CharactersIn, long CharactersOut);

/// <summary>Cleans each document and drops empty texts and exact duplicates, streaming.</summary>
public sealed class CleaningPipeline
{
    private readonly TextCleaner _cleaner;
    private readonly ExactDeduplicator _deduplicator = new();
    private int _in, _out, _empty;
    private long _charactersIn, _charactersOut;

    public CleaningPipeline(TextCleaner? cleaner = null) => _cleaner = cleaner ?? new TextCleaner();

    public IEnumerable<Document> Run(IEnumerable<Document> documents)
    {
        foreach (var document in documents)
        {
            _in++;
            _charactersIn += document.Text.Length;
            string text = _cleaner.Clean(document.Text);
            if (text.Length == 0) { _empty++; continue; }
            if (!_deduplicator.IsFirstOccurrence(text)) continue;
            _out++;
            _charactersOut += text.Length;
            yield return document with { Text = text };
        }
    }

    public CleaningStatistics Statistics => new(_in, _out, _empty, _deduplicator.Duplicates, _charactersIn, _charactersOut);
}
