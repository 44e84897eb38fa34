using System.Text.Json;
using SharpLM.Core;
using SharpLM.Core.Formats.Documents;
using SharpLM.Core.IO;
using SharpLM.Retrieval.Chunking;

namespace SharpLM.Retrieval.Evaluation;

/// <summary>
/// A reproducible evaluation set drawn from documents: a seeded generator picks documents and, in each, a sentence of
/// 12 to 40 words; the query is <see cref="QueryWords"/> of the sentence's content words drawn at random (kept in order), so
/// that it neither quotes the chunk nor loses its topic; the gold chunks are those whose span holds the whole sentence.
/// </summary>
public static class QuestionSet
{
    public const int MinWords = 12, MaxWords = 40;
    public const int QueryWords = 6;

    public static List<EvaluationQuestion> Generate(IReadOnlyList<Document> documents, ChunkingOptions chunking, int count, int seed)
    {
        if (count < 1) throw new SharpLMException($"--questions must be at least 1, got {count}.");
        var ordered = documents.OrderBy(d => d.Id, StringComparer.Ordinal).ToList();
        if (ordered.Count == 0) throw new SharpLMException("the evaluation documents are empty.");
        var chunker = new Chunker(chunking);
        var random = new Random(seed);
        var questions = new List<EvaluationQuestion>();
        var used = new HashSet<(string, int)>();
        for (int attempt = 0; questions.Count < count && attempt < count * 20; attempt++)
        {
            var document = ordered[random.Next(ordered.Count)];
            var sentences = TextSpans.Paragraphs(document.Text)
                .SelectMany(p => TextSpans.Sentences(document.Text, p.Start, p.End))
                .Where(s => WordCount(document.Text, s) is >= MinWords and <= MaxWords).ToList();
            if (sentences.Count == 0) continue;
            var (start, end) = sentences[random.Next(sentences.Count)];
            if (!used.Add((document.Id, start))) continue;
            var gold = chunker.Split(document.Id, document.Text).Where(c => c.CharStart <= start && end <= c.CharEnd).Select(c => c.Index).ToList();
            if (gold.Count == 0) continue;
            var words = TokenCounter.WordOrMark().Matches(document.Text[..end], start).Select(m => m.Value).Where(IsContentWord).ToList();
            var picked = new SortedSet<int>();
            while (picked.Count < Math.Min(QueryWords, words.Count)) picked.Add(random.Next(words.Count));
            var kept = picked.Select(i => words[i]).ToList();
            questions.Add(new EvaluationQuestion
            {
                Id = $"q{questions.Count + 1:D4}",
                Query = string.Join(' ', kept).ToLowerInvariant(),
                DocumentId = document.Id,
                CharStart = start,
                CharEnd = end,
                GoldChunks = gold,
            });
        }
        return questions;
    }

    /// <summary>Words of four letters or more: "the", "of" and numbers carry no topic, and a query of them finds nothing.</summary>
    private static bool IsContentWord(string word) => word.Length >= 4 && word.All(char.IsLetter);

    private static int WordCount(string text, (int Start, int End) span) => TokenCounter.Words(text.AsSpan(span.Start, span.End - span.Start));

    public static void Write(string path, IEnumerable<EvaluationQuestion> questions) =>
        AtomicFile.WriteAllText(path, string.Concat(questions.Select(q => JsonSerializer.Serialize(q) + "\n")));

    public static List<EvaluationQuestion> Read(string path)
    {
        var questions = new List<EvaluationQuestion>();
        foreach (var (number, utf8) in JsonlLines.Read(path, "evaluation questions JSONL"))
        {
            try
            {
                questions.Add(JsonSerializer.Deserialize<EvaluationQuestion>(utf8.Span)
                    ?? throw new SharpLMException($"{path}:{number}: the line is 'null', expected a question object."));
            }
            catch (JsonException e)
            {
                throw new SharpLMException($"{path}:{number}: not a valid question ({JsonFile.FirstSentence(e.Message)}).");
            }
        }
        return questions;
    }
}
